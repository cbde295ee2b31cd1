"""The architectures the runner can build from a checkpoint, listed explicitly (no scanning)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from enhance.archs.elan import ELAN, elan_config
from enhance.archs.rcan import RCAN, rcan_config

log = logging.getLogger(__name__)

StateDict = dict[str, torch.Tensor]


@dataclass(frozen=True)
class Architecture:
    """How to recognise an architecture's state dict and build a matching module."""

    name: str
    build: Callable[..., nn.Module]
    config: Callable[[StateDict], dict]
    matches: Callable[[StateDict], bool]


def _is_rcan(state: StateDict) -> bool:
    return "conv_after_body.weight" in state and "body.0.residual_group.0.rcab.0.weight" in state


def _is_elan(state: StateDict) -> bool:
    return "head.0.weight" in state and "body.0.modules_lfe.lfe_0.conv0.shift_conv.weight" in state


ARCHITECTURES: dict[str, Architecture] = {
    "rcan": Architecture("rcan", RCAN, rcan_config, _is_rcan),
    "elan": Architecture("elan", ELAN, elan_config, _is_elan),
}

# RRDBNet is owned by the trainer (train/archs/rrdbnet.py, BasicSR names); the runner only
# loads it, so it is listed when the trainer's module is present.
try:
    from train.archs import rrdbnet as _rrdbnet
except ImportError:  # trainer not installed in this environment
    _rrdbnet = None

if _rrdbnet is not None:

    def _is_rrdbnet(state: StateDict) -> bool:
        return "conv_first.weight" in state and "body.0.rdb1.conv1.weight" in state

    def _rrdbnet_config(state: StateDict) -> dict:
        """BasicSR RRDBNet arguments from a state dict, or the trainer's own reader when it has one."""
        own = getattr(_rrdbnet, "rrdbnet_config", None)
        if own is not None:
            return own(state)
        first = state["conv_first.weight"]
        num_out = state["conv_last.weight"].shape[0]
        # BasicSR feeds x2 / x1 models pixel-unshuffled input: 4x / 16x the input channels.
        scale = 4 if first.shape[1] == num_out else (2 if first.shape[1] == 4 * num_out else 1)
        blocks = {int(k.split(".")[1]) for k in state if k.startswith("body.")}
        return {
            "num_in_ch": num_out,
            "num_out_ch": num_out,
            "scale": scale,
            "num_feat": first.shape[0],
            "num_block": len(blocks),
            "num_grow_ch": state["body.0.rdb1.conv1.weight"].shape[0],
        }

    ARCHITECTURES["rrdbnet"] = Architecture("rrdbnet", _rrdbnet.RRDBNet, _rrdbnet_config, _is_rrdbnet)


def identify(state: StateDict) -> Architecture | None:
    """The architecture whose parameter names the state dict carries, or None."""
    for arch in ARCHITECTURES.values():
        if arch.matches(state):
            return arch
    return None
