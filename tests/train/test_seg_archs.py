"""safetensors + a registered architecture: the same network as TorchScript, and clear refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from tests.train.test_segmentation import CPU, _cfg, _scripted
from train.archs.segmentation import SEG_ARCHITECTURES, TinyUNet
from train.config import SEG_ARCHS, ConfigError, make_config
from train.segmentation import load_guide


def _tiny_unet(tmp_path: Path, classes: int = 3) -> tuple[TinyUNet, Path]:
    torch.manual_seed(1)
    net = TinyUNet(classes, width=4)
    path = tmp_path / "tiny_unet.safetensors"
    save_file(net.state_dict(), str(path))
    return net, path


def test_the_config_names_every_registered_architecture() -> None:
    assert set(SEG_ARCHS) == set(SEG_ARCHITECTURES)


def test_safetensors_with_its_architecture_scores_like_the_torchscript_export(tmp_path: Path) -> None:
    net, weights = _tiny_unet(tmp_path)
    scripted = _scripted(tmp_path, net)
    registered = load_guide(_cfg("w_seg=1", f"seg_weights={weights}", "seg_arch=tiny_unet"), CPU)
    script = load_guide(_cfg("w_seg=1", f"seg_weights={scripted}"), CPU)
    assert registered is not None and script is not None
    assert registered.classes == script.classes == 3
    sr = torch.rand(2, 3, 20, 20)  # odd half size: the decoder resizes back to 20x20
    assert torch.equal(registered.logits(sr), script.logits(sr))
    hr = torch.rand(2, 3, 20, 20)
    assert torch.equal(registered.loss(sr, hr), script.loss(sr, hr))
    assert all(not p.requires_grad for p in registered.net.parameters()) and not registered.net.training


def test_an_unknown_architecture_is_refused_before_anything_loads() -> None:
    with pytest.raises(ConfigError, match=r"seg_arch must be '' or 'tiny_unet', not 'deeplab'"):
        make_config("posneg", overrides=["seg_arch=deeplab"])


def test_weights_that_do_not_fit_the_architecture_are_refused_with_the_file_named(tmp_path: Path) -> None:
    net, _ = _tiny_unet(tmp_path)
    state = net.state_dict()
    cases = {
        "missing.safetensors": ({k: v for k, v in state.items() if k != "dec.0.bias"}, "missing dec.0.bias"),
        "extra.safetensors": ({**state, "aux.weight": torch.zeros(1)}, "unexpected aux.weight"),
        "shape.safetensors": (
            {**state, "enc2.2.weight": torch.zeros(8, 8, 1, 1)},
            r"wrong shapes enc2.2.weight \(8, 8, 1, 1\) \(expected \(8, 8, 3, 3\)\)",
        ),
        "headless.safetensors": (
            {k: v for k, v in state.items() if not k.startswith("head")},
            "lacks 'head.weight'",
        ),
    }
    for name, (weights, reason) in cases.items():
        path = tmp_path / name
        save_file(weights, str(path))
        with pytest.raises(ConfigError, match=reason) as caught:
            load_guide(_cfg("w_seg=1", f"seg_weights={path}", "seg_arch=tiny_unet"), CPU)
        assert f"seg_weights={path}" in str(caught.value)
    scripted = _scripted(tmp_path, net)
    with pytest.raises(ConfigError, match="is not a safetensors file") as caught:
        load_guide(_cfg("w_seg=1", f"seg_weights={scripted}", "seg_arch=tiny_unet"), CPU)
    assert str(scripted) in str(caught.value)
