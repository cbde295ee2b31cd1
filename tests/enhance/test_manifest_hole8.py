"""Issue 13, hole 8: the enhancement manifest survives a failed write and a torn UTF-8 last line."""

from __future__ import annotations

import logging
import threading

from tests.enhance.test_runner import CountingFactory, _assert_complete, _runner, _setup


def test_hole8_a_failed_manifest_write_is_reported_once_and_no_thread_dies(tmp_path, caplog, monkeypatch):
    names, models = _setup(tmp_path, count=3)
    (tmp_path / "out").mkdir()
    # The manifest's folder is a file: every manifest write fails, the outputs themselves do not.
    (tmp_path / "out" / ".hggt-enhance").write_text("not a folder")
    crashed: list[BaseException] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: crashed.append(args.exc_value))
    with caplog.at_level(logging.ERROR):
        summary = _runner(tmp_path, names, models, CountingFactory()).run()
    assert crashed == []
    assert summary.done == len(names) * 3 and not summary.failed
    _assert_complete(tmp_path, names, models)
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "manifest.jsonl" in errors[0] and "not recorded" in errors[0]


def test_hole8_a_torn_utf8_last_line_does_not_stop_later_resumes(tmp_path):
    names, models = _setup(tmp_path, count=2)
    _runner(tmp_path, names, models, CountingFactory()).run()
    manifest = tmp_path / "out" / ".hggt-enhance" / "manifest.jsonl"
    # A kill in the middle of a record naming a non-ASCII image: the file ends inside "é".
    with open(manifest, "ab") as handle:
        handle.write('{"image": "caf\u00e9.png"'.encode()[:-6])
    for _ in range(2):
        again = CountingFactory()
        summary = _runner(tmp_path, names, models, again).run()
        assert (summary.done, summary.skipped, again.calls) == (0, len(names) * 3, 0)
    _assert_complete(tmp_path, names, models)
