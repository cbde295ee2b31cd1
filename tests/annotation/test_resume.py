"""Closing and reopening: where work resumes and what it resumes with (no GUI)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from hggt_desktop.annotation.model import AnnotationModel
from hggt_desktop.annotation.workspace import open_workspace
from hggt_desktop.core.labels import Label
from hggt_desktop.core.layout import find_labels_dir, lock_path
from tests.annotation.helpers import ANNOTATOR, label_file, make_images, open_model, read_record_doc


def test_reopening_resumes_at_the_first_unfinished_set_with_its_partial_labels(tmp_path: Path) -> None:
    images = make_images(tmp_path, n_sets=4)
    model = open_model(images)
    for label in (Label.POSITIVE, Label.SIMILAR, Label.NEGATIVE, Label.POSITIVE):
        model.give_label(label)
    assert model.next_set()
    partial = model.progress.stem
    model.give_label(Label.NEGATIVE)
    model.give_label(Label.NEGATIVE)
    given = dict(model.progress.labels)
    model.close()
    assert not lock_path(find_labels_dir(images), ANNOTATOR).exists()

    again = open_model(images)
    assert again.index == 1 and again.progress.stem == partial
    assert again.progress.labels == given
    assert again.selected == 2, "the first unlabelled version is selected"
    assert again.done_count() == 1
    again.close()


def test_a_file_labelled_before_records_existed_keeps_its_times(tmp_path: Path) -> None:
    images = make_images(tmp_path)
    model = open_model(images)
    stem = model.progress.stem
    for label in (Label.POSITIVE, Label.SIMILAR, Label.NEGATIVE, Label.POSITIVE):
        model.give_label(label)
    model.close()
    path = label_file(images, stem)
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["Time_cost"] = {"Start": "2025-01-01 10:00:00", "End": "2025-01-01 10:05:00", "Total": 123}
    path.write_text(json.dumps(doc), encoding="utf-8")
    for record in (find_labels_dir(images) / ".hggt").rglob(f"{stem}.json"):
        record.unlink()

    again = open_model(images, wall_clock=lambda: datetime(2026, 3, 1, 9, 0, 0))
    again.go_to(0)
    again.select(0)
    again.give_label(Label.NEGATIVE)
    rewritten = json.loads(path.read_text(encoding="utf-8"))
    assert rewritten["Time_cost"]["Start"] == "2025-01-01 10:00:00"
    assert rewritten["Time_cost"]["Total"] >= 123
    assert read_record_doc(images, stem)["active_seconds"] >= 123
    again.close()


def test_time_cost_is_active_time_from_first_shown_to_last_label(tmp_path: Path) -> None:
    images = make_images(tmp_path)
    now = [0.0]
    wall = [datetime(2026, 3, 1, 9, 0, 0)]
    model = open_model(images, clock=lambda: now[0], wall_clock=lambda: wall[0])
    model.set_focused(True)
    for step, label in enumerate([Label.POSITIVE, Label.SIMILAR, Label.NEGATIVE, Label.POSITIVE]):
        now[0] += 10.0 if step != 2 else 500.0  # a 500 s pause counts only 30 s
        wall[0] = datetime(2026, 3, 1, 9, 0, 10 * (step + 1))
        model.give_label(label)
    doc = json.loads(label_file(images, model.progress.stem).read_text(encoding="utf-8"))
    assert doc["Time_cost"] == {"Start": "2026-03-01 09:00:00", "End": "2026-03-01 09:00:40", "Total": 60}
    model.close()


def test_the_first_sets_clock_starts_when_the_work_page_shows(tmp_path: Path) -> None:
    """Regression: Time_cost.Total was 20 s for a first set labelled in 2 s (it counted the
    instructions and practice read before it)."""
    images = make_images(tmp_path)
    now = [0.0]
    wall = [datetime(2026, 3, 1, 9, 0, 0)]
    model = AnnotationModel(
        open_workspace(images, ANNOTATOR), prefetch=False, clock=lambda: now[0], wall_clock=lambda: wall[0]
    )
    model.set_on_screen(False)  # the window shows the instructions first
    model.start()
    model.set_focused(True)
    for _ in range(6):  # 18 s reading the instructions, pressing keys there
        now[0] += 3.0
        model.note_input()
    wall[0] = datetime(2026, 3, 1, 9, 0, 18)
    model.set_on_screen(True)
    for label in (Label.POSITIVE, Label.SIMILAR, Label.NEGATIVE, Label.POSITIVE):
        now[0] += 0.5
        wall[0] = datetime(2026, 3, 1, 9, 0, 20)
        model.give_label(label)
    doc = json.loads(label_file(images, model.progress.stem).read_text(encoding="utf-8"))
    assert doc["Time_cost"] == {"Start": "2026-03-01 09:00:18", "End": "2026-03-01 09:00:20", "Total": 2}
    model.close()
