"""MSRResNet, EDSR and RCAN x2/x3/x4: published checkpoints load, train, export and run in hggt-enhance.

The state dicts are written here from the published parameter names and shapes (BasicSR's
``srresnet_arch.py``, ``edsr_arch.py``, ``rcan_arch.py``, mmsr's MSRResNet, and the official
EDSR-PyTorch and yulunzhang/RCAN releases),
not taken from our modules, so a renamed or reshaped parameter fails the test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from enhance.checkpoints import build_model
from enhance.cli import main
from enhance.engines.base import EngineOptions
from enhance.engines.onnx_engine import OnnxEngine
from enhance.onnx_export import export_onnx
from hggt_desktop.core.images import read_image
from tests.enhance.models import make_folder

F = 8  # features: tiny models, same layout as the published ones


def _conv(state: dict, name: str, out_ch: int, in_ch: int, k: int = 3) -> None:
    state[f"{name}.weight"] = (out_ch, in_ch, k, k)
    state[f"{name}.bias"] = (out_ch,)


def msrresnet_x4() -> dict:
    s: dict = {}
    _conv(s, "conv_first", F, 3)
    for i in range(2):
        _conv(s, f"body.{i}.conv1", F, F)
        _conv(s, f"body.{i}.conv2", F, F)
    _conv(s, "upconv1", 4 * F, F)
    _conv(s, "upconv2", 4 * F, F)
    _conv(s, "conv_hr", F, F)
    _conv(s, "conv_last", 3, F)
    return s


def edsr_basicsr_x2() -> dict:
    s: dict = {}
    _conv(s, "conv_first", F, 3)
    for i in range(2):
        _conv(s, f"body.{i}.conv1", F, F)
        _conv(s, f"body.{i}.conv2", F, F)
    _conv(s, "conv_after_body", F, F)
    _conv(s, "upsample.0", 4 * F, F)
    _conv(s, "conv_last", 3, F)
    return s


def edsr_official_x3() -> dict:
    s: dict = {}
    _conv(s, "sub_mean", 3, 3, 1)
    _conv(s, "add_mean", 3, 3, 1)
    _conv(s, "head.0", F, 3)
    for i in range(2):
        _conv(s, f"body.{i}.body.0", F, F)
        _conv(s, f"body.{i}.body.2", F, F)
    _conv(s, "body.2", F, F)
    _conv(s, "tail.0.0", 9 * F, F)
    _conv(s, "tail.1", 3, F)
    return s


def rcan_x4() -> dict:
    s: dict = {}
    _conv(s, "conv_first", F, 3)
    for g in range(2):
        for b in range(2):
            block = f"body.{g}.residual_group.{b}.rcab"
            _conv(s, f"{block}.0", F, F)
            _conv(s, f"{block}.2", F, F)
            _conv(s, f"{block}.3.attention.1", F // 4, F, 1)
            _conv(s, f"{block}.3.attention.3", F, F // 4, 1)
        _conv(s, f"body.{g}.conv", F, F)
    _conv(s, "conv_after_body", F, F)
    _conv(s, "upsample.0", 4 * F, F)
    _conv(s, "upsample.2", 4 * F, F)
    _conv(s, "conv_last", 3, F)
    return s


def msrresnet_mmsr_x3() -> dict:
    """mmsr's MSRResNet (BasicSR before 1.0): ``recon_trunk`` and ``HRconv``."""
    s: dict = {}
    _conv(s, "conv_first", F, 3)
    for i in range(2):
        _conv(s, f"recon_trunk.{i}.conv1", F, F)
        _conv(s, f"recon_trunk.{i}.conv2", F, F)
    _conv(s, "upconv1", 9 * F, F)
    _conv(s, "HRconv", F, F)
    _conv(s, "conv_last", 3, F)
    return s


def rcan_official_x2() -> dict:
    """yulunzhang/RCAN: ``head.0``, ``body.G.body.B.body.*``, ``body.G.body.<blocks>``, ``tail``."""
    s: dict = {}
    _conv(s, "sub_mean", 3, 3, 1)
    _conv(s, "head.0", F, 3)
    for g in range(2):
        for b in range(2):
            block = f"body.{g}.body.{b}.body"
            _conv(s, f"{block}.0", F, F)
            _conv(s, f"{block}.2", F, F)
            _conv(s, f"{block}.3.conv_du.0", F // 4, F, 1)
            _conv(s, f"{block}.3.conv_du.2", F, F // 4, 1)
        _conv(s, f"body.{g}.body.2", F, F)
    _conv(s, "body.2", F, F)
    _conv(s, "tail.0.0", 4 * F, F)
    _conv(s, "tail.1", 3, F)
    _conv(s, "add_mean", 3, 3, 1)
    return s


CASES = [
    ("msrresnet", msrresnet_x4, 4),
    ("msrresnet", msrresnet_mmsr_x3, 3),
    ("edsr", edsr_basicsr_x2, 2),
    ("edsr", edsr_official_x3, 3),
    ("rcan", rcan_x4, 4),
    ("rcan", rcan_official_x2, 2),
]


def _published(shapes: dict) -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    # Small weights: the 255-scaled EDSR/RCAN inputs stay in a sane range, like trained weights.
    state = {name: torch.randn(shape, generator=gen) * 0.02 for name, shape in shapes.items()}
    # The official mean shifts are fixed: identity weights, -/+ 255 x the DIV2K mean as biases.
    for name, sign in (("sub_mean", -1), ("add_mean", 1)):
        if f"{name}.weight" in state:
            state[f"{name}.weight"] = torch.eye(3).view(3, 3, 1, 1)
            state[f"{name}.bias"] = sign * 255 * torch.tensor([0.4488, 0.4371, 0.4040])
    return state


@pytest.mark.slow
@pytest.mark.parametrize(("arch", "layout", "scale"), CASES, ids=[c[1].__name__ for c in CASES])
def test_published_checkpoint_loads_trains_exports_and_enhances(tmp_path: Path, arch, layout, scale) -> None:
    state = _published(layout())
    checkpoint = tmp_path / "published.pth"
    torch.save({"params": state}, checkpoint)

    model, name, config = build_model(checkpoint)
    assert name == arch and config["upscale"] == scale
    lr = torch.rand(2, 3, 12, 16, generator=torch.Generator().manual_seed(1))
    assert model(lr).shape == (2, 3, 12 * scale, 16 * scale)

    # One training step: every published parameter gets a gradient, and the weights move.
    model.train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss = torch.nn.functional.l1_loss(model(lr), torch.rand(2, 3, 12 * scale, 16 * scale))
    loss.backward()
    optimizer.step()
    after = model.state_dict()
    assert all(p.grad is not None for p in model.parameters()) and set(after) == set(before)
    assert not torch.equal(before["conv_last.weight"], after["conv_last.weight"])
    assert not torch.equal(before["conv_first.weight"], after["conv_first.weight"])
    model.eval()

    onnx = tmp_path / "model.onnx"
    export_onnx(model, onnx)
    tile = np.random.default_rng(2).random((1, 3, 20, 28), dtype=np.float32)
    with torch.inference_mode():
        expected = model(torch.from_numpy(tile)).numpy()
    got = OnnxEngine(onnx, EngineOptions(provider="cpu")).infer(tile)
    assert np.abs(got - expected).max() < 1e-3

    # hggt-enhance --scale N on one tile: the written image is PyTorch's output, quantised.
    (photo,) = make_folder(tmp_path / "in", 1, size=(20, 28))
    args = [str(tmp_path / "in"), str(tmp_path / "out"), "--model", f"sr={onnx}", "--provider", "cpu"]
    assert main([*args, "--scale", str(scale), "--tile", "64", "--overlap", "4"]) == 0
    source = read_image(tmp_path / "in" / photo).astype(np.float32) / 255
    with torch.inference_mode():
        reference = model(torch.from_numpy(source.transpose(2, 0, 1)[None].copy()))[0].numpy()
    reference = np.clip(reference.transpose(1, 2, 0), 0, 1) * 255
    written = read_image(tmp_path / "out" / f"{Path(photo).stem}_sr.png").astype(np.float32)
    assert written.shape == reference.shape
    assert np.abs(written - reference).max() <= 1.0


def test_official_edsr_names_become_basicsr_names() -> None:
    from enhance.archs.official import from_official_edsr

    renamed = from_official_edsr(_published(edsr_official_x3()))
    assert set(renamed) == set(_published(edsr_basicsr_x2())) - {"upsample.0.weight", "upsample.0.bias"} | {
        "upsample.0.weight",
        "upsample.0.bias",
    }
    assert renamed["upsample.0.weight"].shape == (9 * F, F, 3, 3)
    assert renamed["conv_after_body.weight"].shape == (F, F, 3, 3)
