"""Architectures keep the BasicSR / Real-ESRGAN parameter names; VGG19 loads a local file."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from enhance.archs.rrdbnet import RRDBNet, rrdbnet_config
from train.archs.discriminator import UNetDiscriminatorSN
from train.vgg import VGG19Features, VGGError, load_vgg19, perceptual_loss

# Names from BasicSR's RRDBNet (basicsr/archs/rrdbnet_arch.py) state dicts, e.g. RealESRGAN_x4plus.pth.
BASICSR_NAMES = [
    "conv_first.weight",
    "body.0.rdb1.conv1.weight",
    "body.0.rdb1.conv5.bias",
    "body.1.rdb3.conv4.weight",
    "conv_body.weight",
    "conv_up1.weight",
    "conv_up2.bias",
    "conv_hr.weight",
    "conv_last.bias",
]


def test_rrdbnet_names_and_shapes_match_basicsr() -> None:
    state = RRDBNet(num_feat=64, num_block=2, num_grow_ch=32).state_dict()
    for name in BASICSR_NAMES:
        assert name in state
    assert state["conv_first.weight"].shape == (64, 3, 3, 3)
    assert state["body.0.rdb1.conv2.weight"].shape == (32, 96, 3, 3)
    assert state["body.0.rdb1.conv5.weight"].shape == (64, 192, 3, 3)
    assert len(state) == 2 * (2 * 3 * 5) + 2 * 6  # 30 convs in blocks, 6 around them


def test_hggt_pixelshuffle_variant_and_config_roundtrip() -> None:
    model = RRDBNet(num_feat=8, num_block=2, num_grow_ch=4, upsampler="pixelshuffle")
    state = model.state_dict()
    assert {"upsample.0.weight", "upsample.2.weight"} <= set(state) and "conv_up1.weight" not in state
    rebuilt = RRDBNet(**rrdbnet_config(state))
    rebuilt.load_state_dict(state)
    x = torch.rand(1, 3, 6, 7)
    assert rebuilt(x).shape == (1, 3, 24, 28)
    x2 = RRDBNet(num_feat=8, num_block=1, num_grow_ch=4, scale=2)
    assert rrdbnet_config(x2.state_dict())["scale"] == 2 and x2(torch.rand(1, 3, 8, 8)).shape == (
        1,
        3,
        16,
        16,
    )


def test_unet_discriminator_names_match_real_esrgan() -> None:
    state = UNetDiscriminatorSN(3, 64).state_dict()
    for name in (
        "conv0.weight",
        "conv1.weight_orig",
        "conv1.weight_u",
        "conv3.weight_v",
        "conv8.weight_orig",
        "conv9.bias",
    ):
        assert name in state
    assert state["conv3.weight_orig"].shape == (512, 256, 4, 4)
    assert UNetDiscriminatorSN(3, 8)(torch.rand(2, 3, 32, 32)).shape == (2, 1, 32, 32)


@pytest.mark.slow
def test_vgg19_loads_a_torchvision_layout_file(tmp_path: Path) -> None:
    reference = VGG19Features()
    # torchvision's vgg19 state dict has every features.N and classifier keys; fp16 keeps the file small.
    state = {k: v.half() for k, v in reference.state_dict().items()}
    state["classifier.0.weight"] = torch.zeros(2, 2)
    save_file(state, tmp_path / "vgg19.safetensors")
    vgg = load_vgg19(tmp_path / "vgg19.safetensors")
    torch.testing.assert_close(vgg.features[34].weight, reference.features[34].weight.half().float())
    x = torch.rand(1, 3, 32, 32)
    assert perceptual_loss(vgg, x, x).item() == 0.0
    assert perceptual_loss(vgg, x, x.flip(-1)).item() > 0.0


def test_vgg19_missing_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(VGGError, match="perceptual_weight=0"):
        load_vgg19(tmp_path / "absent.pth")
