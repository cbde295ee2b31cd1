"""Hole 2 of issue 13: commands that write a named path replaced any file, a label file included.

Every such command (report --out/--csv, export-labels, pack, the curator's exports, hggt-enhance
export, hggt-train export) writes new files, replaces only its own kind of earlier output, and
otherwise refuses with the path named; ``--overwrite`` replaces anything.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hggt_desktop.cli.data import main
from tests.datagen import make_dataset


def run(capsys, *args: str | Path) -> tuple[int, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out + err


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_dataset(tmp_path_factory.mktemp("hole2") / "ds", n_sets=2, size=24).parent


@pytest.fixture
def label(dataset: Path, tmp_path: Path) -> Path:
    """A copy of a label file in a fresh place, so each test owns its own precious file."""
    source = next((dataset / "labels" / "A").glob("*.json"))
    copy = tmp_path / "labels" / "A" / source.name
    copy.parent.mkdir(parents=True)
    copy.write_bytes(source.read_bytes())
    return copy


@pytest.mark.parametrize("option", ["--out", "--csv"])
def test_hole2_report_refuses_to_overwrite_label(capsys, dataset, label, tmp_path, option):
    kept = label.read_bytes()
    other = {"--out": ["--csv", tmp_path / "l.csv"], "--csv": ["--out", tmp_path / "r.html"]}[option]
    code, text = run(capsys, "report", dataset, option, label, *other, "--bootstrap", "10")
    assert code == 2 and str(label) in text and option in text and "--overwrite" in text
    assert label.read_bytes() == kept
    assert not (tmp_path / "l.csv").exists() and not (tmp_path / "r.html").exists()  # refused up front


def test_hole2_report_replaces_its_own_report_and_anything_with_overwrite(capsys, dataset, label, tmp_path):
    out = tmp_path / "report.html"
    assert run(capsys, "report", dataset, "--out", out, "--bootstrap", "10")[0] == 0
    assert run(capsys, "report", dataset, "--out", out, "--bootstrap", "10")[0] == 0
    assert run(capsys, "report", dataset, "--out", label, "--bootstrap", "10", "--overwrite")[0] == 0
    assert label.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_hole2_export_labels_overwrite_replaces_a_foreign_file(capsys, dataset, label):
    assert run(capsys, "export-labels", dataset, "--out", label)[0] == 2
    assert run(capsys, "export-labels", dataset, "--out", label, "--overwrite")[0] == 0
    assert label.read_text(encoding="utf-8").startswith("set,version,")


def test_hole2_pack_refuses_a_label_and_overwrite_replaces_it(capsys, dataset, label, tmp_path):
    kept = label.read_bytes()
    code, text = run(capsys, "pack", dataset, label)
    assert code == 2 and str(label) in text and "--overwrite" in text
    assert label.read_bytes() == kept
    pack = tmp_path / "p.h5"
    assert run(capsys, "pack", dataset, pack)[0] == 0
    assert run(capsys, "pack", dataset, pack)[0] == 0  # its own earlier pack is replaced
    assert run(capsys, "pack", dataset, label, "--overwrite")[0] == 0
    assert label.read_bytes()[:4] == b"\x89HDF"


def test_hole2_curator_exports_refuse_a_label_file(qtbot, dataset, label):
    from hggt_desktop.core.output_file import OutputRefused
    from hggt_desktop.gui.curator.session import CuratorSession
    from hggt_desktop.pack.format import PackError

    session = CuratorSession()
    session.open(dataset)
    kept = label.read_bytes()
    for export in (session.write_report, session.write_labels_csv):
        with pytest.raises(OutputRefused, match="not overwritten"):
            export(label)
    with pytest.raises(PackError, match="not overwritten"):
        session.write_training_pack(label)
    assert label.read_bytes() == kept


@pytest.mark.slow
@pytest.mark.parametrize("tool", ["enhance", "train"])
def test_hole2_onnx_export_replaces_only_an_onnx_model(capsys, tmp_path, tool):
    pytest.importorskip("onnxruntime")
    if tool == "enhance":
        from enhance.cli import main as tool_main
        from tests.enhance.models import save_pth, tiny_rcan

        checkpoint = save_pth(tiny_rcan(), tmp_path / "rcan.pth")
    else:
        from tests.train.test_eval_export import _checkpoint
        from train.cli import main as tool_main

        checkpoint = _checkpoint(tmp_path)
    notes = tmp_path / "notes.onnx"
    notes.write_text("not a model\n", encoding="utf-8")
    assert tool_main(["export", str(checkpoint), str(notes)]) == 2
    err = capsys.readouterr().err
    assert str(notes) in err and "not an ONNX model" in err and "Traceback" not in err
    assert notes.read_text(encoding="utf-8") == "not a model\n"
    assert tool_main(["export", str(checkpoint), str(notes), "--overwrite"]) == 0
    assert tool_main(["export", str(checkpoint), str(notes)]) == 0  # now an earlier export


def test_hole2_train_eval_csv_refuses_a_label_before_evaluating(capsys, label, tmp_path):
    pytest.importorskip("torch")
    from train.cli import main as train_main
    from train.evaluate import is_eval_csv

    kept = label.read_bytes()
    argv = ["eval", "--dataset", str(tmp_path / "none"), "--sr", str(tmp_path / "none"), "--csv", str(label)]
    assert train_main(argv) == 2
    err = capsys.readouterr().err
    assert str(label) in err and "not overwritten" in err and "--overwrite" in err
    assert label.read_bytes() == kept
    earlier = tmp_path / "eval.csv"
    earlier.write_text("image,set,references,psnr\nmean,,,20.0\n", encoding="utf-8")
    assert is_eval_csv(earlier) and not is_eval_csv(label)
