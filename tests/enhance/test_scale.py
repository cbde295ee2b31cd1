"""The scale check: a model that changes the image size is refused unless --scale asks for it.

Regression (issue 14): an x4 generator from 'hggt-train export' given to hggt-enhance wrote
2048x2048 "enhanced" images for 512x512 photos with exit 0, and 'select' then rejected them all.
"""

from pathlib import Path

import numpy as np
import torch
from torch import nn

from enhance.cli import main
from enhance.model_scale import measure_scale
from enhance.onnx_export import export_onnx
from hggt_desktop.core.images import read_image
from tests.enhance.models import make_folder, save_pth, tiny_rcan


class Upscaler(nn.Module):
    """A tiny x4 super-resolution model: one convolution, then pixel shuffle twice."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv2d(3, 48, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        up = nn.functional.interpolate(x, scale_factor=4, mode="nearest")
        return up + 0.01 * nn.functional.pixel_shuffle(self.conv(x), 4)


def _x4_onnx(tmp_path: Path) -> Path:
    path = tmp_path / "x4.onnx"
    export_onnx(Upscaler(), path)
    return path


def _args(tmp_path: Path, model: str, *extra: str) -> list[str]:
    return [str(tmp_path / "in"), str(tmp_path / "out"), "--model", model, "--provider", "cpu", *extra]


def test_scales_are_measured_on_a_probe_tile(tmp_path):
    assert measure_scale(_x4_onnx(tmp_path)) == 4
    assert measure_scale(save_pth(tiny_rcan(), tmp_path / "rcan.pth")) == 1


def test_a_model_that_changes_the_size_is_refused_before_any_image_is_read(tmp_path, capsys):
    make_folder(tmp_path / "in", 2)
    onnx = _x4_onnx(tmp_path)
    assert main(_args(tmp_path, f"01={onnx}")) == 2
    err = capsys.readouterr().err
    assert "model 01" in err and str(onnx) in err and "4x larger" in err and "--scale 4" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_a_scale_that_does_not_match_the_model_is_refused(tmp_path, capsys):
    make_folder(tmp_path / "in", 1)
    pth = save_pth(tiny_rcan(), tmp_path / "rcan.pth")
    assert main(_args(tmp_path, f"01={pth}", "--scale", "4")) == 2
    assert "has scale 1, but --scale 4 was given" in capsys.readouterr().err


def test_scale_writes_a_flat_folder_of_super_resolved_images(tmp_path):
    names = make_folder(tmp_path / "in", 2, size=(24, 40))
    assert (
        main(_args(tmp_path, f"sr={_x4_onnx(tmp_path)}", "--scale", "4", "--tile", "32", "--overlap", "4"))
        == 0
    )
    written = sorted(p.name for p in (tmp_path / "out").glob("*.png"))
    assert written == sorted(f"{Path(n).stem}_sr.png" for n in names)
    assert not (tmp_path / "out" / "original").exists()
    for name in names:
        source = read_image(tmp_path / "in" / name)
        result = read_image(tmp_path / "out" / f"{Path(name).stem}_sr.png")
        assert result.shape == (source.shape[0] * 4, source.shape[1] * 4, 3)
        # Nearest-neighbour upscaling plus a small learned term: close to the source's pixels.
        assert np.abs(result[::4, ::4].astype(int) - source.astype(int)).mean() < 4


def test_from_ground_truth_gives_outputs_of_the_photos_size(tmp_path):
    names = make_folder(tmp_path / "in", 1, size=(64, 96))
    extra = ("--scale", "4", "--from-ground-truth", "--tile", "64", "--overlap", "4")
    assert main(_args(tmp_path, f"sr={_x4_onnx(tmp_path)}", *extra)) == 0
    result = read_image(tmp_path / "out" / f"{Path(names[0]).stem}_sr.png")
    assert result.shape == read_image(tmp_path / "in" / names[0]).shape
