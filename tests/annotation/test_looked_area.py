"""Where the annotator looked at 1:1: the model's accounting, fed rectangles as a screen would."""

from __future__ import annotations

import json
from pathlib import Path

from hggt_desktop.annotation.model import SWAP_SELECTED, AnnotationModel
from hggt_desktop.core.coverage import VisibleRect
from hggt_desktop.core.layout import find_labels_dir
from hggt_desktop.core.record import read_record, record_path
from tests.annotation.helpers import ANNOTATOR, make_images, open_model, read_record_doc

SIZE = 16  # the helpers' patches: 16 x 16 px, so one grid cell is 2 x 2 px
WHOLE = VisibleRect(0, 0, SIZE, SIZE)
LEFT = VisibleRect(0, 0, SIZE / 2, SIZE)
RIGHT = VisibleRect(SIZE / 2, 0, SIZE, SIZE)


def _shares(model: AnnotationModel) -> dict[int, float]:
    """Share seen at 1:1 per on-screen position of the set shown."""
    coverage = model.store.record(model.index).looked_1to1
    assert coverage is not None
    return {p: coverage.share(model.version_at(p)) for p in range(model.version_count)}


def _every_panel(model: AnnotationModel, rect: VisibleRect) -> dict[int, VisibleRect]:
    return {p: rect for p in range(model.version_count)}


def test_below_one_to_one_nothing_counts_and_the_record_says_zero(tmp_path: Path) -> None:
    images = make_images(tmp_path)
    model = open_model(images)
    stem = model.progress.stem
    model.note_view(0.5, _every_panel(model, WHOLE))  # the whole patch, but resampled
    assert set(_shares(model).values()) == {0.0}
    model.go_to(1)  # leaving the set writes its record
    doc = read_record_doc(images, stem)
    assert doc["revision"] == 2
    assert set(doc["looked_1to1"]["share"].values()) == {0.0}  # looked, but never at 1:1
    model.close()


def test_panning_at_one_to_one_accumulates_per_version(tmp_path: Path) -> None:
    model = open_model(make_images(tmp_path))
    model.note_view(1.0, {0: LEFT, 1: LEFT})
    model.note_view(1.0, {0: RIGHT})  # pan: version A's other half; B is now off screen
    model.note_view(2.0, {2: VisibleRect(0, 0, 4, 4)})  # closer than 1:1 counts too
    shares = _shares(model)
    assert shares[0] == 1.0
    assert shares[1] == 0.5
    assert shares[2] == 4 / 64
    assert shares[3] == 0.0
    model.close()


def test_in_two_panel_mode_only_the_version_on_screen_counts(tmp_path: Path) -> None:
    model = open_model(make_images(tmp_path))
    model.set_two_panel(True)
    model.select(1)
    model.note_view(1.0, _every_panel(model, WHOLE))  # even if every panel were reported
    assert _shares(model) == {0: 0.0, 1: 1.0, 2: 0.0, 3: 0.0}
    model.step_two_panel()  # the next version beside the original, at the same view
    assert _shares(model)[2] == 1.0
    assert _shares(model)[3] == 0.0
    model.close()


def test_a_version_with_the_original_swapped_in_is_not_looked_at(tmp_path: Path) -> None:
    model = open_model(make_images(tmp_path))
    model.select(0)
    model.set_swap(SWAP_SELECTED)
    model.note_view(1.0, _every_panel(model, WHOLE))
    assert _shares(model)[0] == 0.0 and _shares(model)[1] == 1.0
    model.set_swap("none")  # released: version A is on screen again at the same view
    assert _shares(model)[0] == 1.0
    model.close()


def test_a_new_set_starts_unseen_until_the_screen_reports(tmp_path: Path) -> None:
    model = open_model(make_images(tmp_path))
    model.note_view(1.0, _every_panel(model, WHOLE))
    model.go_to(1)
    assert set(_shares(model).values()) == {0.0}  # the last set's view is not this one's
    model.close()


def test_a_set_first_shown_by_an_earlier_version_stays_not_recorded(tmp_path: Path) -> None:
    images = make_images(tmp_path)
    model = open_model(images)
    stem = model.store.sets[0].stem
    model.close()
    path = record_path(find_labels_dir(images), ANNOTATOR, stem)
    doc = json.loads(path.read_text(encoding="utf-8"))
    for key in ("revision", "looked_1to1"):
        del doc[key]  # as the app wrote it before it kept coverage
    path.write_text(json.dumps(doc), encoding="utf-8")
    model = open_model(images)
    assert model.progress.stem == stem
    model.note_view(1.0, _every_panel(model, WHOLE))
    assert model.store.record(model.index).looked_1to1 is None  # what was seen before is unknown
    model.go_to(1)
    model.go_to(0)
    assert read_record(path).looked_1to1 is None
    model.close()
