"""Never losing work: resume, one copy per annotator, failed saves, invalid and broken files."""

from __future__ import annotations

import errno
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

import hggt_desktop.core.atomic as atomic
from hggt_desktop.annotation.workspace import open_workspace
from hggt_desktop.core.images import write_image
from hggt_desktop.core.layout import find_labels_dir, lock_path
from hggt_desktop.gui.annotate.keymap import KeyMap
from hggt_desktop.gui.annotate.session import AnnotationSession
from hggt_desktop.gui.main_window import MainWindow
from tests.gui.annotator_setup import ANNOTATOR, make_images, open_window, read_json, type_keys


def test_reopening_resumes_at_the_first_unlabelled_set_with_partial_labels(qtbot, tmp_path: Path) -> None:
    images = make_images(tmp_path, n_sets=4)
    window, session = open_window(qtbot, images)
    type_keys(qtbot, window, "psnp")
    qtbot.keyClick(window.view, Qt.Key.Key_Right)
    partial_stem = session.progress.stem
    type_keys(qtbot, window, "nn")  # two of four: no HGGT file yet, kept in the record
    given = dict(session.progress.labels)
    window.close()
    assert not lock_path(find_labels_dir(images), ANNOTATOR).exists()

    window2, session2 = open_window(qtbot, images)
    assert session2.index == 1 and session2.progress.stem == partial_stem
    assert session2.progress.labels == given
    assert session2.selected == 2, "the first unlabelled version is selected"
    assert session2.done_count() == 1


def test_a_second_copy_on_the_same_labels_is_refused_with_a_clear_message(qtbot, tmp_path: Path) -> None:
    images = make_images(tmp_path)
    open_window(qtbot, images)
    second = MainWindow(keymap=KeyMap(), break_interval_min=0)
    qtbot.addWidget(second)
    refused = AnnotationSession(open_workspace(images, ANNOTATOR), prefetch=False)
    assert not second.attach_session(refused)
    assert "already open in another copy" in second.statusBar().currentMessage()
    assert second.view is None
    # Another annotator on the same folder is fine.
    assert second.attach_session(AnnotationSession(open_workspace(images, "U"), prefetch=False))


def test_a_lock_left_by_a_crashed_copy_is_taken_over(qtbot, tmp_path: Path) -> None:
    images = make_images(tmp_path)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    path = lock_path(find_labels_dir(images), ANNOTATOR)
    path.parent.mkdir(parents=True)
    owner = {"pid": int(dead.stdout), "hostname": socket.gethostname(), "token": "old", "started": 1.0}
    path.write_text(json.dumps({**owner, "heartbeat": 4e9}), encoding="utf-8")
    window, session = open_window(qtbot, images)
    assert session.lock is not None and session.lock.held
    assert "Took over a lock" in window.statusBar().currentMessage()


@pytest.fixture
def read_only(monkeypatch):
    """Make a folder unwritable; as root chmod is not enough, so the write itself fails as EROFS."""

    def apply(folder: Path) -> None:
        folder.chmod(0o555)
        if os.geteuid() == 0:
            real = atomic.tempfile.mkstemp

            def refuse(*args, **kwargs):
                if Path(kwargs.get("dir", "")).resolve() == folder.resolve():
                    raise OSError(errno.EROFS, "Read-only file system")
                return real(*args, **kwargs)

            monkeypatch.setattr(atomic.tempfile, "mkstemp", refuse)

    yield apply


def test_a_failed_save_keeps_the_previous_file_says_so_and_retries(
    qtbot, tmp_path: Path, read_only, monkeypatch
) -> None:
    images = make_images(tmp_path)
    window, session = open_window(qtbot, images)
    type_keys(qtbot, window, "psnp")
    path = find_labels_dir(images) / ANNOTATOR / f"{session.progress.stem}.json"
    before = path.read_bytes()
    read_only(path.parent)

    type_keys(qtbot, window, "1n")  # change A from Positive to Negative: the save fails
    assert path.read_bytes() == before, "the previous file must be left exactly as it was"
    assert session.unsaved_sets() == {0}
    assert session.label_at(0).value == "Negative", "the change stays on screen, pending"
    assert "Could not save" in window.view.notice.text()
    assert "Could not save" in window.statusBar().currentMessage()
    qtbot.keyClick(window.view, Qt.Key.Key_Right)
    assert session.index == 0, "the screen does not move on while a label is not on disk"
    window.close()
    assert window.isVisible() and window.session is session, "closing first warns about the unsaved label"

    monkeypatch.undo()
    path.parent.chmod(0o755)
    qtbot.keyClick(window.view, Qt.Key.Key_Right)  # the next action retries
    assert session.index == 1 and not session.unsaved_sets()
    assert read_json(path)[f"Picture_{int(session.model.store.sets[0].order[0]) + 1}"]["Label"] == "Negative"


def test_an_invalid_existing_label_file_is_shown_and_replaced_not_lost(qtbot, tmp_path: Path) -> None:
    images = make_images(tmp_path)
    labels = find_labels_dir(images) / ANNOTATOR
    labels.mkdir(parents=True)
    stem = "0000-0-0"
    (labels / f"{stem}.json").write_text('{"Picture_1": {"Name": "../x.png"}}', encoding="utf-8")
    window, session = open_window(qtbot, images)
    assert session.progress.stem == stem and session.progress.invalid_reason
    assert "invalid" in window.statusBar().currentMessage().lower() or "invalid" in window.view.notice.text()
    type_keys(qtbot, window, "ssss")
    assert read_json(labels / f"{stem}.json")["Picture_2"]["Label"] == "Similar"
    kept = find_labels_dir(images) / ".hggt" / "invalid" / ANNOTATOR / f"{stem}.json"
    assert "../x.png" in kept.read_text(encoding="utf-8")


def test_a_corrupt_image_shows_the_set_as_broken_and_it_can_be_skipped(qtbot, tmp_path: Path) -> None:
    images = make_images(tmp_path, n_sets=4)
    (images / "02" / "0001-16-8_02.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    truncated = images / "03" / "0002-32-16_03.png"  # a good header, pixels cut off
    truncated.write_bytes(truncated.read_bytes()[:-200])
    window, session = open_window(qtbot, images)
    type_keys(qtbot, window, "psnp")
    qtbot.keyClick(window.view, Qt.Key.Key_Right)
    assert session.progress.stem == "0001-16-8" and "02" in session.broken_reason()
    assert "cannot be labelled" in window.view.notice.text()
    type_keys(qtbot, window, "p")
    assert not (find_labels_dir(images) / ANNOTATOR / "0001-16-8.json").exists()
    qtbot.keyClick(window.view, Qt.Key.Key_Right)
    assert session.index == 2 and "03" in session.broken_reason()
    assert window.view.grid.panels()[1].isVisible()  # shown as broken, not hidden
    qtbot.keyClick(window.view, Qt.Key.Key_Right)
    assert session.index == 3


def test_versions_of_a_different_size_make_the_set_broken(qtbot, tmp_path: Path) -> None:
    images = make_images(tmp_path)
    write_image(images / "03" / "0000-0-0_03.png", np.zeros((30, 20, 3), np.uint8))
    window, session = open_window(qtbot, images)
    assert session.index == 1, "a broken set is not where work resumes"
    qtbot.keyClick(window.view, Qt.Key.Key_Left)
    assert session.index == 0 and "20x30" in session.broken_reason()
    assert session.can_advance(), "a broken set can be skipped"


def test_after_another_copy_took_the_lock_over_nothing_is_written(qtbot, tmp_path: Path) -> None:
    images = make_images(tmp_path)
    window, session = open_window(qtbot, images)
    session.lock.path.write_text(
        '{"pid": 1, "hostname": "x", "token": "other", "started": 0, "heartbeat": 0}'
    )
    session._on_heartbeat()  # the periodic check notices
    assert "took over" in window.statusBar().currentMessage()
    type_keys(qtbot, window, "psnp")
    assert not (find_labels_dir(images) / ANNOTATOR / f"{session.progress.stem}.json").exists()
    assert "Not saved" in window.view.notice.text()
