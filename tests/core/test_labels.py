"""The HGGT label file: exact spelling, round trips, and one error per kind of invalid file."""

import json
from datetime import datetime
from pathlib import Path

import pytest

from hggt_desktop.core import labels as L
from hggt_desktop.core.labels import Label, TimeCost, make_label_file, read_label_file, write_label_file

# Typed by hand in the spelling of the HGGT release (hggt-format.md).
RELEASED = """{
  "Picture_1": {"Name": "0001-586-1469.png",    "File": "original", "Label": null},
  "Picture_2": {"Name": "0001-586-1469_01.png", "File": "01",       "Label": "Positive"},
  "Picture_3": {"Name": "0001-586-1469_02.png", "File": "02",       "Label": "Similar"},
  "Picture_4": {"Name": "0001-586-1469_03.png", "File": "03",       "Label": "Negative"},
  "Picture_5": {"Name": "0001-586-1469_04.png", "File": "04",       "Label": "Positive"},
  "Time_cost": {"Start": "2022-08-05 16:56:06", "End": "2022-08-05 16:56:49", "Total": 42}
}
"""


def test_released_file_reads_with_versions_in_position_order(tmp_path: Path) -> None:
    path = tmp_path / "0001-586-1469.json"
    path.write_text(RELEASED, encoding="utf-8")
    label_file = read_label_file(path)
    assert label_file.stem == "0001-586-1469"
    assert label_file.label_map == {
        "01": Label.POSITIVE,
        "02": Label.SIMILAR,
        "03": Label.NEGATIVE,
        "04": Label.POSITIVE,
    }
    assert label_file.time_cost == TimeCost(
        datetime(2022, 8, 5, 16, 56, 6), datetime(2022, 8, 5, 16, 56, 49), 42
    )


def test_round_trip_writes_the_released_keys_in_order(tmp_path: Path) -> None:
    source = tmp_path / "in.json"
    source.write_text(RELEASED, encoding="utf-8")
    out = tmp_path / "out" / "0001-586-1469.json"
    write_label_file(out, read_label_file(source))
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(RELEASED)
    keys = list(json.loads(out.read_text(encoding="utf-8")))
    assert keys == ["Picture_1", "Picture_2", "Picture_3", "Picture_4", "Picture_5", "Time_cost"]
    inner = json.loads(out.read_text(encoding="utf-8"))["Picture_2"]
    assert list(inner) == ["Name", "File", "Label"]
    assert read_label_file(out) == read_label_file(source)


def test_made_file_matches_the_released_one(tmp_path: Path) -> None:
    time_cost = TimeCost(datetime(2022, 8, 5, 16, 56, 6), datetime(2022, 8, 5, 16, 56, 49), 42)
    made = make_label_file(
        "0001-586-1469",
        {"04": Label.POSITIVE, "02": Label.SIMILAR, "01": Label.POSITIVE, "03": Label.NEGATIVE},
        time_cost,
    )
    assert json.loads(L.to_json_text(made)) == json.loads(RELEASED)


def test_non_ascii_names_round_trip(tmp_path: Path) -> None:
    made = make_label_file("Straße-数据-1-2", {"01": Label.SIMILAR, "02": Label.NEGATIVE})
    path = tmp_path / "Ärger" / "Straße-数据-1-2.json"
    write_label_file(path, made)
    assert read_label_file(path) == made
    assert "Straße-数据-1-2_01.png" in path.read_text(encoding="utf-8")


def _released_with(**changes: object) -> str:
    doc = json.loads(RELEASED)
    for dotted, value in changes.items():
        picture, key = dotted.split("__")
        if value is _DELETE:
            del doc[picture][key]
        else:
            doc[picture][key] = value
    return json.dumps(doc)


_DELETE = object()


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("{not json", L.UnreadableLabelFile),
        (b"\xff\xfe\x00garbage", L.UnreadableLabelFile),
        ("[1, 2]", L.MalformedLabelFile),
        ('{"Picture_2": {"Name": "a_01.png", "File": "01", "Label": "Positive"}}', L.MalformedLabelFile),
        (_released_with(Picture_3__Label="Great"), L.UnknownLabel),
        (_released_with(Picture_3__Label=None), L.MissingLabel),
        (_released_with(Picture_3__File="04"), L.PositionMismatch),
        (_released_with(Picture_3__Name="0001-586-1469_04.png"), L.PositionMismatch),
        (_released_with(Picture_1__File="01"), L.PositionMismatch),
        (_released_with(Picture_2__Name="../x.png"), L.UnsafeName),
        (_released_with(Picture_1__Name="..\\x.png"), L.UnsafeName),
        (_released_with(Picture_2__Name="sub/0001-586-1469_01.png"), L.UnsafeName),
        (_released_with(Time_cost__Start="5 Aug 2022"), L.MalformedLabelFile),
    ],
)
def test_each_kind_of_invalid_file_has_its_own_error(tmp_path: Path, text: str | bytes, error: type) -> None:
    path = tmp_path / "0001-586-1469.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    with pytest.raises(error) as info:
        read_label_file(path)
    assert info.value.path == path
    assert str(path) in str(info.value)


def test_missing_file_is_unreadable_with_its_path(tmp_path: Path) -> None:
    with pytest.raises(L.UnreadableLabelFile, match="nope.json"):
        read_label_file(tmp_path / "nope.json")


def test_writing_an_unsafe_name_is_refused(tmp_path: Path) -> None:
    bad = make_label_file("x", {"01": Label.POSITIVE})
    bad = L.LabelFile(bad.stem, "../x.png", bad.version_names, bad.labels)
    with pytest.raises(L.UnsafeName):
        write_label_file(tmp_path / "x.json", bad)
    assert not (tmp_path / "x.json").exists()


def test_fewer_and_more_versions_are_valid(tmp_path: Path) -> None:
    for versions in (["01", "02"], [f"{k:02d}" for k in range(1, 10)]):
        made = make_label_file("s-0-0", dict.fromkeys(versions, Label.SIMILAR))
        path = tmp_path / f"{len(versions)}.json"
        write_label_file(path, made)
        assert read_label_file(path).versions == tuple(versions)
