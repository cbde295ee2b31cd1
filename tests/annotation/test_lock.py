"""One copy of the app per annotator's labels, even right after a crash (hole 3)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from hggt_desktop.annotation.model import AnnotationModel
from hggt_desktop.annotation.workspace import open_workspace
from hggt_desktop.core.instance_lock import LockHeld
from hggt_desktop.core.labels import Label
from hggt_desktop.core.layout import find_labels_dir, lock_path
from tests.annotation.helpers import ANNOTATOR, label_file, make_images, open_model


def test_hole3_two_copies_after_a_crash_one_lock(tmp_path: Path) -> None:
    images = make_images(tmp_path)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    path = lock_path(find_labels_dir(images), ANNOTATOR)
    path.parent.mkdir(parents=True)
    owner = {"pid": int(dead.stdout), "hostname": socket.gethostname(), "token": "old", "started": 1.0}
    path.write_text(json.dumps({**owner, "heartbeat": 4e9}), encoding="utf-8")
    first = open_model(images)
    second = AnnotationModel(open_workspace(images, ANNOTATOR), prefetch=False)
    with pytest.raises(LockHeld, match="already open in another copy"):
        second.start()
    assert first.give_label(Label.POSITIVE)
    first.close()


def test_hole3_a_copy_whose_lock_was_taken_over_saves_nothing_even_before_its_heartbeat(
    tmp_path: Path,
) -> None:
    images = make_images(tmp_path)
    model = open_model(images)
    stem = model.progress.stem
    assert model.lock is not None
    model.lock.path.write_text(
        '{"pid": 1, "hostname": "x", "token": "other", "started": 0, "heartbeat": 0}', encoding="utf-8"
    )
    for label in (Label.POSITIVE, Label.SIMILAR, Label.NEGATIVE, Label.POSITIVE):
        assert not model.give_label(label)
    assert not label_file(images, stem).exists()
    assert "Not saved" in (model.save_error or "")
    model.close()
    assert json.loads(model.lock.path.read_text(encoding="utf-8"))["token"] == "other", "not ours to remove"
