"""hggt-train eval with a checkpoint of any registered architecture (pack and benchmark), and
pretrain_g of one that fit cannot train: each loaded through enhance.checkpoints, refused by file."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from enhance.archs.edsr import EDSR
from enhance.archs.msrresnet import MSRResNet
from enhance.archs.rcan import RCAN
from hggt_desktop.core.images import read_image, write_image
from hggt_desktop.pack.reader import PackReader
from hggt_desktop.pack.writer import write_pack
from tests.train.conftest import TINY
from train.benchmark import evaluate_benchmark
from train.cli import main
from train.config import Config
from train.evaluate import evaluate_model, make_metrics

PHOTOS = Path(__file__).resolve().parents[2] / "resources" / "photos"


def _random(model: nn.Module, seed: int) -> nn.Module:
    """Weights no fresh model has: a loader that rebuilt the wrong sizes or scale would differ."""
    torch.manual_seed(seed)
    with torch.no_grad():
        for param in model.parameters():
            param.add_(torch.randn_like(param) * 0.02)
    return model.eval()


def _model(arch: str, scale: int = 4) -> nn.Module:
    if arch == "edsr":
        return _random(EDSR(num_feat=16, num_block=2, upscale=scale), 1)
    return _random(RCAN(num_feat=16, num_group=2, num_block=1, squeeze_factor=4, upscale=scale), 2)


@pytest.fixture(scope="module")
def pack(tiny_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("eval-archs") / "pos.h5"
    return write_pack(tiny_dataset, out, subset="pos", val_fraction=0.5).path


def _direct_pack_means(model: nn.Module, pack: Path) -> dict[str, float]:
    args = argparse.Namespace(crop_border=4, y=False, lpips_weights=None, dists_weights=None)
    reader = PackReader(pack)
    try:
        indices = [i for i in range(len(reader)) if int(reader.meta.split[i]) == 1]
        metrics = make_metrics(args, torch.device("cpu"), [])
        return evaluate_model(model, reader, indices, Config(), metrics, 4).means
    finally:
        reader.close()


@pytest.mark.parametrize("arch", ["edsr", "rcan"])
def test_eval_on_a_pack_with_a_classical_checkpoint_equals_the_model_itself(
    arch: str, pack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = _model(arch)
    path = tmp_path / f"{arch}.pth"
    torch.save({"params": model.state_dict()}, path)
    assert main(["eval", "--pack", str(pack), "--checkpoint", str(path), "--json", "--device", "cpu"]) == 0
    means = json.loads(capsys.readouterr().out)
    direct = _direct_pack_means(model, pack)
    assert np.isfinite(means["psnr"]) and means == pytest.approx(direct, abs=1e-6)


def test_eval_on_a_pack_takes_a_classical_run_folder(
    pack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = _model("edsr")
    run = tmp_path / "run"
    run.mkdir()
    torch.save({"params": model.state_dict()}, run / "model.pth")  # as hggt-train classical saves it
    assert main(["eval", "--pack", str(pack), "--checkpoint", str(run), "--json", "--device", "cpu"]) == 0
    assert json.loads(capsys.readouterr().out) == pytest.approx(_direct_pack_means(model, pack), abs=1e-6)


def _bench(tmp_path: Path) -> Path:
    (tmp_path / "bench" / "Set5" / "HR").mkdir(parents=True)
    for photo in ("astronaut.png", "coffee.png"):
        write_image(tmp_path / "bench" / "Set5" / "HR" / photo, read_image(PHOTOS / photo)[:48, :52])
    return tmp_path / "bench"


@pytest.mark.parametrize("arch", ["edsr", "rcan"])
def test_benchmark_with_a_classical_checkpoint_equals_the_model_itself(
    arch: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = _model(arch)
    path = tmp_path / f"{arch}.pth"
    torch.save({"params_ema": model.state_dict()}, path)
    bench = _bench(tmp_path)
    args = ["eval", "--benchmark", str(bench), "--scale", "4", "--checkpoint", str(path), "--device", "cpu"]
    assert main(args) == 0
    row = capsys.readouterr().out.strip().splitlines()[1].split()
    (score,) = evaluate_benchmark(bench, model, 4, torch.device("cpu"))
    assert row == ["Set5", "2", f"{score.psnr_y:.2f}", f"{score.ssim_y:.4f}"]


def test_a_checkpoint_of_another_scale_is_refused_naming_the_file(
    pack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "edsr_x2.pth"
    torch.save({"params": _model("edsr", scale=2).state_dict()}, path)
    for where in (["--pack", str(pack)], ["--benchmark", str(_bench(tmp_path))]):
        assert main(["eval", *where, "--checkpoint", str(path), "--device", "cpu"]) == 2
        err = capsys.readouterr().err
        assert str(path) in err and "x2 edsr" in err and "--scale 2" in err and "Traceback" not in err


def test_pretrain_g_of_an_msrresnet_is_refused_naming_the_file(
    tiny_pack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "msrresnet_x4.pth"
    torch.save({"params_ema": MSRResNet(num_feat=8, num_block=1, upscale=4).state_dict()}, path)
    out = tmp_path / "run"
    args = ["fit", "--preset", "posneg", "--pack", str(tiny_pack), "--out", str(out), *TINY]
    assert main([*args, f"pretrain_g={path}", "total_iter=1", "save_every=1"]) == 2
    err = capsys.readouterr().err
    assert f"pretrain_g {path}: is a checkpoint of msrresnet" in err and "hggt-train classical" in err
    assert not list(out.glob("models/*"))
