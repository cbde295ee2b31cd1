"""Hole 7 of issue 13: hggt-enhance wrote into any OUT_DIR, replacing a labelled dataset's images.

It never replaces a file its manifest did not record writing (a version folder can still be
added beside folders another tool made), and refuses a folder with labels.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from enhance.cli import main
from hggt_desktop.core.images import read_image, write_image
from tests.datagen import make_dataset
from tests.enhance.models import make_folder, save_pth, tiny_rcan


def enhance(inp: Path, out: Path, pth: Path, model_id: str = "01") -> list[str]:
    return [str(inp), str(out), "--model", f"{model_id}={pth}", "--tile", "32", "--overlap", "8"]


def hashes(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def model(tmp_path: Path) -> Path:
    return save_pth(tiny_rcan(), tmp_path / "rcan.pth")


@pytest.mark.parametrize("out_is", ["images", "dataset"])
def test_hole7_enhance_refuses_a_labelled_dataset(tmp_path, capsys, model, out_is):
    images = make_dataset(tmp_path / "ds", n_sets=2, size=24)
    out = images if out_is == "images" else images.parent
    if out_is == "dataset":  # a dataset folder with labels/ inside it
        (images.parent / "labels").rename(out / "labels")
    before = hashes(tmp_path / "ds")
    make_folder(tmp_path / "in", 2)
    assert main(enhance(tmp_path / "in", out, model)) == 2
    err = capsys.readouterr().err
    assert str(out) in err and "labelled dataset" in err and "Traceback" not in err
    assert hashes(tmp_path / "ds") == before


def test_hole7_enhance_never_replaces_a_file_it_did_not_write(tmp_path, capsys, model):
    names = make_folder(tmp_path / "in", 2)
    out = tmp_path / "out"
    stem = names[0][:-4]
    theirs = out / "01" / f"{stem}_01.png"  # another tool's version 01 of the first image
    write_image(theirs, np.full((10, 10, 3), 7, np.uint8))
    kept = theirs.read_bytes()
    assert main(enhance(tmp_path / "in", out, model)) == 1
    err = capsys.readouterr().err
    assert str(theirs) in err and "not written by hggt-enhance" in err and "Traceback" not in err
    assert theirs.read_bytes() == kept
    assert (out / "01" / f"{names[1][:-4]}_01.png").is_file()  # the rest is written
    # Its own outputs are replaced on a later run with another model (same id, new weights).
    other = save_pth(tiny_rcan(seed=1), tmp_path / "rcan1.pth")
    own = out / "01" / f"{names[1][:-4]}_01.png"
    first = own.read_bytes()
    assert main(enhance(tmp_path / "in", out, other)) == 1
    assert own.read_bytes() != first and theirs.read_bytes() == kept


def test_hole7_a_version_folder_can_be_added_beside_another_tools_folders(tmp_path, capsys, model):
    names = make_folder(tmp_path / "in", 2)
    out = tmp_path / "out"
    for name in names:  # original/ made by another tool (the same pictures), and its 01/
        write_image(out / "original" / f"{name[:-4]}.png", read_image(tmp_path / "in" / name))
        write_image(out / "01" / f"{name[:-4]}_01.png", np.zeros((8, 8, 3), np.uint8))
    before = hashes(out)
    assert main(enhance(tmp_path / "in", out, model, model_id="02")) == 0, capsys.readouterr().err
    assert {p: b for p, b in hashes(out).items() if p in before} == before
    assert all((out / "02" / f"{n[:-4]}_02.png").is_file() for n in names)
    # A different picture under original/ is not ours to replace: refused, named.
    changed = tmp_path / "out2" / "original" / f"{names[0][:-4]}.png"
    write_image(changed, np.zeros((8, 8, 3), np.uint8))
    kept = changed.read_bytes()
    assert main(enhance(tmp_path / "in", tmp_path / "out2", model, model_id="02")) == 1
    assert str(changed) in capsys.readouterr().err and changed.read_bytes() == kept
