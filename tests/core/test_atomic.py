"""Atomic saves: a failed save keeps the previous file, and Windows sharing violations are retried."""

import os
from pathlib import Path

import pytest

from hggt_desktop.core import atomic
from hggt_desktop.core.atomic import AtomicWriteError, write_text_atomic


def test_replaces_content_and_leaves_no_temp_files(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    write_text_atomic(path, "one")
    write_text_atomic(path, "two")
    assert path.read_text() == "two"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]


def test_transient_sharing_violation_is_retried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.json"
    write_text_atomic(path, "old")
    real_replace = os.replace
    failures = iter([True, True, False])

    def flaky_replace(src: str, dst: Path) -> None:
        if next(failures):
            raise PermissionError(13, "The process cannot access the file")
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", flaky_replace)
    write_text_atomic(path, "new")
    assert path.read_text() == "new"


def test_persistent_failure_keeps_old_file_and_new_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "a.json"
    write_text_atomic(path, "old")
    monkeypatch.setattr(atomic, "_RETRY_DELAYS_S", (0.0, 0.0))

    def always_busy(src: str, dst: Path) -> None:
        raise PermissionError(13, "busy")

    monkeypatch.setattr(atomic.os, "replace", always_busy)
    with pytest.raises(AtomicWriteError) as info:
        write_text_atomic(path, "new")
    assert path.read_text() == "old"
    assert info.value.kept_copy is not None and info.value.kept_copy.read_text() == "new"
    assert str(path) in str(info.value)


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_folder_fails_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    write_text_atomic(path, "old")
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(AtomicWriteError):
            write_text_atomic(path, "new")
    finally:
        tmp_path.chmod(0o755)
    assert path.read_text() == "old"


def test_a_file_in_place_of_the_folder_is_named(tmp_path: Path) -> None:
    (tmp_path / "labels").write_text("not a folder")
    with pytest.raises(AtomicWriteError, match="is a file, not a folder"):
        write_text_atomic(tmp_path / "labels" / "A" / "x.json", "{}")
    assert (tmp_path / "labels").read_text() == "not a folder"
