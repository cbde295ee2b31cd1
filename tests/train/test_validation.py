"""Validation while training: the HGGT protocol on the pack's validation split, the best kept."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import torch
from safetensors import safe_open
from torch import nn
from torch.nn import functional as F

from hggt_desktop.pack.reader import PackReader
from hggt_desktop.pack.writer import write_pack
from tests.train.conftest import TINY
from train.cli import main
from train.config import make_config
from train.validation import best_path, start_validation, validate


class Upscaler(nn.Module):
    """x4 bicubic, or a flat gray image: a good and a bad generator whose order is known."""

    def __init__(self, flat: bool) -> None:
        super().__init__()
        self.flat = flat
        self.scale = nn.Parameter(torch.ones(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        up = F.interpolate(x, scale_factor=4, mode="bicubic", align_corners=False)
        return torch.full_like(up, 0.5) if self.flat else up * self.scale


@pytest.fixture(scope="module")
def val_pack(tiny_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("val") / "posneg_val.h5"
    return write_pack(tiny_dataset, out, subset="posneg", val_fraction=0.5, seed=1).path


def _metadata(path: Path) -> dict[str, str]:
    with safe_open(str(path), framework="pt") as handle:
        return handle.metadata()


def test_the_best_generator_is_kept_with_its_metric_and_iteration(val_pack: Path, tmp_path: Path) -> None:
    cfg = make_config("posneg", overrides=["val_every=10"])
    reader = PackReader(val_pack)
    validation = start_validation(reader, cfg, torch.device("cpu"))
    assert validation is not None and validation.indices
    bad = validate(validation, Upscaler(flat=True), reader, cfg, 10, tmp_path, 1.0, None)
    good = validate(validation, Upscaler(flat=False), reader, cfg, 20, tmp_path, 1.0, None)
    worse = validate(validation, Upscaler(flat=True), reader, cfg, 30, tmp_path, 1.0, None)
    reader.close()
    assert good["psnr"] > bad["psnr"] == worse["psnr"] and good["ssim"] > bad["ssim"]
    metadata = _metadata(best_path(tmp_path))
    assert (metadata["iteration"], metadata["val_metric"]) == ("20", "psnr")
    assert float(metadata["val_value"]) == pytest.approx(good["psnr"])
    assert (validation.best_iteration, validation.best_value) == (20, good["psnr"])


def test_a_lower_is_better_metric_needs_its_weights(val_pack: Path) -> None:
    from train.evaluate import EvaluationError

    reader = PackReader(val_pack)
    with pytest.raises(EvaluationError, match="lpips_weights=FILE"):
        start_validation(reader, make_config("posneg", overrides=["val_metric=lpips"]), torch.device("cpu"))
    assert (
        start_validation(reader, make_config("posneg", overrides=["val_every=0"]), torch.device("cpu"))
        is None
    )
    reader.close()


def test_fit_validates_logs_and_writes_best(
    val_pack: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    out = tmp_path / "run"
    args = ["fit", "--pack", str(val_pack), "--out", str(out), *TINY, "batch_size=2", "pool_size=2"]
    assert main([*args, "total_iter=4", "save_every=4", "val_every=2"]) == 0
    assert "val 2: psnr" in caplog.text and "val 4: psnr" in caplog.text and "of the run time" in caplog.text
    metadata = _metadata(out / "models" / "best.safetensors")
    assert metadata["val_metric"] == "psnr" and metadata["iteration"] in ("2", "4")
    state = torch.load(out / "state" / "state_00000004.pt", weights_only=True)
    assert state["validation"]["best_iteration"] == int(metadata["iteration"])
