"""Loading model files: BasicSR checkpoints (``params`` / ``params_ema``) and safetensors.

Nothing pickled is executed: ``.pth`` files go through ``torch.load(weights_only=True)``, which
refuses any object that is not a tensor or a plain container.
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch
from torch import nn

from enhance.archs.layouts import LayoutError, describe_misfit, layout_of, to_basicsr
from enhance.archs.registry import ARCHITECTURES, identify

log = logging.getLogger(__name__)

CHECKPOINT_SUFFIXES = (".pth", ".pt", ".ckpt", ".safetensors")
# Keys under which trainers nest the weights: BasicSR (params_ema, params), EDSR-PyTorch and
# Lightning-style trainers (state_dict), others (model). The first that holds a dict is used.
WRAPPERS = ("params_ema", "params", "state_dict", "model")


class CheckpointError(Exception):
    """A model file that cannot be used; the message names the file and what to do."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        super().__init__(f"{path}: {reason}")


def read_state_dict(path: Path | str, params: str = "params_ema") -> dict[str, torch.Tensor]:
    """The weights in a checkpoint, preferring ``params_ema`` over ``params`` as BasicSR does.

    ``params="params"`` picks the last step's weights where a checkpoint holds both. DataParallel's
    ``module.`` prefix is removed.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(path, "not found; check the path")
    if path.suffix.lower() == ".safetensors":
        from safetensors.torch import load_file

        try:
            flat = load_file(str(path))
        except Exception as exc:  # safetensors raises its own error types for bad headers
            raise CheckpointError(path, f"is not a readable safetensors file ({exc})") from exc
        return _without_module_prefix(_unflatten_basicsr(flat, params))
    with open(path, "rb") as handle:
        head = handle.read(4)
    # torch.load reports a text or HTML file (a failed download) as a bare "KeyError: 101".
    if not head.startswith((b"PK\x03\x04", b"\x80")):
        raise CheckpointError(
            path,
            f"not a PyTorch (.pth) or safetensors file (it starts with {head!r}); download or copy it again",
        )
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        # weights_only refuses pickled objects (classes, functions, optimiser state objects).
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CheckpointError(
            path,
            "cannot be loaded safely: it is not a plain weights file (it contains pickled objects "
            f"or is corrupt: {first[:200]}). Re-save only the weights, e.g. "
            'torch.save({"params": model.state_dict()}, path), or use .safetensors',
        ) from exc
    state = _unwrap(data, params)
    if (
        not isinstance(state, dict)
        or not state
        or not all(isinstance(v, torch.Tensor) for v in state.values())
    ):
        found = (
            f"keys {', '.join(map(str, list(data)[:5]))}" if isinstance(data, dict) else type(data).__name__
        )
        raise CheckpointError(
            path,
            f"holds no state dict ({found}; expected a dict of tensors, or one under "
            f"{', '.join(WRAPPERS)}); save the model's state_dict() instead",
        )
    return _without_module_prefix(state)


def _without_module_prefix(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """DataParallel and DistributedDataParallel save every name behind ``module.``."""
    return {k.removeprefix("module."): v for k, v in state.items()}


def _unwrap(data: object, params: str) -> object:
    """The state dict inside the wrapper dicts trainers save (``{"params": {...}}`` and the like)."""
    order = (params, *WRAPPERS)
    for _ in range(len(WRAPPERS)):  # nested wrappers, e.g. {"state_dict": {"model": {...}}}
        if not isinstance(data, dict):
            break
        inner = next((data[key] for key in order if isinstance(data.get(key), dict)), None)
        if inner is None:
            break
        data = inner
    return data


def build_model(path: Path | str, params: str = "params_ema") -> tuple[nn.Module, str, dict]:
    """Build the model a checkpoint describes, with its weights loaded, in eval mode.

    ESRGAN-named RRDBNet checkpoints are renamed to BasicSR names first; the upsampler (nearest
    or pixel-shuffle) and the sizes are read from the parameter names and shapes.
    """
    state = read_state_dict(path, params)
    layout = layout_of(state)
    try:
        state = to_basicsr(state)
    except LayoutError as exc:
        raise CheckpointError(path, str(exc)) from exc
    arch = identify(state)
    if arch is None:
        known = ", ".join(sorted(ARCHITECTURES))
        raise CheckpointError(
            path, f"does not match any known architecture ({known}); export it to ONNX or check the file"
        )
    try:
        config = arch.config(state)
        model = arch.build(**config)
    except (KeyError, RuntimeError, ValueError, TypeError, ZeroDivisionError, IndexError) as exc:
        first = str(exc).strip().splitlines()[0][:300]
        raise CheckpointError(path, f"looks like {arch.name} but its weights do not fit ({first})") from exc
    misfit = describe_misfit(model, state)
    if misfit is not None:
        raise CheckpointError(path, f"looks like {arch.name} {config} but its weights do not fit: {misfit}")
    model.load_state_dict(state, strict=True)
    renamed = f" (renamed from the {layout} layout)" if layout != "basicsr" else ""
    log.info("%s: %s %s%s", Path(path).name, arch.name, config, renamed)
    return model.eval(), arch.name, config


def _unflatten_basicsr(flat: dict[str, torch.Tensor], params: str) -> dict[str, torch.Tensor]:
    """hggt-train writes ``params.<name>`` and ``params_ema.<name>`` into one safetensors file.

    Prefer ``params`` (the EMA weights by default, as BasicSR does); a plain state dict is
    returned unchanged.
    """
    for prefix in (f"{params}.", "params_ema.", "params."):
        picked = {k.removeprefix(prefix): v for k, v in flat.items() if k.startswith(prefix)}
        if picked:
            return picked
    return flat
