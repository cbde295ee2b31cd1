"""Running a child program so that its whole process tree can be stopped (timeout, Ctrl-C).

An external enhancer is often a launcher (a conda ``python`` starting workers, a shell script
starting ``python``): stopping only the child would leave its children computing on the GPU.

- POSIX (verified on Linux): the child starts a new session, so it and everything it starts
  share a process group that is signalled as one (SIGTERM, then SIGKILL after a grace period);
  Ctrl-C in the terminal reaches only the runner, which then stops the group itself. A
  descendant that starts a session of its own leaves the group and is not reached.
- Windows (written, not run): the child starts in a new process group and is put in a job
  object that kills every process in it when terminated or when the runner's handle closes.
  A process the child starts in the instant before it joins the job is not in it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

log = logging.getLogger(__name__)

# How long a stopped tree gets to exit after the polite signal, before it is killed.
GRACE_S = 3.0
_POLL_S = 0.1


@dataclass(frozen=True)
class ChildResult:
    """How a child run ended."""

    returncode: int | None  # None when it was stopped (timeout or stop request)
    timed_out: bool = False
    stopped: bool = False
    seconds: float = 0.0


def run_tree(
    args: list[str],
    log_path: Path,
    stop: threading.Event,
    timeout_s: float = 0.0,
    env: dict[str, str] | None = None,
    cwd: str | None = None,
) -> ChildResult:
    """Run ``args`` (no shell), its stdout and stderr into ``log_path``, until it exits, the
    timeout (seconds, 0 for none) passes or ``stop`` is set; the tree is stopped in both cases.

    Raises OSError when the program cannot be started (not found, not executable).
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    with open(log_path, "wb") as output:
        process, job = _start(args, output, env, cwd)
        try:
            while True:
                try:
                    code = process.wait(_POLL_S)
                    return ChildResult(code, seconds=time.monotonic() - start)
                except subprocess.TimeoutExpired:
                    pass
                elapsed = time.monotonic() - start
                if stop.is_set() or (timeout_s and elapsed > timeout_s):
                    _stop_tree(process, job)
                    return ChildResult(
                        None, timed_out=not stop.is_set(), stopped=stop.is_set(), seconds=elapsed
                    )
        finally:
            # Descendants left running by a child that has exited go with it (the job's handle
            # is closed here, once per call).
            _kill_leftovers(process, job)


def child_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment for a program of another installation, plus ``extra``.

    A PyInstaller bundle points LD_LIBRARY_PATH at its own libraries (keeping the user's in
    LD_LIBRARY_PATH_ORIG): another program's Python or CUDA must not load them, so the user's
    value is put back.
    """
    environment = dict(os.environ)
    if getattr(sys, "frozen", False) and sys.platform.startswith("linux"):
        original = environment.pop("LD_LIBRARY_PATH_ORIG", None)
        if original is None:
            environment.pop("LD_LIBRARY_PATH", None)
        else:
            environment["LD_LIBRARY_PATH"] = original
    return {**environment, **(extra or {})}


def _start(
    args: list[str], output: BinaryIO, env: dict[str, str] | None, cwd: str | None
) -> tuple[subprocess.Popen, _Job | None]:
    merged = child_environment(env)
    if sys.platform == "win32":
        flags = subprocess.CREATE_NEW_PROCESS_GROUP
        process = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
            env=merged, cwd=cwd, creationflags=flags,
        )  # fmt: skip
        return process, _windows_job(process)
    process = subprocess.Popen(
        args, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
        env=merged, cwd=cwd, start_new_session=True,
    )  # fmt: skip
    return process, None


def _stop_tree(process: subprocess.Popen, job: _Job | None) -> None:
    """Ask the tree to stop, wait up to GRACE_S, then kill it."""
    if sys.platform == "win32":
        # CTRL_BREAK reaches the child's new process group; the job then takes the rest.
        with contextlib.suppress(OSError):
            process.send_signal(signal.CTRL_BREAK_EVENT)
    else:
        _signal_group(process.pid, signal.SIGTERM)
    try:
        process.wait(GRACE_S)
    except subprocess.TimeoutExpired:
        log.info("child %d did not stop after %.0f s; killing its tree", process.pid, GRACE_S)
    if sys.platform != "win32":
        _signal_group(process.pid, signal.SIGKILL)
    elif job is not None:
        job.terminate()
    process.wait()


def _kill_leftovers(process: subprocess.Popen, job: _Job | None) -> None:
    if sys.platform == "win32":
        if job is not None:
            job.terminate()
            job.close()
    else:
        _signal_group(process.pid, signal.SIGKILL)


def _signal_group(pgid: int, number: int) -> None:
    if sys.platform != "win32":
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, number)


# Windows job object (kernel32), written from the Win32 documentation; not run here.
_JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x2000
_JOB_OBJECT_EXTENDED_LIMIT_INFORMATION = 9


def _windows_job(process: subprocess.Popen) -> _Job | None:
    """A job object holding ``process``, killing its members when closed; None if refused."""
    if sys.platform != "win32":
        return None
    import ctypes
    from ctypes import wintypes

    class IoCounters(ctypes.Structure):
        _fields_ = [(name, ctypes.c_ulonglong) for name in (
            "ReadOperationCount", "WriteOperationCount", "OtherOperationCount",
            "ReadTransferCount", "WriteTransferCount", "OtherTransferCount")]  # fmt: skip

    class BasicLimits(ctypes.Structure):
        _fields_ = [
            ("PerProcessUserTimeLimit", ctypes.c_int64),
            ("PerJobUserTimeLimit", ctypes.c_int64),
            ("LimitFlags", wintypes.DWORD),
            ("MinimumWorkingSetSize", ctypes.c_size_t),
            ("MaximumWorkingSetSize", ctypes.c_size_t),
            ("ActiveProcessLimit", wintypes.DWORD),
            ("Affinity", ctypes.c_size_t),
            ("PriorityClass", wintypes.DWORD),
            ("SchedulingClass", wintypes.DWORD),
        ]

    class ExtendedLimits(ctypes.Structure):
        _fields_ = [
            ("BasicLimitInformation", BasicLimits),
            ("IoInfo", IoCounters),
            ("ProcessMemoryLimit", ctypes.c_size_t),
            ("JobMemoryLimit", ctypes.c_size_t),
            ("PeakProcessMemoryUsed", ctypes.c_size_t),
            ("PeakJobMemoryUsed", ctypes.c_size_t),
        ]

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.CreateJobObjectW.restype = wintypes.HANDLE
    job = kernel32.CreateJobObjectW(None, None)
    if not job:
        log.warning("no job object (error %d): a stopped command may leave children", ctypes.get_last_error())
        return None
    limits = ExtendedLimits()
    limits.BasicLimitInformation.LimitFlags = _JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
    kernel32.SetInformationJobObject(
        wintypes.HANDLE(job),
        _JOB_OBJECT_EXTENDED_LIMIT_INFORMATION,
        ctypes.byref(limits),
        ctypes.sizeof(limits),
    )
    handle = wintypes.HANDLE(int(process._handle))  # Popen's process handle
    if not kernel32.AssignProcessToJobObject(wintypes.HANDLE(job), handle):
        log.warning("cannot put the command in a job object (error %d)", ctypes.get_last_error())
    return _Job(kernel32, wintypes.HANDLE(job))


class _Job:
    """A Windows job object's handle: terminate() kills every process in it."""

    def __init__(self, kernel32: Any, handle: Any) -> None:
        self.kernel32, self.handle = kernel32, handle

    def terminate(self) -> None:
        self.kernel32.TerminateJobObject(self.handle, 1)

    def close(self) -> None:
        if self.handle:
            self.kernel32.CloseHandle(self.handle)
            self.handle = None
