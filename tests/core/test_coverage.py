"""Where an annotator looked at 1:1: the grid maths and the record's field, old records included."""

import json
import random
from pathlib import Path

from hggt_desktop.core.coverage import Coverage, VisibleRect, counts_as_one_to_one, covered_cells
from hggt_desktop.core.labels import Label
from hggt_desktop.core.record import SetRecord, read_record, record_path, write_record


def test_a_cell_counts_when_its_centre_is_on_screen() -> None:
    # 512 px patch, 64 px cells: a 500 px wide view from the left edge shows every column's
    # centre (the last at 480), a 200 px tall one the centres of rows 0-2 (32, 96, 160).
    mask = covered_cells(VisibleRect(0, 0, 500, 200), 512, 512)
    assert bin(mask).count("1") == 8 * 3
    assert covered_cells(VisibleRect(0, 0, 31, 31), 512, 512) == 0
    assert covered_cells(VisibleRect(-100, -100, 1000, 1000), 512, 512) == (1 << 64) - 1


def test_only_one_to_one_or_closer_counts() -> None:
    assert counts_as_one_to_one(1.0)
    assert counts_as_one_to_one(4.0)
    assert not counts_as_one_to_one(0.78)


def test_the_share_is_per_version_and_accumulates() -> None:
    coverage = Coverage()
    assert coverage.mark("01", VisibleRect(0, 0, 256, 512), 512, 512)
    assert not coverage.mark("01", VisibleRect(0, 0, 256, 512), 512, 512)  # nothing new
    coverage.mark("01", VisibleRect(256, 0, 512, 256), 512, 512)
    assert coverage.share("01") == 0.75
    assert coverage.share("02") == 0.0
    assert coverage.mean_share(["01", "02"]) == 0.375


def test_the_record_keeps_the_grid_compactly_with_the_share(tmp_path: Path) -> None:
    path = record_path(tmp_path, "A", "s1")
    coverage = Coverage()
    coverage.mark("01", VisibleRect(0, 0, 512, 512), 512, 512)
    record = SetRecord(stem="s1", annotator="A", screen_order=["02", "01"], looked_1to1=coverage)
    write_record(path, record)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["format"] == "hggt-desktop-record/1"  # old tooling still reads it
    assert doc["revision"] == 2
    assert doc["looked_1to1"] == {
        "grid": 8,
        "cells": {"01": "ffffffffffffffff", "02": "0000000000000000"},
        "share": {"01": 1.0, "02": 0.0},
    }
    again = read_record(path)
    assert again == record
    assert again.looked_share() == 0.5


def test_a_record_of_an_earlier_version_is_not_recorded_never_zero(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    old = {"format": "hggt-desktop-record/1", "stem": "s1", "annotator": "A", "screen_order": ["01", "02"]}
    path.write_text(json.dumps(old), encoding="utf-8")
    record = read_record(path)
    assert record.looked_1to1 is None
    assert record.looked_share() is None


def test_a_damaged_coverage_reads_as_not_recorded_and_keeps_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "damaged.json"
    doc = {
        "format": "hggt-desktop-record/1",
        "revision": 2,
        "stem": "s1",
        "annotator": "A",
        "screen_order": ["01"],
        "pending_labels": {"01": "Positive"},
        "looked_1to1": {"grid": 8, "cells": {"01": "not hex"}},
    }
    path.write_text(json.dumps(doc), encoding="utf-8")
    record = read_record(path)
    assert record.looked_1to1 is None
    assert record.pending_labels == {"01": Label.POSITIVE}


def test_the_arithmetic_agrees_with_the_rule_cell_by_cell() -> None:
    rng = random.Random(0)
    for _ in range(500):
        width, height = rng.choice([16, 300, 512]), rng.choice([16, 257, 512])
        xs = sorted(rng.uniform(-width, 2 * width) for _ in range(2))
        ys = sorted(rng.uniform(-height, 2 * height) for _ in range(2))
        rect = VisibleRect(xs[0], ys[0], xs[1], ys[1])
        expected = sum(
            1 << (row * 8 + column)
            for row in range(8)
            for column in range(8)
            if rect.left <= (column + 0.5) * width / 8 < rect.right
            and rect.top <= (row + 0.5) * height / 8 < rect.bottom
        )
        assert covered_cells(rect, width, height) == expected
