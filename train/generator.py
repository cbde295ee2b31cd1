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

from enhance.archs.layouts import LayoutError, describe_misfit, layout_of, to_basicsr, upsampler_of
from enhance.archs.rrdbnet import RRDBNet, rrdbnet_config
from train.checkpoint import CheckpointError, load_generator_state
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

    CheckpointError (naming the file and the keys) when the weights do not fit.
    """
    path = cfg.pretrain_g
    state = load_generator_state(path)
    layout = layout_of(state)
    try:
        state = to_basicsr(_plain(state))
    except LayoutError as exc:
        raise CheckpointError(f"pretrain_g {path}: {exc}") from exc
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
            f"pretrain_g {path}: does not fit the generator ({misfit}){_sizes_hint(state, cfg)}"
        )
    model.load_state_dict(state, strict=True)
    return cfg, model


def generator_from_checkpoint(path: str | Path, key: str = "params_ema") -> RRDBNet:
    """The RRDBNet a checkpoint describes (any of the three layouts), weights loaded.

    CheckpointError naming the file when it is not an RRDBNet or its weights do not fit.
    """
    try:
        state = to_basicsr(_plain(load_generator_state(path, key)))
    except LayoutError as exc:
        raise CheckpointError(f"{path}: {exc}") from exc
    if "conv_first.weight" not in state or "body.0.rdb1.conv1.weight" not in state:
        raise CheckpointError(f"{path}: not an RRDBNet checkpoint (no conv_first / body.0.rdb1 weights)")
    try:
        model = RRDBNet(**rrdbnet_config(state))  # type: ignore[arg-type]
    except (KeyError, IndexError, ValueError) as exc:
        raise CheckpointError(f"{path}: an RRDBNet checkpoint of unreadable sizes ({exc})") from exc
    misfit = describe_misfit(model, state)
    if misfit is not None:
        raise CheckpointError(f"{path}: weights do not fit RRDBNet ({misfit})")
    model.load_state_dict(state, strict=True)
    return model


def _plain(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Without the ``module.`` prefix DataParallel-saved checkpoints carry."""
    return {k.removeprefix("module."): v for k, v in state.items()}


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
