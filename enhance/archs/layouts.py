"""Parameter-name layouts of published checkpoints, and a one-line account of one that misfits.

The official EDSR, RCAN and MSRResNet names are mapped in :mod:`enhance.archs.official`.
Three layouts of the same ESRGAN generator circulate:

- **BasicSR** (Real-ESRGAN, HGGT, this project): ``conv_first``, ``body.N.rdbK.convJ``,
  ``conv_body``, then ``conv_up1``/``conv_up2`` (nearest + conv) or ``upsample.0``/``upsample.2``
  (pixel-shuffle, HGGT's ``RRDBPSNet``), ``conv_hr``, ``conv_last``.
- **ESRGAN** (xinntao/ESRGAN after its 2019 rewrite): ``conv_first``, ``RRDB_trunk.N.RDBK.convJ``,
  ``trunk_conv``, ``upconv1``, ``upconv2``, ``HRconv``, ``conv_last``.
- **Original ESRGAN** (the 2018 release, most community models): one ``model`` Sequential,
  ``model.0`` (first conv), ``model.1.sub.N.RDBK.convJ.0`` (blocks), ``model.1.sub.<blocks>``
  (trunk conv), ``model.3``/``model.6`` (upsampling convs), ``model.8``, ``model.10`` for x4.

:func:`to_basicsr` renames all of these to BasicSR names (the tensors are the same);
a layout it cannot map is refused by name, never loaded half-way.
"""

from __future__ import annotations

import re

import torch
from torch import nn

from enhance.archs.blocks import LayoutError, StateDict
from enhance.archs.official import (
    from_mmsr_msrresnet,
    from_official_edsr,
    from_official_rcan,
    is_mmsr_msrresnet,
    is_official_edsr,
    is_official_rcan,
)

__all__ = ["LayoutError", "describe_misfit", "layout_of", "to_basicsr", "upsampler_of"]


_ESRGAN_NAMES = (
    (re.compile(r"^RRDB_trunk\.(\d+)\.RDB(\d)\."), r"body.\1.rdb\2."),
    (re.compile(r"^trunk_conv\."), "conv_body."),
    (re.compile(r"^upconv1\."), "conv_up1."),
    (re.compile(r"^upconv2\."), "conv_up2."),
    (re.compile(r"^HRconv\."), "conv_hr."),
)
# The x4 original layout: Sequential indices of the convolutions around the trunk.
_ORIGINAL_X4 = {"0": "conv_first", "3": "conv_up1", "6": "conv_up2", "8": "conv_hr", "10": "conv_last"}
_ORIGINAL_BLOCK = re.compile(r"^model\.1\.sub\.(\d+)\.RDB(\d)\.conv(\d)\.0\.(weight|bias)$")
_ORIGINAL_TRUNK = re.compile(r"^model\.1\.sub\.(\d+)\.(weight|bias)$")
_ORIGINAL_OUTER = re.compile(r"^model\.(\d+)\.(weight|bias)$")
# The official code of the classical SR models (enhance/archs/official.py).
_OFFICIAL = (
    ("official EDSR", is_official_edsr),
    ("official RCAN", is_official_rcan),
    ("mmsr MSRResNet", is_mmsr_msrresnet),
)
_RENAMERS = {
    "official EDSR": from_official_edsr,
    "official RCAN": from_official_rcan,
    "mmsr MSRResNet": from_mmsr_msrresnet,
}


def layout_of(state: StateDict) -> str:
    """``"basicsr"``, one of the official layouts, ``"esrgan"`` or ``"esrgan-original"``."""
    for name, matches in _OFFICIAL:
        if matches(state):
            return name
    if any(k.startswith(("RRDB_trunk.", "trunk_conv.")) for k in state):
        return "esrgan"
    if "model.0.weight" in state and any(k.startswith("model.1.sub.") for k in state):
        return "esrgan-original"
    return "basicsr"


def to_basicsr(state: StateDict) -> StateDict:
    """The same tensors under BasicSR names; a BasicSR state dict is returned unchanged."""
    layout = layout_of(state)
    if layout in _RENAMERS:
        return _RENAMERS[layout](state)
    if layout == "esrgan":
        return {_rename_esrgan(k): v for k, v in state.items()}
    if layout == "esrgan-original":
        return _rename_original(state)
    return state


def _rename_esrgan(key: str) -> str:
    for pattern, replacement in _ESRGAN_NAMES:
        if pattern.match(key):
            return pattern.sub(replacement, key)
    return key


def _rename_original(state: StateDict) -> StateDict:
    trunk = max((int(m.group(1)) for k in state if (m := _ORIGINAL_TRUNK.match(k))), default=None)
    renamed: StateDict = {}
    unmapped: list[str] = []
    for key, value in state.items():
        if m := _ORIGINAL_BLOCK.match(key):
            renamed[f"body.{m.group(1)}.rdb{m.group(2)}.conv{m.group(3)}.{m.group(4)}"] = value
        elif (m := _ORIGINAL_TRUNK.match(key)) and int(m.group(1)) == trunk:
            renamed[f"conv_body.{m.group(2)}"] = value
        elif (m := _ORIGINAL_OUTER.match(key)) and m.group(1) in _ORIGINAL_X4:
            renamed[f"{_ORIGINAL_X4[m.group(1)]}.{m.group(2)}"] = value
        else:
            unmapped.append(key)
    if unmapped or "conv_last.weight" not in renamed:
        shown = ", ".join(unmapped[:3]) or "no model.10 (the x4 output conv)"
        raise LayoutError(
            "original ESRGAN layout (model.0.*, model.1.sub.*) that is not the x4 nearest-neighbour "
            f"RRDBNet ({shown}); only that one is mapped to BasicSR names. Convert it with the "
            "tool it came with (e.g. ESRGAN's transer_RRDB_models.py) or use a BasicSR checkpoint"
        )
    return renamed


def upsampler_of(state: StateDict) -> str:
    """``"pixelshuffle"`` (``upsample.0``/``upsample.2``) or ``"nearest"`` (``conv_up1``/``conv_up2``)."""
    return "pixelshuffle" if "upsample.0.weight" in state else "nearest"


def describe_misfit(model: nn.Module, state: StateDict, shown: int = 3) -> str | None:
    """One line naming the missing, unexpected and mis-shaped keys; None when the state fits."""
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    shapes = [
        f"{k} {_shape(state[k])} (model {_shape(own[k])})"
        for k in own
        if k in state and state[k].shape != own[k].shape
    ]
    parts = [
        _listing(label, keys, shown)
        for label, keys in (("missing", missing), ("unexpected", unexpected), ("wrong shape", shapes))
        if keys
    ]
    return "; ".join(parts) if parts else None


def _listing(label: str, keys: list[str], shown: int) -> str:
    more = f", ... {len(keys) - shown} more" if len(keys) > shown else ""
    return f"{len(keys)} {label}: {', '.join(keys[:shown])}{more}"


def _shape(tensor: torch.Tensor) -> str:
    return "x".join(map(str, tensor.shape))
