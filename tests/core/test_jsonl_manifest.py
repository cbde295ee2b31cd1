"""The shared JSON-lines manifest: whole lines survive, torn ones are skipped, failed writes never raise."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from hggt_desktop.core.jsonl_manifest import JsonlManifest, ManifestError


def test_appended_lines_read_back_in_order(tmp_path: Path) -> None:
    manifest = JsonlManifest(tmp_path / "deep" / "manifest.jsonl")
    assert manifest.read() == []
    for index in range(3):
        assert manifest.append({"path": f"é{index}.png", "n": index})
    assert [e["n"] for e in JsonlManifest(manifest.path).read()] == [0, 1, 2]
    assert manifest.path.read_text(encoding="utf-8").count("\n") == 3


def test_hole8_a_torn_utf8_last_line_is_skipped_not_a_decode_error(tmp_path: Path) -> None:
    path = tmp_path / "manifest.jsonl"
    whole = json.dumps({"path": "a.png"}).encode() + b"\n"
    # Cut inside the two bytes of "é": the tail is not valid UTF-8.
    torn = json.dumps({"path": "café.png"}, ensure_ascii=False).encode()[:13]
    path.write_bytes(whole + torn)
    manifest = JsonlManifest(path)
    assert manifest.read() == [{"path": "a.png"}]
    assert manifest.torn_lines == 1
    # Resuming twice: the next record starts on its own line, and every later read still works.
    assert manifest.append({"path": "b.png"})
    assert [e["path"] for e in JsonlManifest(path).read()] == ["a.png", "b.png"]
    assert [e["path"] for e in JsonlManifest(path).read()] == ["a.png", "b.png"]


def test_damaged_lines_in_the_middle_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "manifest.jsonl"
    path.write_bytes(b'{"n": 1}\n\xff\xfe\n[1, 2]\n{"n": \n\n{"n": 2}\n')
    manifest = JsonlManifest(path)
    assert manifest.read() == [{"n": 1}, {"n": 2}]
    assert manifest.torn_lines == 3


def test_hole8_a_failed_write_is_reported_once_and_never_raised(tmp_path: Path) -> None:
    (tmp_path / "out").write_text("a file where the folder should be")
    messages: list[str] = []
    manifest = JsonlManifest(tmp_path / "out" / "manifest.jsonl", on_write_error=messages.append)
    results = []
    threads = [threading.Thread(target=lambda: results.append(manifest.append({"n": 1}))) for _ in range(15)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [False] * 15
    assert len(messages) == 1 and str(manifest.path) in messages[0] and "run again" in messages[0]
    assert manifest.failed_writes == 15


def test_a_manifest_that_is_a_folder_is_named(tmp_path: Path) -> None:
    (tmp_path / "manifest.jsonl").mkdir()
    with pytest.raises(ManifestError, match="manifest.jsonl"):
        JsonlManifest(tmp_path / "manifest.jsonl").read()
