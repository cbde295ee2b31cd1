"""The generator of a run: built from the config, or shaped by the checkpoint it starts from.

A PSNR-oriented checkpoint given as ``pretrain_g`` decides the upsampler: its parameter names
say whether it is the nearest-neighbour RRDBNet (``conv_up1``/``conv_up2``) or HGGT's
pixel-shuffle ``RRDBPSNet`` (``upsample.0``/``upsample.2``), and that one is built, with a
message when it differs from the config. ESRGAN-named checkpoints are renamed to BasicSR names;
any other misfit is refused in one line naming the missing and unexpected keys.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import torch
from torch import nn

from enhance.archs.layouts import LayoutError, describe_misfit, layout_of, to_basicsr, upsampler_of
from enhance.archs.registry import identify
from enhance.archs.rrdbnet import RRDBNet, rrdbnet_config
from enhance.checkpoints import build_model, model_scale
from train.checkpoint import CheckpointError, load_generator_state, resolve_checkpoint
from train.config import Config

log = logging.getLogger(__name__)

UPSAMPLER_NAMES = {
    "nearest": "RRDBNet (nearest, conv_up1/conv_up2)",
    "pixelshuffle": "RRDBPSNet (upsample.*)",
}


def build_generator(cfg: Config) -> RRDBNet:
    """The x4 generator the config describes, freshly initialised."""
    return RRDBNet(3, 3, cfg.num_feat, cfg.num_block, cfg.num_grow_ch, 4, cfg.upsampler)


def pretrained_generator(cfg: Config) -> tuple[Config, RRDBNet]:
    """The generator loaded from ``cfg.pretrain_g``, and the config with its upsampler.

    CheckpointError (naming the file and the keys) when the weights do not fit; a checkpoint of
    another registered architecture (MSRResNet, EDSR, RCAN, ELAN) is refused by name, since fit
    trains HGGT's RRDBNet generator only.
    """
    path = cfg.pretrain_g
    state = load_generator_state(path)
    layout = layout_of(state)
    try:
        state = to_basicsr(state)
    except LayoutError as exc:
        raise CheckpointError(path, str(exc), "pretrain_g") from exc
    arch = identify(state)
    if arch is not None and arch.name != "rrdbnet":
        raise CheckpointError(
            path,
            f"is a checkpoint of {arch.name}, but hggt-train fit trains an RRDBNet generator only; "
            f"train a {arch.name} with 'hggt-train classical', or give an RRDBNet (ESRGAN/BasicSR) "
            "checkpoint",
            "pretrain_g",
        )
    if layout != "basicsr":
        log.info(f"pretrain_g {path}: {layout} parameter names, renamed to BasicSR's")
    upsampler = upsampler_of(state)
    if upsampler != cfg.upsampler:
        log.warning(
            f"pretrain_g {path} is a {UPSAMPLER_NAMES[upsampler]}; building that instead of "
            f"{UPSAMPLER_NAMES[cfg.upsampler]} (upsampler={upsampler})"
        )
        cfg = dataclasses.replace(cfg, upsampler=upsampler)
    model = build_generator(cfg)
    misfit = describe_misfit(model, state)
    if misfit is not None:
        raise CheckpointError(
            path, f"does not fit the generator ({misfit}){_sizes_hint(state, cfg)}", "pretrain_g"
        )
    model.load_state_dict(state, strict=True)
    return cfg, model


def load_generator(
    path: str | Path, params: str = "params_ema", scale: int | None = None
) -> tuple[nn.Module, str, dict]:
    """The model a checkpoint of any registered architecture describes, weights loaded, in eval
    mode, with its architecture and config (``enhance.checkpoints.build_model``).

    ``path`` may be a run folder (a classical run's ``model.pth``, a fit run's newest weights);
    a model of another ``scale`` than the one asked for is refused naming the file.
    """
    path = resolve_checkpoint(path)
    model, arch, config = build_model(path, params)
    found = model_scale(config)
    if scale is not None and found != scale:
        raise CheckpointError(
            path, f"is an x{found} {arch} model, but --scale {scale} was given; give --scale {found}"
        )
    return model, arch, config


def _sizes_hint(state: dict[str, torch.Tensor], cfg: Config) -> str:
    """'; the checkpoint has num_feat=..., ...' when its sizes can be read and differ from the config."""
    try:
        sizes = rrdbnet_config(state)
    except (KeyError, IndexError, ValueError):
        return "; it is not an RRDBNet checkpoint"
    differ = [
        f"{k}={sizes[k]}" for k in ("num_feat", "num_block", "num_grow_ch") if sizes[k] != getattr(cfg, k)
    ]
    if sizes["scale"] != 4:
        return f"; it is an x{sizes['scale']} model, training is x4"
    return f"; it has {', '.join(differ)}: set those to train from it" if differ else ""
