"""Checkpoints: generator weights in safetensors, and a training state that resumes exactly.

- ``RUN/models/net_g_<iter>.safetensors``: ``params.<name>`` and ``params_ema.<name>`` (BasicSR
  names; :func:`load_generator_state` also reads BasicSR ``.pth`` files), the config in metadata.
- ``RUN/state/state_<iter>.pt``: everything a resumed run needs (networks, optimisers,
  schedulers, EMA, the pair pool, RNG states, the position in the data order), plain tensors
  and Python values only, so it loads with ``torch.load(weights_only=True)``.

Both are written beside their final name and renamed over it, so a crash mid-write leaves the
previous checkpoint intact.
"""

from __future__ import annotations

import io
import random
import re
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import save as save_safetensors

from enhance.checkpoints import not_a_torch_file
from hggt_desktop.core.atomic import write_bytes_atomic
from train.config import Config, config_from_json

FORMAT = "hggt-train"
_STATE = re.compile(r"state_(\d+)\.pt\Z")


class CheckpointError(Exception):
    """A checkpoint cannot be read; the message names the file."""


def weights_path(run_dir: Path, iteration: int) -> Path:
    return run_dir / "models" / f"net_g_{iteration:08d}.safetensors"


def save_weights(
    path: Path,
    params: dict[str, torch.Tensor],
    params_ema: dict[str, torch.Tensor],
    cfg: Config,
    iteration: int,
    extra: dict[str, str] | None = None,
) -> None:
    """Write G and its EMA with BasicSR names (flattened as ``params.*`` / ``params_ema.*``).

    ``extra`` adds metadata (the validation metric of ``best.safetensors``)."""
    tensors = {f"params.{k}": v.detach().cpu().contiguous() for k, v in params.items()}
    tensors.update({f"params_ema.{k}": v.detach().cpu().clone() for k, v in params_ema.items()})
    metadata = {"format": FORMAT, "config": cfg.to_json(), "iteration": str(iteration), "arch": "RRDBNet"}
    metadata.update(extra or {})
    write_bytes_atomic(path, save_safetensors(tensors, metadata=metadata))


def read_state_file(path: Path | str) -> dict[str, Any]:
    """A state dict from a ``.safetensors`` or ``.pth`` file; CheckpointError says why it is unusable."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such file; check the path")
    try:
        if path.suffix == ".safetensors":
            with safe_open(str(path), framework="pt") as handle:
                return {k: handle.get_tensor(k) for k in handle.keys()}
        if not_torch := not_a_torch_file(path):
            raise CheckpointError(f"{path}: {not_torch}")
        state = torch.load(path, map_location="cpu", weights_only=True)
    except CheckpointError:
        raise
    except Exception as exc:  # safetensors and torch raise many types for a bad file
        raise CheckpointError(
            f"{path}: not a readable weight file ({exc}); download or copy it again"
        ) from exc
    if not isinstance(state, dict):
        raise CheckpointError(f"{path}: holds a {type(state).__name__}, not a state dict")
    return state


def load_generator_state(path: Path | str, key: str = "params_ema") -> dict[str, torch.Tensor]:
    """A generator state dict from our safetensors, a BasicSR ``.pth`` or a plain state dict.

    ``key`` picks ``params_ema`` (default, falling back to ``params``) or ``params``.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint")
    state = read_state_file(path)
    if isinstance(state, dict) and any(k in state for k in ("params", "params_ema")):
        nested = state.get(key) or state.get("params_ema") or state.get("params")
        return dict(nested)
    for prefix in (f"{key}.", "params_ema.", "params."):
        found = {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}
        if found:
            return found
    return dict(state)


def read_weights_config(path: Path | str) -> Config | None:
    """The training config saved in our safetensors weights (None for other files)."""
    if Path(path).suffix != ".safetensors":
        return None
    with safe_open(str(path), framework="pt") as handle:
        metadata = handle.metadata() or {}
    return config_from_json(metadata["config"]) if "config" in metadata else None


def rng_states() -> dict[str, Any]:
    """Python, numpy and torch global RNG states as weights_only-loadable values."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    states: dict[str, Any] = {
        "python": random.getstate(),
        "numpy": [kind, torch.from_numpy(keys.astype(np.int64)), pos, has_gauss, cached],
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def restore_rng_states(states: dict[str, Any]) -> None:
    random.setstate(_as_tuple(states["python"]))
    kind, keys, pos, has_gauss, cached = states["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(states["torch"])
    if "cuda" in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])


def _as_tuple(value: Any) -> Any:
    return tuple(_as_tuple(v) for v in value) if isinstance(value, list | tuple) else value


def state_path(run_dir: Path, iteration: int, rank: int = 0) -> Path:
    """Rank 0 holds the whole state; other ranks hold their own pair pool and RNG states."""
    suffix = "" if rank == 0 else f".rank{rank}"
    return run_dir / "state" / f"state_{iteration:08d}{suffix}.pt"


def save_state(run_dir: Path, iteration: int, state: dict[str, Any], rank: int = 0) -> Path:
    """Write one process's training state of ``iteration`` atomically."""
    path = state_path(run_dir, iteration, rank)
    buffer = io.BytesIO()
    torch.save(state, buffer)
    write_bytes_atomic(path, buffer.getvalue())
    return path


def prune_states(run_dir: Path, keep: int) -> None:
    """Delete all but the ``keep`` newest training states (with their per-rank files)."""
    for iteration, path in _states(run_dir)[:-keep] if keep > 0 else []:
        for other in path.parent.glob(f"state_{iteration:08d}*.pt"):
            other.unlink(missing_ok=True)


def _states(run_dir: Path) -> list[tuple[int, Path]]:
    folder = run_dir / "state"
    if not folder.is_dir():
        return []
    return sorted((int(m.group(1)), p) for p in folder.iterdir() if (m := _STATE.match(p.name)))


def latest_state(run_dir: Path) -> Path | None:
    """The newest training state of a run, or None."""
    states = _states(run_dir)
    return states[-1][1] if states else None


def load_state(path: Path) -> dict[str, Any]:
    """A training state, loaded without executing pickled code."""
    with open(path, "rb") as handle:
        head = handle.read(4)
    if not head.startswith((b"PK\x03\x04", b"\x80")):  # torch.load would report a bare number
        raise CheckpointError(
            f"{path}: not a PyTorch training state (damaged); move it away and "
            "run again with --resume to continue from the state before it"
        )
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise CheckpointError(
            f"{path}: not a readable training state ({exc}); resume from an older one"
        ) from exc
