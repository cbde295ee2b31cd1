"""hggt-train eval (the HGGT multi-GT protocol) and export (ONNX usable by hggt-enhance)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from enhance.archs.rrdbnet import RRDBNet
from hggt_desktop.core.dataset import load_dataset
from hggt_desktop.core.images import read_image, write_image
from hggt_desktop.core.labels import Label
from hggt_desktop.pack.writer import write_pack
from train.checkpoint import save_weights
from train.cli import main
from train.config import Config
from train.metrics import psnr, ssim


def test_eval_folder_averages_over_every_positive(
    tiny_dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dataset = load_dataset(tiny_dataset)
    sr_dir = tmp_path / "sr"
    expected_psnr, expected_ssim = [], []
    for image_set in dataset.sets:
        original = read_image(image_set.original)
        sr = np.clip(original.astype(int) + 7, 0, 255).astype(np.uint8)
        write_image(sr_dir / f"{image_set.stem}_rrdb.png", sr)
        positives = [v for v, e in dataset.effective(image_set.stem).items() if e.label is Label.POSITIVE]
        if positives:  # sets without a Positive have no reference and are left out
            refs = [read_image(image_set.version_path(v)) for v in positives]
            expected_psnr.append(np.mean([psnr(sr, r) for r in refs]))
            expected_ssim.append(np.mean([ssim(sr, r) for r in refs]))
    csv_path = tmp_path / "per_image.csv"
    args = ["eval", "--dataset", str(tiny_dataset), "--sr", str(sr_dir), "--json", "--csv", str(csv_path)]
    assert main(args) == 0
    captured = capsys.readouterr()
    means = json.loads(captured.out)
    assert abs(means["psnr"] - np.mean(expected_psnr)) < 1e-9
    assert abs(means["ssim"] - np.mean(expected_ssim)) < 1e-9
    assert "lpips: skipped" in captured.err and "left out" in captured.err
    rows = csv_path.read_text().splitlines()
    assert rows[0].startswith("image,set,references,psnr,ssim") and len(rows) == 1 + len(expected_psnr) + 1


def test_eval_without_matching_files_is_a_usage_error(tiny_dataset: Path, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert main(["eval", "--dataset", str(tiny_dataset), "--sr", str(tmp_path / "empty")]) == 2


def _checkpoint(tmp_path: Path) -> Path:
    torch.manual_seed(0)
    model = RRDBNet(num_feat=8, num_block=1, num_grow_ch=4)
    path = tmp_path / "net_g.safetensors"
    save_weights(
        path, model.state_dict(), model.state_dict(), Config(num_feat=8, num_block=1, num_grow_ch=4), 1
    )
    return path


def test_eval_on_a_pack_split(tiny_dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pack = write_pack(tiny_dataset, tmp_path / "p.h5", subset="pos", val_fraction=0.5).path
    assert main(["eval", "--pack", str(pack), "--checkpoint", str(_checkpoint(tmp_path)), "--json"]) == 0
    means = json.loads(capsys.readouterr().out)
    assert set(means) == {"psnr", "ssim"} and np.isfinite(means["psnr"])


@pytest.mark.slow
def test_export_writes_onnx_that_upscales_x4(tmp_path: Path) -> None:
    ort = pytest.importorskip("onnxruntime")
    out = tmp_path / "g.onnx"
    assert main(["export", str(_checkpoint(tmp_path)), str(out)]) == 0
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    (sr,) = session.run(None, {"input": np.random.default_rng(0).random((1, 3, 12, 10), dtype=np.float32)})
    assert sr.shape == (1, 3, 48, 40)


@pytest.mark.slow
def test_export_never_overwrites_the_checkpoint_or_another_non_onnx_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkpoint = _checkpoint(tmp_path)
    kept = checkpoint.read_bytes()
    # The checkpoint named twice by mistake: refused before anything is read or written.
    assert main(["export", str(checkpoint), str(checkpoint)]) == 2
    err = capsys.readouterr().err
    assert str(checkpoint) in err and "not an ONNX model" in err and "Traceback" not in err
    assert checkpoint.read_bytes() == kept
    # A file named .onnx that holds no model is not an earlier export: refused, unless --overwrite.
    out = tmp_path / "g.onnx"
    out.write_bytes(b"older export")
    assert main(["export", str(checkpoint), str(out)]) == 2
    assert out.read_bytes() == b"older export"
    assert main(["export", str(checkpoint), str(out), "--overwrite"]) == 0
    # An existing ONNX model is the user's previous export: replacing it is what they asked for.
    assert main(["export", str(checkpoint), str(out), "--params", "params"]) == 0
