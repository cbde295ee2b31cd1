"""The architectures the runner can build from a checkpoint, listed explicitly (no scanning)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from enhance.archs.edsr import EDSR, edsr_config
from enhance.archs.elan import ELAN, elan_config
from enhance.archs.msrresnet import MSRResNet, msrresnet_config
from enhance.archs.rcan import RCAN, rcan_config
from enhance.archs.rrdbnet import RRDBNet, rrdbnet_config

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


def _is_rrdbnet(state: StateDict) -> bool:
    return "conv_first.weight" in state and "body.0.rdb1.conv1.weight" in state


def _is_edsr(state: StateDict) -> bool:
    return "conv_after_body.weight" in state and "body.0.conv1.weight" in state


def _is_msrresnet(state: StateDict) -> bool:
    return "upconv1.weight" in state and "body.0.conv1.weight" in state


ARCHITECTURES: dict[str, Architecture] = {
    "rcan": Architecture("rcan", RCAN, rcan_config, _is_rcan),
    "elan": Architecture("elan", ELAN, elan_config, _is_elan),
    "rrdbnet": Architecture("rrdbnet", RRDBNet, rrdbnet_config, _is_rrdbnet),
    "edsr": Architecture("edsr", EDSR, edsr_config, _is_edsr),
    "msrresnet": Architecture("msrresnet", MSRResNet, msrresnet_config, _is_msrresnet),
}


def identify(state: StateDict) -> Architecture | None:
    """The architecture whose parameter names the state dict carries, or None."""
    for arch in ARCHITECTURES.values():
        if arch.matches(state):
            return arch
    return None
