"""Checkpoints in every published naming of MSRResNet, EDSR and RCAN load with the right shapes.

Each layout is written here, name by name, from the published code: BasicSR (``srresnet_arch.py``,
``edsr_arch.py``, ``rcan_arch.py``), yulunzhang/RCAN (``RCAN_TrainCode/code/model/rcan.py``),
thstkdgus35/EDSR-PyTorch (``src/model/edsr.py``) and mmsr's ``MSRResNet`` (``recon_trunk``,
``HRconv``). A checkpoint in an official naming must give exactly the output of the same tensors
under BasicSR's names, and the official RCAN must compute what its own code computes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch.nn import functional as F

from enhance.archs.layouts import to_basicsr
from enhance.archs.msrresnet import MSRResNet
from enhance.archs.rcan import RCAN
from enhance.archs.registry import identify
from enhance.checkpoints import CheckpointError, build_model

C = 8  # features of the tiny models
DIV2K_MEAN = torch.tensor([0.4488, 0.4371, 0.4040])
Pairs = list[tuple[str, str, tuple[int, ...]]]  # (official name, BasicSR name, shape)


def _conv(pairs: Pairs, official: str, basicsr: str, out_ch: int, in_ch: int, k: int = 3) -> None:
    pairs.append((f"{official}.weight", f"{basicsr}.weight", (out_ch, in_ch, k, k)))
    pairs.append((f"{official}.bias", f"{basicsr}.bias", (out_ch,)))


def rcan_official(groups: int = 2, blocks: int = 2, feat: int = C, squeeze: int = 4, scale: int = 2) -> Pairs:
    p: Pairs = []
    _conv(p, "head.0", "conv_first", feat, 3)
    for g in range(groups):
        for b in range(blocks):
            official, basicsr = f"body.{g}.body.{b}.body", f"body.{g}.residual_group.{b}.rcab"
            _conv(p, f"{official}.0", f"{basicsr}.0", feat, feat)
            _conv(p, f"{official}.2", f"{basicsr}.2", feat, feat)
            _conv(p, f"{official}.3.conv_du.0", f"{basicsr}.3.attention.1", feat // squeeze, feat, 1)
            _conv(p, f"{official}.3.conv_du.2", f"{basicsr}.3.attention.3", feat, feat // squeeze, 1)
        _conv(p, f"body.{g}.body.{blocks}", f"body.{g}.conv", feat, feat)
    _conv(p, f"body.{groups}", "conv_after_body", feat, feat)
    _upsampler(p, feat, scale)
    _conv(p, "tail.1", "conv_last", 3, feat)
    return p


def edsr_official(blocks: int = 2, feat: int = C, scale: int = 3) -> Pairs:
    p: Pairs = []
    _conv(p, "head.0", "conv_first", feat, 3)
    for b in range(blocks):
        _conv(p, f"body.{b}.body.0", f"body.{b}.conv1", feat, feat)
        _conv(p, f"body.{b}.body.2", f"body.{b}.conv2", feat, feat)
    _conv(p, f"body.{blocks}", "conv_after_body", feat, feat)
    _upsampler(p, feat, scale)
    _conv(p, "tail.1", "conv_last", 3, feat)
    return p


def msrresnet_mmsr(blocks: int = 2, feat: int = C) -> Pairs:
    p: Pairs = []
    _conv(p, "conv_first", "conv_first", feat, 3)
    for b in range(blocks):
        _conv(p, f"recon_trunk.{b}.conv1", f"body.{b}.conv1", feat, feat)
        _conv(p, f"recon_trunk.{b}.conv2", f"body.{b}.conv2", feat, feat)
    _conv(p, "upconv1", "upconv1", 4 * feat, feat)
    _conv(p, "upconv2", "upconv2", 4 * feat, feat)
    _conv(p, "HRconv", "conv_hr", feat, feat)
    _conv(p, "conv_last", "conv_last", 3, feat)
    return p


def _upsampler(p: Pairs, feat: int, scale: int) -> None:
    """common.Upsampler: (conv to 4C, PixelShuffle(2)) per factor 2, or (conv to 9C, PixelShuffle(3))."""
    stages = [9] if scale == 3 else [4] * (scale.bit_length() - 1)
    for i, factor in enumerate(stages):
        _conv(p, f"tail.0.{2 * i}", f"upsample.{2 * i}", factor * feat, feat)


def _tensors(pairs: Pairs, seed: int = 0) -> tuple[dict, dict]:
    """(official state, BasicSR state): the same random tensors under both names."""
    gen = torch.Generator().manual_seed(seed)
    values = [torch.randn(shape, generator=gen) * 0.05 for _, _, shape in pairs]
    official = {name: v for (name, _, _), v in zip(pairs, values, strict=True)}
    basicsr = {name: v for (_, name, _), v in zip(pairs, values, strict=True)}
    return official, basicsr


def _with_mean_shifts(state: dict, mean: torch.Tensor = DIV2K_MEAN, rgb_range: float = 255.0) -> dict:
    """common.MeanShift: a fixed 1x1 conv, identity weight, bias -/+ rgb_range * mean."""
    eye = torch.eye(3).view(3, 3, 1, 1)
    return {
        "sub_mean.weight": eye,
        "sub_mean.bias": -rgb_range * mean,
        **state,
        "add_mean.weight": eye.clone(),
        "add_mean.bias": rgb_range * mean,
    }


def _run(path: Path) -> tuple[torch.Tensor, str, dict]:
    model, arch, config = build_model(path)
    x = torch.rand(1, 3, 10, 14, generator=torch.Generator().manual_seed(3))
    with torch.inference_mode():
        return model(x), arch, config


LAYOUTS = [
    (
        "rcan",
        lambda: rcan_official(),
        True,
        {"num_group": 2, "num_block": 2, "squeeze_factor": 4, "upscale": 2},
    ),
    ("edsr", lambda: edsr_official(), True, {"num_block": 2, "upscale": 3}),
    ("msrresnet", lambda: msrresnet_mmsr(), False, {"num_block": 2, "upscale": 4}),
]


@pytest.mark.parametrize(("arch", "layout", "shifts", "expected"), LAYOUTS, ids=[x[0] for x in LAYOUTS])
def test_official_names_give_the_output_of_the_basicsr_names(tmp_path: Path, arch, layout, shifts, expected):
    official, basicsr = _tensors(layout())
    torch.save(_with_mean_shifts(official) if shifts else official, tmp_path / "official.pt")
    torch.save({"params": basicsr}, tmp_path / "basicsr.pth")
    got, got_arch, config = _run(tmp_path / "official.pt")
    want, want_arch, want_config = _run(tmp_path / "basicsr.pth")
    assert got_arch == want_arch == arch
    assert config == want_config and expected.items() <= config.items()
    assert torch.equal(got, want)


def _official_rcan_forward(s: dict, x: torch.Tensor, groups: int, blocks: int) -> torch.Tensor:
    """yulunzhang/RCAN's forward, written from its code over the official names, on [0, 255]."""

    def conv(name: str, t: torch.Tensor) -> torch.Tensor:
        weight = s[f"{name}.weight"]
        return F.conv2d(t, weight, s[f"{name}.bias"], padding=weight.shape[-1] // 2)

    x = conv("head.0", conv("sub_mean", x))
    res = x
    for g in range(groups):
        h = res
        for b in range(blocks):
            p = f"body.{g}.body.{b}.body"
            y = conv(f"{p}.2", F.relu(conv(f"{p}.0", h)))
            du = conv(f"{p}.3.conv_du.2", F.relu(conv(f"{p}.3.conv_du.0", y.mean((2, 3), keepdim=True))))
            h = h + y * torch.sigmoid(du)
        res = conv(f"body.{g}.body.{blocks}", h) + res
    res = conv(f"body.{groups}", res) + x
    return conv("add_mean", conv("tail.1", F.pixel_shuffle(conv("tail.0.0", res), 2)))


def test_official_rcan_computes_what_its_own_code_computes(tmp_path: Path) -> None:
    official, _ = _tensors(rcan_official())
    state = _with_mean_shifts(official)
    torch.save(state, tmp_path / "RCAN_BIX2.pt")
    x = torch.rand(1, 3, 10, 14, generator=torch.Generator().manual_seed(3))
    model, _, _ = build_model(tmp_path / "RCAN_BIX2.pt")
    with torch.inference_mode():
        ours = model(x) * 255
    reference = _official_rcan_forward(state, x * 255, groups=2, blocks=2)
    assert (ours - reference).abs().max() < 1e-3


WRAPPERS = {
    "plain": lambda s: s,
    "params": lambda s: {"params": s},
    "params_ema": lambda s: {"params_ema": s, "params": {k: v * 0 for k, v in s.items()}},
    "state_dict": lambda s: {"state_dict": s, "epoch": 3},
    "model": lambda s: {"model": s, "optimizer": {"lr": 1e-4}},
    "module prefix": lambda s: {"state_dict": {f"module.{k}": v for k, v in s.items()}},
    "nested": lambda s: {"state_dict": {"model": {f"module.{k}": v for k, v in s.items()}}},
}


@pytest.mark.parametrize("wrapper", list(WRAPPERS))
def test_every_wrapper_and_the_module_prefix_load(tmp_path: Path, wrapper: str) -> None:
    official, basicsr = _tensors(rcan_official())
    torch.save({"params": basicsr}, tmp_path / "reference.pth")
    torch.save(WRAPPERS[wrapper](_with_mean_shifts(official)), tmp_path / "wrapped.pth")
    assert torch.equal(_run(tmp_path / "wrapped.pth")[0], _run(tmp_path / "reference.pth")[0])


@pytest.mark.parametrize(
    ("mean", "rgb_range"), [(torch.tensor([0.4690, 0.4490, 0.4036]), 255.0), (DIV2K_MEAN, 1.0)]
)
def test_another_mean_or_pixel_range_is_refused_by_name(tmp_path: Path, mean, rgb_range) -> None:
    official, _ = _tensors(edsr_official())
    path = tmp_path / "edsr_flickr.pt"
    torch.save(_with_mean_shifts(official, mean, rgb_range), path)
    with pytest.raises(CheckpointError, match="not the DIV2K mean") as info:
        build_model(path)
    assert str(path) in str(info.value)


def _meta(pairs: Pairs) -> dict:
    """The official state dict of a full-size model without its values (and the real mean shifts)."""
    official = {name: torch.empty(shape, device="meta") for name, _, shape in pairs}
    return _with_mean_shifts(official) if pairs[0][0] == "head.0.weight" else official


@pytest.mark.parametrize(
    ("pairs", "model"),
    [
        (lambda: rcan_official(10, 20, 64, 16, 4), lambda: RCAN(upscale=4)),  # RCAN_BIX4.pt
        (lambda: rcan_official(10, 20, 64, 16, 3), lambda: RCAN(upscale=3)),
        (lambda: msrresnet_mmsr(16, 64), lambda: MSRResNet()),  # MSRResNetx4.pth
    ],
    ids=["rcan-x4", "rcan-x3", "msrresnet-x4"],
)
def test_full_size_published_names_map_onto_every_parameter(pairs, model) -> None:
    official = _meta(pairs())
    renamed = to_basicsr(official)
    with torch.device("meta"):
        reference = model()
    arch = identify(renamed)
    assert arch is not None
    assert {k: tuple(v.shape) for k, v in renamed.items()} == {
        k: tuple(v.shape) for k, v in reference.state_dict().items()
    }
    with torch.device("meta"):
        built = arch.build(**arch.config(renamed))
    assert {k: v.shape for k, v in built.state_dict().items()} == {k: v.shape for k, v in renamed.items()}


def test_edsr_large_gets_its_residual_scaling() -> None:
    """EDSR-L (edsr_x4-4f62e9ef.pt): 256 features, 32 blocks, residuals scaled by 0.1."""
    official = _meta(edsr_official(32, 256, 4))
    renamed = to_basicsr(official)
    arch = identify(renamed)
    assert arch is not None and arch.name == "edsr"
    config = arch.config(renamed)
    assert config == {
        "num_in_ch": 3,
        "num_out_ch": 3,
        "num_feat": 256,
        "num_block": 32,
        "upscale": 4,
        "res_scale": 0.1,
    }
