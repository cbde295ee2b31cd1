"""The record beside the labels: round trip, atomic path, errors."""

from datetime import datetime
from pathlib import Path

import pytest

from hggt_desktop.core.labels import Label
from hggt_desktop.core.record import RecordError, SetRecord, read_record, record_path, write_record


def test_record_round_trips_with_pending_labels(tmp_path: Path) -> None:
    path = record_path(tmp_path / "labels", "A", "0001-5-6")
    assert path == tmp_path / "labels" / ".hggt" / "records" / "A" / "0001-5-6.json"
    record = SetRecord(
        stem="0001-5-6",
        annotator="A",
        screen_order=["03", "01", "04", "02"],
        first_shown=datetime(2026, 1, 2, 3, 4, 5),
        version_seconds={"01": 1.5},
        swap_count=3,
        max_zoom=4.0,
        image_sha256={"original/0001-5-6.png": "ab" * 32},
        app_version="0.1.0",
        screen_scale=1.25,
        pending_labels={"03": Label.NEGATIVE},
    )
    write_record(path, record)
    assert read_record(path) == record


def test_a_damaged_record_raises_a_record_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(RecordError, match="r.json"):
        read_record(path)
    path.write_text('{"format": "hggt-desktop-record/1", "stem": "x"}', encoding="utf-8")
    with pytest.raises(RecordError, match="missing or invalid"):
        read_record(path)
