"""One app per annotator's labels: a lock file that a crashed process cannot leave stuck.

Two copies of the app writing the same annotator's labels would overwrite each other's work,
so the second one is refused. The lock is ``<labels>/.hggt/locks/<annotator>.lock`` holding
the owner's pid, host name, a random token and a heartbeat time the owner refreshes. A lock
is stale, and is taken over, when its process is known dead (same host) or its heartbeat is
older than ``stale_after_s`` (another host, e.g. a network drive, or a reused pid).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hggt_desktop.core.atomic import AtomicWriteError, write_text_atomic

HEARTBEAT_INTERVAL_S = 20.0
STALE_AFTER_S = 120.0
# A claim or moved-aside lock lives for microseconds; older ones were left by a killed copy.
LEFTOVER_AGE_S = 10.0


class InstanceLockError(Exception):
    """The lock could not be taken; the message says who holds it and what to do."""


class LockHeld(InstanceLockError):
    """Another live copy of the app holds the lock."""


@dataclass(frozen=True)
class LockOwner:
    """What the lock file says about its owner."""

    pid: int
    hostname: str
    token: str
    started: float
    heartbeat: float
    what: str = ""

    def describe(self) -> str:
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.started))
        return f"process {self.pid} on {self.hostname}, since {started}"


def pid_alive(pid: int) -> bool:
    """True when a process with ``pid`` runs on this machine (never signals it)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return _windows_pid_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def _windows_pid_alive(pid: int) -> bool:
    # os.kill(pid, 0) would terminate the process on Windows: ask the kernel instead.
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


class InstanceLock:
    """An exclusive, heartbeat-refreshed lock file; use :meth:`acquire` and :meth:`release`."""

    def __init__(
        self,
        path: Path,
        what: str = "",
        stale_after_s: float = STALE_AFTER_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self.what = what
        self.stale_after_s = stale_after_s
        self._clock = clock
        self._token = secrets.token_hex(8)
        self._started = 0.0
        self.held = False
        self.took_over: LockOwner | None = None

    def _content(self) -> str:
        now = self._clock()
        return json.dumps(
            {
                "pid": os.getpid(),
                "hostname": socket.gethostname(),
                "token": self._token,
                "started": self._started or now,
                "heartbeat": now,
                "what": self.what,
            }
        )

    def read_owner(self) -> LockOwner | None:
        """The current owner, or None when there is no lock file or it is unreadable."""
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
            return LockOwner(
                int(doc["pid"]),
                str(doc["hostname"]),
                str(doc["token"]),
                float(doc["started"]),
                float(doc["heartbeat"]),
                str(doc.get("what", "")),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def is_stale(self, owner: LockOwner) -> bool:
        """True when ``owner`` cannot be a live copy of the app any more."""
        if self._clock() - owner.heartbeat > self.stale_after_s:
            return True
        return owner.hostname == socket.gethostname() and not pid_alive(owner.pid)

    def acquire(self) -> None:
        """Take the lock, taking over a stale one; raise :class:`LockHeld` when it is in use.

        Exactly one copy wins, even when several start at once after a crash: the lock file is
        only ever made by an exclusive create, and a stale one is replaced only by the copy that
        holds the takeover guard (an exclusive create too), after checking that it is still the
        very file that was judged stale.
        """
        self._started = self._clock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._remove_leftovers()
            for _ in range(3):
                if self._create_exclusive():
                    self.held = True
                    return
                self._take_over_if_stale()
                if self.held:
                    return
        except OSError as exc:
            raise InstanceLockError(
                f"Cannot create the lock file {self.path}: {exc.strerror or exc}. "
                "Check that the labels folder is writable."
            ) from exc
        raise LockHeld(f"Other copies of the app are taking over {self.path} at this moment; try again.")

    def _create_exclusive(self) -> bool:
        """Make the lock file with our content if there is none; False when one exists."""
        # Written in full beside it, then linked into place: the lock is never seen half-written.
        claim = self.path.with_name(f".{self.path.name}.{self._token}.claim")
        claim.write_text(self._content(), encoding="utf-8")
        try:
            os.link(claim, self.path)
            return True
        except FileExistsError:
            return False
        except OSError:
            return self._create_without_links()  # FAT drives and some shares have no hard links
        finally:
            with contextlib.suppress(OSError):
                claim.unlink()

    def _create_without_links(self) -> bool:
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(self._content())
            handle.flush()
            os.fsync(handle.fileno())
        return True

    def _take_over_if_stale(self) -> None:
        """Move a stale lock aside (one copy only can) and put ours in its place; else raise."""
        try:
            seen = self.path.read_bytes()
        except FileNotFoundError:
            return  # released or moved meanwhile: try the exclusive create again
        owner = self.read_owner()
        if owner is not None and not self.is_stale(owner):
            raise LockHeld(
                f"{self.what or 'These labels'} are already open in another copy of the app "
                f"({owner.describe()}). Close that copy first. If it crashed, this lock "
                f"({self.path}) is taken over automatically {int(self.stale_after_s)} s after its "
                "last heartbeat."
            )
        # An unreadable lock is a crash in the middle of writing it (older versions): stale too.
        # One copy at a time may replace a stale lock: the takeover is guarded by a second file
        # made exclusively. The lock itself is replaced in one atomic step, never removed, so a
        # copy in the middle of its exclusive create can never slip into a moment without one.
        guard = self.path.with_name(f".{self.path.name}.takeover.claim")
        try:
            fd = os.open(guard, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            raise LockHeld(
                f"Another copy of the app is taking over {self.path} at this moment; try again."
            ) from None
        os.close(fd)
        try:
            try:
                now = self.path.read_bytes()
            except FileNotFoundError:
                return  # released meanwhile: the exclusive create decides
            if now != seen:
                raise LockHeld(f"Another copy of the app took over {self.path} at the same moment; try again.")
            claim = self.path.with_name(f".{self.path.name}.{self._token}.claim")
            claim.write_text(self._content(), encoding="utf-8")
            os.replace(claim, self.path)
            self.took_over = owner
            self.held = True
        finally:
            with contextlib.suppress(OSError):
                guard.unlink()

    def _remove_leftovers(self) -> None:
        """Claims, moved-aside locks and heartbeat temporaries left by copies that were killed."""
        prefix = f".{self.path.name}."
        now = time.time()
        with os.scandir(self.path.parent) as entries:
            for entry in entries:
                if entry.name.startswith(prefix) and entry.name.endswith((".claim", ".stale", ".tmp")):
                    with contextlib.suppress(OSError):
                        if now - entry.stat().st_mtime > LEFTOVER_AGE_S:
                            os.unlink(entry.path)

    def verify(self) -> bool:
        """True while the lock file still names this copy: checked before every save.

        A lock file that vanished (a sync tool, a copy that gave way) is made again, exclusively;
        if another copy made one first, the lock is lost.
        """
        if not self.held:
            return False
        current = self.read_owner()
        if current is None and not self.path.exists():
            with contextlib.suppress(OSError):
                if self._create_exclusive():
                    return True
            current = self.read_owner()
        if current is None or current.token != self._token:
            self.held = False
            return False
        return True

    def heartbeat(self) -> bool:
        """Refresh the heartbeat; False when the lock is no longer ours (taken over)."""
        if not self.verify():
            return False
        try:
            write_text_atomic(self.path, self._content())
        except AtomicWriteError:
            return True  # still ours; the next heartbeat tries again
        return True

    def release(self) -> None:
        """Remove the lock file if it is still ours."""
        if not self.held:
            return
        current = self.read_owner()
        if current is not None and current.token == self._token:
            with contextlib.suppress(OSError):
                self.path.unlink()
        self.held = False
