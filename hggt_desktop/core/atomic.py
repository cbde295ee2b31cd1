"""Atomic file writes that survive crashes and Windows sharing violations."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import tempfile
import time
from pathlib import Path

log = logging.getLogger(__name__)

# os.replace onto a file that a virus scanner, the search indexer or a sync client holds open
# fails for a few milliseconds on Windows (WinError 5, 32, 33). pip and PyInstaller retry the
# same way: a short, bounded wait, then give up loudly.
_RETRY_DELAYS_S = (0.01, 0.02, 0.05, 0.1, 0.2, 0.4)
_SHARING_WINERRORS = {5, 32, 33}
# mkstemp creates 0600 files; give the result the mode a plain open() would (0666 & ~umask),
# so labels on a shared folder stay readable by the curator. Read once, before any threads.
_UMASK = os.umask(0o022)
os.umask(_UMASK)


class AtomicWriteError(OSError):
    """A file could not be written; the previous file, if any, is untouched."""

    def __init__(self, path: Path, reason: str, kept_copy: Path | None = None) -> None:
        self.path = path
        self.reason = reason
        self.kept_copy = kept_copy
        where = f" The new content is kept in {kept_copy}." if kept_copy else ""
        super().__init__(f"Could not save {path}: {reason}.{where}")


def _is_sharing_violation(exc: OSError) -> bool:
    winerror = getattr(exc, "winerror", None)
    if winerror is not None:
        return winerror in _SHARING_WINERRORS
    return isinstance(exc, PermissionError) and exc.errno in (errno.EACCES, errno.EPERM)


def _replace_with_retry(src: str, dst: Path) -> None:
    for delay in (*_RETRY_DELAYS_S, None):
        try:
            os.replace(src, dst)
            return
        except OSError as exc:
            if delay is None or not _is_sharing_violation(exc):
                raise
            log.debug("replace %s busy (%s), retrying in %.2fs", dst, exc, delay)
            time.sleep(delay)


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see either the old file or the new one.

    A failed save must leave the previous file intact, so the data goes to a temporary file in
    the same folder (same volume, so the rename is atomic), is flushed to disk, and is then
    renamed over the target.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        blocking = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
        if blocking is not None:
            reason = f"{blocking} is a file, not a folder; choose another location"
            raise AtomicWriteError(path, reason) from exc
        raise AtomicWriteError(path, exc.strerror or str(exc)) from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            with contextlib.suppress(OSError, AttributeError):
                os.fchmod(handle.fileno(), 0o666 & ~_UMASK)
            os.fsync(handle.fileno())
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise AtomicWriteError(path, exc.strerror or str(exc)) from exc
    try:
        _replace_with_retry(tmp, path)
    except OSError as exc:
        # The content is complete on disk: keep it so nothing the user made is lost.
        raise AtomicWriteError(path, exc.strerror or str(exc), kept_copy=Path(tmp)) from exc


def write_text_atomic(path: Path, text: str) -> None:
    """Write UTF-8 text atomically (see :func:`write_bytes_atomic`)."""
    write_bytes_atomic(path, text.encode("utf-8"))
