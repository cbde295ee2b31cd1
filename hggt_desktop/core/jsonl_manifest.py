"""An append-only JSON-lines manifest: the memory of a long job, so a re-run skips finished work.

One owner for the file format shared by ``hggt-enhance`` (``OUT_DIR/.hggt-enhance/manifest.jsonl``)
and ``hggt-data screen`` (``OUT/manifest.jsonl``):

- one JSON object per line, UTF-8, appended with a single ``write`` on an ``O_APPEND`` file and
  pushed to disk with ``fsync`` before the caller goes on, so a line a crash leaves is either
  whole or torn at the end of the file, and lines from several processes never interleave;
- reading skips torn or damaged lines (cut mid-line, cut inside a UTF-8 character, not an
  object): the work they describe is simply done again;
- the first append of a process after a crash starts on a new line, so a torn tail never glues
  itself to the next record;
- a failed append (disk full, the folder is a file) never raises: it is reported once, with the
  path and what to do, and counted; the job goes on, and a re-run redoes what went unrecorded.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

# Binary on Windows: a text-mode descriptor would turn "\n" into "\r\n".
_APPEND_FLAGS = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0)


class ManifestError(Exception):
    """The manifest exists but cannot be read at all (a folder, no permission)."""


class JsonlManifest:
    """Append and read one JSON-lines manifest file; thread-safe."""

    def __init__(self, path: Path, on_write_error: Callable[[str], None] | None = None) -> None:
        """``on_write_error`` receives the one message of the first failed append (default: logged)."""
        self.path = Path(path)
        self.torn_lines = 0
        self.failed_writes = 0
        self.write_error: str | None = None
        self._on_write_error = on_write_error or log.error
        self._lock = threading.Lock()
        self._tail_checked = False

    def read(self) -> list[dict]:
        """Every whole line that holds a JSON object, in file order; torn lines are counted and skipped."""
        try:
            data = self.path.read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return []  # nothing written yet (a write into a non-folder is reported by append)
        except OSError as exc:
            raise ManifestError(
                f"{self.path}: cannot read the manifest ({exc.strerror or exc}); "
                "move it away to start the job afresh"
            ) from exc
        entries: list[dict] = []
        self.torn_lines = 0
        lines = data.split(b"\n")
        # The part after the last newline is a line still being written or cut by a crash.
        if lines[-1].strip():
            self.torn_lines += 1
        for raw in lines[:-1]:
            if not raw.strip():
                continue
            try:
                entry = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError, RecursionError):
                entry = None
            if isinstance(entry, dict):
                entries.append(entry)
            else:
                self.torn_lines += 1
        if self.torn_lines:
            log.warning(
                "%s: %d incomplete line(s) (an interrupted write) ignored; that work is done again",
                self.path,
                self.torn_lines,
            )
        return entries

    def append(self, entry: dict) -> bool:
        """Append one record and push it to disk; False (reported once) when it could not be written."""
        line = (json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
        with self._lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                descriptor = os.open(self.path, _APPEND_FLAGS, 0o666)
                try:
                    if not self._tail_checked:
                        line = self._newline_after_torn_tail(descriptor) + line
                    os.write(descriptor, line)
                    os.fsync(descriptor)
                finally:
                    os.close(descriptor)
                self._tail_checked = True
            except OSError as exc:
                self.failed_writes += 1
                if self.write_error is None:
                    self.write_error = (
                        f"cannot write the manifest {self.path}: {exc.strerror or exc}. "
                        "Work finished from now on is not recorded and will be done again by the next "
                        "run; free disk space or fix the folder, then run again"
                    )
                    self._on_write_error(self.write_error)
                return False
        return True

    def _newline_after_torn_tail(self, descriptor: int) -> bytes:
        """``b"\\n"`` when the file ends inside a line (a crash tore it), else nothing."""
        size = os.fstat(descriptor).st_size
        if size == 0:
            return b""
        with open(self.path, "rb") as handle:
            handle.seek(size - 1)
            return b"" if handle.read(1) == b"\n" else b"\n"
