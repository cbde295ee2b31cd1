"""Hole 1 of issue 13: one bad value in a label file crashed every tool and the annotator.

NaN in ``Time_cost.Total``, a 5,000-digit number or 100,000 nested ``[`` must make that one file
invalid (named in the message); every other file is still read.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hggt_desktop.cli.data import main
from hggt_desktop.core.labels import LabelFileError, parse_label_text, read_label_file
from tests.datagen import make_dataset

GOOD = (
    '{"Picture_1": {"Name": "s.png", "File": "original", "Label": null},'
    ' "Picture_2": {"Name": "s_01.png", "File": "01", "Label": "Positive"},'
    ' "Time_cost": {"Start": "2022-08-05 16:56:06", "End": "2022-08-05 16:56:49", "Total": 42}}'
)
BAD_VALUES = {
    "nan-total": GOOD.replace('"Total": 42', '"Total": NaN'),
    "infinity-total": GOOD.replace('"Total": 42', '"Total": Infinity'),
    "huge-int": GOOD.replace('"Total": 42', '"Total": ' + "9" * 5000),
    "big-int-total": GOOD.replace('"Total": 42', '"Total": ' + "9" * 400),
    "deep-nesting": "[" * 100_000,
    "deep-nesting-in-value": GOOD.replace('"Total": 42', '"Total": ' + "[" * 100_000),
    "label-is-a-list": GOOD.replace('"Label": "Positive"', '"Label": ["Positive"]'),
    "label-is-an-object": GOOD.replace('"Label": "Positive"', '"Label": {"a": 1}'),
    "start-is-a-number": GOOD.replace('"Start": "2022-08-05 16:56:06"', '"Start": 7'),
    "file-is-an-object": GOOD.replace('"File": "01"', '"File": {}'),
}


@pytest.mark.parametrize("case", sorted(BAD_VALUES))
def test_hole1_one_bad_value_is_a_label_file_error_naming_the_file(tmp_path, case):
    path = tmp_path / f"{case}.json"
    path.write_text(BAD_VALUES[case], encoding="utf-8")
    with pytest.raises(LabelFileError) as caught:
        read_label_file(path)
    assert caught.value.path == path and str(path) in str(caught.value)
    assert len(str(caught.value)) < 400  # the value is not echoed in full


def test_hole1_the_good_file_still_parses():
    assert parse_label_text(GOOD).labels[0][1] == "Positive"


@pytest.fixture
def damaged(tmp_path: Path) -> tuple[Path, list[Path]]:
    images = make_dataset(tmp_path / "ds", n_sets=3, size=24)
    labels = tmp_path / "ds" / "labels"
    bad = [
        labels / "A" / "0000-0-0.json",
        labels / "B" / "0001-16-8.json",
        labels / "C" / "0002-32-16.json",
    ]
    bad[0].write_text(bad[0].read_text(encoding="utf-8").replace('"Total": 42', '"Total": NaN'))
    bad[1].write_text(bad[1].read_text(encoding="utf-8").replace('"Total": 42', '"Total": ' + "9" * 5000))
    bad[2].write_text("[" * 100_000)
    return images, bad


@pytest.mark.parametrize(
    "command",
    [
        ["check"],
        ["agreement"],
        ["export-labels", "--out", "{tmp}/labels.csv"],
        ["report", "--out", "{tmp}/report.html"],
        ["pack", "{images}", "{tmp}/pack.h5"],
    ],
    ids=lambda c: c[0],
)
def test_hole1_every_command_names_the_bad_files_and_carries_on(capsys, tmp_path, damaged, command):
    images, bad = damaged
    argv = [a.format(tmp=tmp_path, images=images) for a in command]
    if command[0] != "pack":
        argv.insert(1, str(images))
    code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert code in (0, 1, 2)
    text = out + err
    if command[0] == "report":
        text += (tmp_path / "report.html").read_text(encoding="utf-8")
    for path in bad:
        assert path.name in text, f"{path.name} not named by {command[0]}"


def test_hole1_the_annotator_opens_a_package_with_a_bad_label_file(qtbot, tmp_path, damaged):
    from hggt_desktop.gui.main_window import MainWindow

    images, bad = damaged
    window = MainWindow(break_interval_min=0)
    qtbot.addWidget(window)
    assert window.open_path(images, "A", instructions=False)
    store = window.session.model.store
    assert [p.stem for p in store.sets if p.invalid_reason] == ["0000-0-0"]
    assert sum(bool(p.labels) for p in store.sets) == 2  # the other two sets keep their labels
    window.close_session()
