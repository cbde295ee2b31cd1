"""hggt-train eval --benchmark: PSNR/SSIM-Y per set, border cropped by the scale, as a table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from enhance.archs.msrresnet import MSRResNet
from hggt_desktop.core.images import read_image, write_image
from train.cli import main
from train.imresize import bicubic_lr
from train.metrics import psnr, ssim

PHOTOS = Path(__file__).resolve().parents[2] / "resources" / "photos"


def _bilinear_msrresnet(path: Path) -> Path:
    """An MSRResNet whose learned residual is zero: its output is the bilinear x4 of the LR."""
    model = MSRResNet(num_feat=8, num_block=1, upscale=4)
    with torch.no_grad():
        model.conv_last.weight.zero_()
        model.conv_last.bias.zero_()
    torch.save({"params": model.state_dict()}, path)
    return path


def _expected(hr: np.ndarray) -> tuple[float, float]:
    hr = hr[: hr.shape[0] // 4 * 4, : hr.shape[1] // 4 * 4]
    lr = torch.from_numpy(bicubic_lr(hr, 4).transpose(2, 0, 1).astype(np.float32) / 255)[None]
    up = F.interpolate(lr, scale_factor=4, mode="bilinear", align_corners=False)[0].clamp(0, 1)
    sr = np.round(up.numpy().transpose(1, 2, 0) * 255).astype(np.uint8)
    return psnr(sr, hr, 4, test_y=True), ssim(sr, hr, 4, test_y=True)


def test_benchmark_table_reports_y_psnr_ssim_per_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    crops = {"Set5": ["astronaut.png", "coffee.png"], "Set14": ["chelsea.png"]}
    expected = {}
    for name, photos in crops.items():
        (tmp_path / "bench" / name / "HR").mkdir(parents=True)
        values = []
        for photo in photos:
            hr = read_image(PHOTOS / photo)[:90, :101]  # sides not multiples of 4: cropped
            write_image(tmp_path / "bench" / name / "HR" / photo, hr)
            values.append(_expected(hr))
        expected[name] = np.mean(values, axis=0)
    checkpoint = _bilinear_msrresnet(tmp_path / "model.pth")
    args = ["eval", "--benchmark", str(tmp_path / "bench"), "--scale", "4", "--checkpoint", str(checkpoint)]
    assert main([*args, "--device", "cpu"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].split()[:2] == ["Benchmark", "Images"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[1:]}
    assert set(rows) == {"Set5", "Set14"} and rows["Set5"][0] == "2"
    for name, (p, s) in expected.items():
        assert float(rows[name][1]) == pytest.approx(p, abs=0.006) and float(rows[name][2]) == pytest.approx(
            s, abs=6e-5
        )


def test_benchmark_without_hr_folders_says_what_to_give(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkpoint = _bilinear_msrresnet(tmp_path / "model.pth")
    (tmp_path / "bench").mkdir()
    assert main(["eval", "--benchmark", str(tmp_path / "bench"), "--checkpoint", str(checkpoint)]) == 2
    err = capsys.readouterr().err
    assert "no benchmark found" in err and "Set5/HR" in err and "Traceback" not in err


def _one_set(tmp_path: Path) -> Path:
    (tmp_path / "bench" / "Set5" / "HR").mkdir(parents=True)
    write_image(tmp_path / "bench" / "Set5" / "HR" / "a.png", read_image(PHOTOS / "chelsea.png")[:48, :48])
    return tmp_path / "bench"


def test_a_scale_other_than_the_models_names_the_right_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkpoint = _bilinear_msrresnet(tmp_path / "model.pth")
    args = ["eval", "--benchmark", str(_one_set(tmp_path)), "--scale", "3", "--checkpoint", str(checkpoint)]
    assert main([*args, "--device", "cpu"]) == 2
    assert "model.pth: is an x4 msrresnet model, but --scale 3 was given; give --scale 4" in capsys.readouterr().err


def test_a_classical_run_folder_is_taken_as_its_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "run").mkdir()
    _bilinear_msrresnet(tmp_path / "run" / "model.pth")
    args = [
        "eval",
        "--benchmark",
        str(_one_set(tmp_path)),
        "--scale",
        "4",
        "--checkpoint",
        str(tmp_path / "run"),
    ]
    assert main([*args, "--device", "cpu"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1].split()[:2] == ["Set5", "1"]


def test_given_lr_of_another_scale_says_what_to_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bench = _one_set(tmp_path)
    (bench / "Set5" / "LR_bicubic" / "X4").mkdir(parents=True)
    write_image(
        bench / "Set5" / "LR_bicubic" / "X4" / "ax4.png", read_image(PHOTOS / "chelsea.png")[:24, :24]
    )
    checkpoint = _bilinear_msrresnet(tmp_path / "model.pth")
    args = [
        "eval",
        "--benchmark",
        str(bench),
        "--scale",
        "4",
        "--checkpoint",
        str(checkpoint),
        "--device",
        "cpu",
    ]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "a.png: the model made 96x96 from its 24-pixel-high LR, not x4 of it" in err
    assert "check LR_bicubic/X4" in err and "Traceback" not in err
