"""The parameter names of the official EDSR, RCAN and MSRResNet code, renamed to BasicSR's.

- **EDSR-PyTorch** (thstkdgus35, ``edsr_x4-4f62e9ef.pt``) and **RCAN** (yulunzhang/RCAN,
  ``RCAN_BIX4.pt``) share one skeleton: ``sub_mean`` / ``add_mean`` (fixed 1x1 mean shifts),
  ``head.0`` (first conv), ``body.<n>`` after the n blocks or groups (the conv after the body),
  ``tail.0.{0,2,...}`` (the pixel-shuffle upsampler) and ``tail.1`` (last conv).
  EDSR's blocks are ``body.N.body.{0,2}``; RCAN's groups are ``body.G.body.B.body.{0,2}`` (the
  block's convs), ``body.G.body.B.body.3.conv_du.{0,2}`` (channel attention) and
  ``body.G.body.<blocks>`` (the group's last conv).
- **mmsr MSRResNet** (BasicSR before 1.0, ``MSRResNetx4.pth``): ``recon_trunk.N.conv{1,2}`` and
  ``HRconv`` where BasicSR says ``body.N.conv{1,2}`` and ``conv_hr``.

The mean shifts hold no learnt values: our models subtract the DIV2K mean on [0, 255] themselves,
so the shifts are checked to be exactly that and dropped. A model trained with another mean or
pixel range would give wrong colours, so it is refused by name rather than loaded.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import torch

from enhance.archs.blocks import DIV2K_MEAN, LayoutError, StateDict

RGB_RANGE = 255.0

_EDSR_BLOCK = re.compile(r"body\.(\d+)\.body\.([02])\.(weight|bias)")
_RCAN_BLOCK = re.compile(r"body\.(\d+)\.body\.(\d+)\.body\.([02])\.(weight|bias)")
_RCAN_ATTENTION = re.compile(r"body\.(\d+)\.body\.(\d+)\.body\.3\.conv_du\.([02])\.(weight|bias)")
_RCAN_GROUP_CONV = re.compile(r"body\.(\d+)\.body\.(\d+)\.(weight|bias)")
_TAIL_UPSAMPLE = re.compile(r"tail\.0\.(\d+)\.(weight|bias)")
_CONV = {"0": "conv1", "2": "conv2"}
_ATTENTION = {"0": "1", "2": "3"}  # conv_du has no pooling layer in front; BasicSR's attention has


def is_official_edsr(state: StateDict) -> bool:
    return "head.0.weight" in state and "tail.1.weight" in state and "body.0.body.0.weight" in state


def is_official_rcan(state: StateDict) -> bool:
    return "head.0.weight" in state and "tail.1.weight" in state and "body.0.body.0.body.0.weight" in state


def is_mmsr_msrresnet(state: StateDict) -> bool:
    return "recon_trunk.0.conv1.weight" in state and "upconv1.weight" in state


def from_official_edsr(state: StateDict) -> StateDict:
    """The official EDSR-PyTorch state dict under BasicSR names (mean shifts checked, dropped)."""
    return _rename_skeleton(state, _edsr_body)


def from_official_rcan(state: StateDict) -> StateDict:
    """The official RCAN state dict under BasicSR names (mean shifts checked, dropped)."""
    return _rename_skeleton(state, _rcan_body)


def from_mmsr_msrresnet(state: StateDict) -> StateDict:
    """The mmsr MSRResNet state dict under BasicSR names."""
    return {
        re.sub(r"^recon_trunk\.", "body.", key).replace("HRconv.", "conv_hr."): value
        for key, value in state.items()
    }


def _edsr_body(key: str) -> str | None:
    if m := _EDSR_BLOCK.fullmatch(key):
        return f"body.{m[1]}.{_CONV[m[2]]}.{m[3]}"
    return None


def _rcan_body(key: str) -> str | None:
    if m := _RCAN_BLOCK.fullmatch(key):
        return f"body.{m[1]}.residual_group.{m[2]}.rcab.{m[3]}.{m[4]}"
    if m := _RCAN_ATTENTION.fullmatch(key):
        return f"body.{m[1]}.residual_group.{m[2]}.rcab.3.attention.{_ATTENTION[m[3]]}.{m[4]}"
    if m := _RCAN_GROUP_CONV.fullmatch(key):
        return f"body.{m[1]}.conv.{m[3]}"
    return None


def _rename_skeleton(state: StateDict, rename_body: Callable[[str], str | None]) -> StateDict:
    """head / body / tail renamed; ``rename_body`` maps the keys inside the blocks (None: not one)."""
    _check_mean_shifts(state)
    # The conv after the body is the body's last child: body.<n>.weight, a 4-d tensor of its own.
    last = max(int(k.split(".")[1]) for k in state if k.startswith("body."))
    renamed: StateDict = {}
    for key, value in state.items():
        if key.startswith(("sub_mean.", "add_mean.")):
            continue
        if (new := rename_body(key)) is not None:
            renamed[new] = value
        elif m := re.fullmatch(rf"body\.{last}\.(weight|bias)", key):
            renamed[f"conv_after_body.{m[1]}"] = value
        elif m := _TAIL_UPSAMPLE.fullmatch(key):
            renamed[f"upsample.{m[1]}.{m[2]}"] = value
        else:
            # head.0 and tail.1; any other key stays as it is and is reported as unexpected.
            renamed[re.sub(r"^head\.0\.", "conv_first.", re.sub(r"^tail\.1\.", "conv_last.", key))] = value
    return renamed


def _check_mean_shifts(state: StateDict) -> None:
    expected = torch.tensor(DIV2K_MEAN) * RGB_RANGE
    for name, sign in (("sub_mean", -1.0), ("add_mean", 1.0)):
        bias = state.get(f"{name}.bias")
        if bias is None:
            continue
        if bias.shape != (3,) or not torch.allclose(bias.float(), sign * expected, atol=0.05):
            found = ", ".join(f"{v:.4g}" for v in bias.flatten().tolist()[:3])
            raise LayoutError(
                f"its {name} shift is ({found}), not the DIV2K mean on [0, 255] "
                f"({', '.join(f'{sign * v:.4g}' for v in expected.tolist())}) that every published "
                "EDSR/RCAN model uses; a model trained with another mean or --rgb_range would give "
                "wrong colours here, so it is not loaded"
            )
