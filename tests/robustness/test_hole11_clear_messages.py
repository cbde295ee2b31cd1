"""Hole 11 of issue 13: messages that did not name the file or said the wrong thing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hggt_desktop.cli.data import main
from hggt_desktop.core.labels import Label
from tests.datagen import make_dataset
from tests.robustness.test_hole6_decompression_bomb import bomb_png


def run(capsys, *args: str | Path) -> tuple[int, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out + err


@pytest.fixture
def positive(tmp_path: Path) -> Path:
    """A dataset whose every set is in the posneg subset."""
    return make_dataset(tmp_path / "ds", n_sets=3, size=24, label=lambda *_: Label.POSITIVE)


def test_hole11_pack_names_the_bomb_file(capsys, positive, tmp_path):
    bomb = positive / "original" / "0001-16-8.png"
    bomb.write_bytes(bomb_png())
    code, text = run(capsys, "pack", positive, tmp_path / "p.h5")
    assert code == 2 and str(bomb) in text and "different sizes" not in text


def test_hole11_pack_names_the_set_of_another_size(capsys, positive, tmp_path):
    other = make_dataset(tmp_path / "other", n_sets=1, size=40, annotators=())
    odd = positive / "original" / "0000-0-0.png"
    shutil.copy(other / "original" / "0000-0-0.png", odd)
    code, text = run(capsys, "pack", positive, tmp_path / "p.h5")
    assert code == 2 and str(odd) in text and "40x40" in text and "--encoding png" in text


def test_hole11_pack_names_a_missing_version_folder(capsys, positive, tmp_path):
    shutil.rmtree(positive / "03")
    code, text = run(capsys, "pack", positive, tmp_path / "p.h5")
    assert code == 2 and str(positive / "03") in text and "missing" in text


def test_hole11_blockiness_refuses_a_plain_file(capsys, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not an image\n", encoding="utf-8")
    code, text = run(capsys, "blockiness", notes)
    assert code == 2 and str(notes) in text and "not an image file" in text and "quality Q" not in text


def test_hole11_blockiness_of_one_image_does_not_claim_the_dataset_quality(capsys, positive):
    code, text = run(capsys, "blockiness", positive / "original" / "0000-0-0.png")
    assert "single image" in text and "Q: undefined" not in text


def test_hole11_check_reports_a_label_path_that_is_a_folder(capsys, positive):
    folder = positive.parent / "labels" / "A" / "0000-0-0.json"
    folder.unlink()
    folder.mkdir()
    code, text = run(capsys, "check", positive)
    assert code == 1 and str(folder) in text and "no problems" not in text


def test_hole11_onnx_model_with_wrong_input_rank_is_refused_naming_the_file(tmp_path, capsys):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    from enhance.cli import main as enhance_main
    from tests.enhance.models import make_folder

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, "H"])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3, "H"])
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "rank3", [x], [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    path = tmp_path / "rank3.onnx"
    onnx.save(model, str(path))
    make_folder(tmp_path / "in", 2)
    code = enhance_main([str(tmp_path / "in"), str(tmp_path / "out"), "--model", f"01={path}"])
    err = capsys.readouterr().err
    assert code == 2 and str(path) in err and "N x 3 x H x W" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()  # refused before any image was read


def test_hole11_config_error_names_the_config_file(tmp_path):
    from train.config import ConfigError, make_config

    config = tmp_path / "run.toml"
    config.write_text("batch_size = -3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=f"^{config}: batch_size must be at least 1"):
        make_config(toml_path=config)
