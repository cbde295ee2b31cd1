"""``hggt-train export`` for every registered architecture: classical runs and published names.

The exported file states its scale (``hggt.scale``) and architecture in its metadata, and
``hggt-enhance`` accepts it with that ``--scale`` only; a bad checkpoint is refused in one line
naming the file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

from enhance.cli import UsageError, check_model_file
from enhance.model_scale import SCALE_KEY
from tests.enhance.test_published_names import (
    _tensors,
    _with_mean_shifts,
    edsr_official,
    msrresnet_mmsr,
    rcan_official,
)
from train.classical import classical_config, fit_classical
from train.cli import main

PHOTOS = Path(__file__).resolve().parents[2] / "resources" / "photos"


def _metadata(path: Path) -> dict[str, str]:
    return {p.key: p.value for p in onnx.load(str(path), load_external_data=False).metadata_props}


def _onnx_output(path: Path, x: np.ndarray) -> np.ndarray:
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"input": x})[0]


def _published(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"{kind}.pt"
    if kind == "rcan-official":  # yulunzhang/RCAN x2, saved through DataParallel in a wrapper
        state = _with_mean_shifts(_tensors(rcan_official())[0])
        torch.save({"model": {f"module.{k}": v for k, v in state.items()}}, path)
    elif kind == "edsr-official":  # EDSR-PyTorch x3, a plain state dict
        torch.save(_with_mean_shifts(_tensors(edsr_official())[0]), path)
    else:  # mmsr MSRResNet x4 under BasicSR's params_ema
        torch.save({"params_ema": _tensors(msrresnet_mmsr())[0]}, path)
    return path


@pytest.mark.slow
@pytest.mark.parametrize(
    ("kind", "arch", "scale"),
    [("rcan-official", "rcan", 2), ("edsr-official", "edsr", 3), ("msrresnet-mmsr", "msrresnet", 4)],
)
def test_published_checkpoints_export_with_their_scale(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, arch: str, scale: int
) -> None:
    out = tmp_path / "model.onnx"
    assert main(["export", str(_published(tmp_path, kind)), "--out", str(out)]) == 0
    assert f"--scale {scale}" in capsys.readouterr().out
    assert _metadata(out) == {SCALE_KEY: str(scale), "hggt.arch": arch}
    check_model_file("sr", out, scale)  # hggt-enhance --scale N takes it
    with pytest.raises(UsageError, match=f"add --scale {scale}"):
        check_model_file("sr", out, 1)


@pytest.mark.slow
def test_a_classical_run_exports_from_its_folder_model_and_state(tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    shutil.copy(PHOTOS / "astronaut.png", photos)
    cfg = classical_config(
        "classical-rcan", num_feat=16, num_group=1, num_block=1, gt_size=24, batch_size=2, num_workers=0
    )
    run = fit_classical(cfg, photos, tmp_path / "run", stop_at=1)
    x = np.random.default_rng(0).random((1, 3, 12, 10), dtype=np.float32)
    with torch.inference_mode():
        expected = run.model(torch.from_numpy(x)).numpy()
    for name in ("run", "run/model.pth", "run/state.pt"):
        out = tmp_path / f"{name.replace('/', '_')}.onnx"
        assert main(["export", str(tmp_path / name), "--out", str(out)]) == 0, name
        assert _metadata(out)[SCALE_KEY] == "4"
        assert np.abs(_onnx_output(out, x) - expected).max() < 1e-3, name


def test_checkpoints_that_hold_no_model_are_refused_by_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    optimiser_only = tmp_path / "optimizer.pth"
    torch.save({"optimizer": {"lr": torch.tensor(1e-4)}, "step": 3}, optimiser_only)
    unknown = tmp_path / "unet.pth"
    torch.save({"params": {"encoder.weight": torch.zeros(3, 3)}}, unknown)
    empty_run = tmp_path / "run"
    empty_run.mkdir()
    for path, says in (
        (optimiser_only, "holds no state dict"),
        (unknown, "does not match any known architecture"),
        (empty_run, "a folder without model.pth"),
        (tmp_path / "missing.pth", "not found"),
    ):
        assert main(["export", str(path), "--out", str(tmp_path / "x.onnx")]) == 2
        err = capsys.readouterr().err
        assert str(path) in err and says in err and "Traceback" not in err, err
    assert not (tmp_path / "x.onnx").exists()
    assert main(["export", str(optimiser_only)]) == 2
    assert "give the ONNX file to write" in capsys.readouterr().err


def test_an_onnx_file_whose_metadata_misstates_its_scale_is_refused(tmp_path: Path) -> None:
    from enhance.onnx_export import export_onnx

    model = torch.nn.Sequential(torch.nn.Conv2d(3, 12, 3, padding=1), torch.nn.PixelShuffle(2))
    out = tmp_path / "x2.onnx"
    export_onnx(model, out)
    assert _metadata(out) == {SCALE_KEY: "2"}
    proto = onnx.load(str(out))
    proto.metadata_props[0].value = "4"
    onnx.save(proto, str(out))
    with pytest.raises(UsageError, match="its metadata says scale 4 but it makes images 2x larger"):
        check_model_file("sr", out, 4)
