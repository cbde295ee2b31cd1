"""pretrain_g in every published layout: the upsampler is read from the names, misfits are one line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch

from enhance.archs.layouts import LayoutError, to_basicsr
from enhance.archs.rrdbnet import RRDBNet
from enhance.checkpoints import build_model
from tests.train.conftest import TINY
from train.checkpoint import CheckpointError, read_weights_config
from train.cli import main
from train.config import config_from_json, make_config, resumed_config
from train.generator import pretrained_generator

SIZES = ["num_feat=8", "num_block=2", "num_grow_ch=4"]


def _basicsr(upsampler: str, seed: int = 0, **sizes: int) -> dict[str, torch.Tensor]:
    torch.manual_seed(seed)
    shape = {"num_feat": 8, "num_block": 2, "num_grow_ch": 4, **sizes}
    return RRDBNet(**shape, upsampler=upsampler).state_dict()


def _esrgan(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The names xinntao/ESRGAN's RRDBNet_arch.py gives the same tensors (written out by hand)."""
    outer = {"conv_body": "trunk_conv", "conv_up1": "upconv1", "conv_up2": "upconv2", "conv_hr": "HRconv"}
    renamed = {}
    for key, value in state.items():
        if m := re.match(r"body\.(\d+)\.rdb(\d)\.(.*)", key):
            renamed[f"RRDB_trunk.{m[1]}.RDB{m[2]}.{m[3]}"] = value
        else:
            head, _, tail = key.partition(".")
            renamed[f"{outer.get(head, head)}.{tail}"] = value
    return renamed


def _esrgan_original(state: dict[str, torch.Tensor], blocks: int = 2) -> dict[str, torch.Tensor]:
    """The 2018 ESRGAN release's Sequential names (RRDB_ESRGAN_x4.pth and community models)."""
    outer = {"conv_first": "0", "conv_up1": "3", "conv_up2": "6", "conv_hr": "8", "conv_last": "10"}
    renamed = {}
    for key, value in state.items():
        if m := re.match(r"body\.(\d+)\.rdb(\d)\.conv(\d)\.(weight|bias)", key):
            renamed[f"model.1.sub.{m[1]}.RDB{m[2]}.conv{m[3]}.0.{m[4]}"] = value
        elif key.startswith("conv_body."):
            renamed[f"model.1.sub.{blocks}.{key.split('.')[1]}"] = value
        else:
            head, _, tail = key.partition(".")
            renamed[f"model.{outer[head]}.{tail}"] = value
    return renamed


LAYOUTS = {
    "basicsr-nearest": ("nearest", lambda s: {"params_ema": s}),
    "basicsr-pixelshuffle": ("pixelshuffle", lambda s: {"params": s}),
    "esrgan": ("nearest", _esrgan),
    "esrgan-original": ("nearest", _esrgan_original),
}


@pytest.mark.parametrize("preset", ["ori", "pos", "posneg"])
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_each_published_layout_loads_as_pretrain_g_in_each_preset(
    preset: str, layout: str, tmp_path: Path
) -> None:
    upsampler, wrap = LAYOUTS[layout]
    state = _basicsr(upsampler)
    path = tmp_path / "psnr.pth"
    torch.save(wrap(state), path)
    cfg = make_config(preset, overrides=[*SIZES, f"pretrain_g={path}"])
    assert cfg.upsampler == "pixelshuffle"  # the presets build the published RRDBPSNet
    cfg, model = pretrained_generator(cfg)
    assert cfg.upsampler == upsampler
    loaded = model.state_dict()
    assert loaded.keys() == state.keys()
    assert all(torch.equal(loaded[k], state[k]) for k in state)


def test_hggt_enhance_reads_the_esrgan_layouts_and_the_upsampler(tmp_path: Path) -> None:
    for name, (upsampler, wrap) in LAYOUTS.items():
        path = tmp_path / f"{name}.pth"
        torch.save(wrap(_basicsr(upsampler)), path)
        model, arch, config = build_model(path)
        assert (arch, config["upsampler"]) == ("rrdbnet", upsampler), name
        assert model(torch.rand(1, 3, 5, 6)).shape == (1, 3, 20, 24)


def test_a_misfit_names_missing_unexpected_and_mis_shaped_keys_in_one_line(tmp_path: Path) -> None:
    state = _basicsr("nearest", num_feat=16)
    del state["conv_hr.weight"]
    state["extra.weight"] = torch.zeros(1)
    path = tmp_path / "other.pth"
    torch.save({"params": state}, path)
    with pytest.raises(CheckpointError) as info:
        pretrained_generator(make_config("posneg", overrides=[*SIZES, f"pretrain_g={path}"]))
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    assert "1 missing: conv_hr.weight" in message and "1 unexpected: extra.weight" in message
    assert "wrong shape: conv_first.weight 16x3x3x3 (model 8x3x3x3)" in message
    assert "num_feat=16" in message  # what to set to train from it


def test_an_original_esrgan_layout_that_is_not_x4_is_refused_by_name() -> None:
    state = _esrgan_original(_basicsr("nearest"))
    state["model.12.weight"] = state.pop("model.10.weight")  # an x8 model's output conv
    with pytest.raises(LayoutError, match=r"original ESRGAN layout .*model\.12\.weight"):
        to_basicsr(state)


@pytest.mark.slow
def test_a_published_size_rrdbpsnet_checkpoint_loads_under_posneg(tmp_path: Path) -> None:
    state = RRDBNet(upsampler="pixelshuffle").state_dict()
    assert state["upsample.0.weight"].shape == (256, 64, 3, 3) and len(state) == 702
    torch.save({"params_ema": state}, tmp_path / "RRDBPSNet_PSNR_x4.pth")
    cfg, _ = pretrained_generator(
        make_config("posneg", overrides=[f"pretrain_g={tmp_path}/RRDBPSNet_PSNR_x4.pth"])
    )
    assert cfg.upsampler == "pixelshuffle"


def test_fit_builds_the_checkpoints_upsampler_and_says_so(
    tiny_pack: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "nearest.pth"
    torch.save({"params_ema": _basicsr("nearest", num_feat=8, num_block=1)}, path)
    out = tmp_path / "run"
    args = ["fit", "--preset", "posneg", "--pack", str(tiny_pack), "--out", str(out), *TINY]
    assert main([*args, f"pretrain_g={path}", "total_iter=1", "save_every=1"]) == 0
    assert "building that instead of RRDBPSNet" in caplog.text
    assert read_weights_config(out / "models/net_g_00000001.safetensors").upsampler == "nearest"


def test_a_resumed_run_keeps_its_saved_network_and_degradation() -> None:
    old = make_config("posneg", overrides=["upsampler=nearest", "jpeg=libjpeg", "total_iter=10"])
    now = make_config("posneg", overrides=["total_iter=20"])
    resumed, kept, changed = resumed_config(old.to_json(), now)
    assert (resumed.upsampler, resumed.jpeg, resumed.total_iter) == ("nearest", "libjpeg", 20)
    assert any(k.startswith("upsampler='nearest'") for k in kept)
    assert changed == ["total_iter: 10 -> 20"]


def test_a_run_saved_before_a_setting_existed_keeps_its_old_behaviour() -> None:
    saved = json.loads(make_config("posneg").to_json())
    for key in ("upsampler", "jpeg", "poisson_levels", "random_resize", "positive_draws"):
        del saved[key]
    old = config_from_json(json.dumps(saved))
    assert (old.upsampler, old.jpeg, old.poisson_levels, old.random_resize, old.positive_draws) == (
        "nearest",
        "libjpeg",
        "8bit",
        "size",
        "one",
    )
