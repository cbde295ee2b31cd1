"""A model's scale, measured by running it once on a small probe tile before any photo is read.

HGGT enhancers keep the image size (scale 1). A super-resolution model (a x4 generator from
``hggt-train export``) given by mistake would otherwise write images four times larger that
``hggt-data select`` then rejects, so the command measures every model first and refuses one
whose scale is not the one asked for (``--scale``, 1 by default).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

# A multiple of every window size the known architectures need (ELAN: 4, 8, 16), and small
# enough that the largest published enhancer answers in well under a second on a CPU.
PROBE_SIZE = 16
# The ONNX metadata_props key under which every export states the model's scale.
SCALE_KEY = "hggt.scale"


class ScaleError(Exception):
    """A model whose output size is not a whole multiple of its input size, or that fails."""


def _probe() -> np.ndarray:
    return np.random.default_rng(0).random((1, 3, PROBE_SIZE, PROBE_SIZE), dtype=np.float32)


def _run_onnx(path: Path, probe: np.ndarray) -> np.ndarray:
    os.environ["ORT_DISABLE_TELEMETRY"] = "1"  # before onnxruntime is imported (see onnx_engine)
    import onnxruntime as ort

    # The CPU only: the probe is tiny, and a GPU provider here would print its own start-up
    # messages a second time.
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    model_input = session.get_inputs()[0]
    dtype = np.float16 if model_input.type == "tensor(float16)" else np.float32
    (output,) = session.run(None, {model_input.name: probe.astype(dtype)})
    return np.asarray(output)


def _run_checkpoint(path: Path, probe: np.ndarray) -> np.ndarray:
    import torch

    from enhance.checkpoints import CheckpointError, build_model

    try:
        model, _arch, _config = build_model(path)
    except CheckpointError as exc:  # its message already names the file and what to do
        raise ScaleError(str(exc)) from exc
    with torch.inference_mode():
        return model(torch.from_numpy(probe)).numpy()


def measure_scale(path: Path) -> int:
    """How many times larger than its input the model's output is (1 for an HGGT enhancer)."""
    probe = _probe()
    try:
        output = _run_onnx(path, probe) if path.suffix.lower() == ".onnx" else _run_checkpoint(path, probe)
    except ScaleError:
        raise
    except Exception as exc:  # ONNX Runtime's and PyTorch's own error types: it cannot run at all
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise ScaleError(
            f"{path}: fails on a {PROBE_SIZE}x{PROBE_SIZE} probe tile ({first}); check that it takes "
            "N x 3 x H x W RGB input in [0, 1]"
        ) from exc
    declared = declared_scale(path)
    if output.ndim != 4 or output.shape[1] != 3:
        raise ScaleError(f"{path}: gives output of shape {tuple(output.shape)}, expected N x 3 x H x W RGB")
    height, width = output.shape[2:]
    if height != width or height % PROBE_SIZE:
        raise ScaleError(
            f"{path}: turns a {PROBE_SIZE}x{PROBE_SIZE} probe tile into {width}x{height}, not a whole "
            "multiple of its size; the runner takes models of scale 1, 2, 3, 4, ..."
        )
    scale = height // PROBE_SIZE
    if declared is not None and declared != scale:
        raise ScaleError(
            f"{path}: its metadata says scale {declared} but it makes images {scale}x larger; "
            "export it again (hggt-train export)"
        )
    return scale


def declared_scale(path: Path) -> int | None:
    """The scale an exported ONNX file states in its metadata (``hggt.scale``), or None."""
    if path.suffix.lower() != ".onnx":
        return None
    import onnx

    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception:  # not ONNX at all: the probe names that
        return None
    value = next((p.value for p in model.metadata_props if p.key == SCALE_KEY), "")
    return int(value) if value.isdigit() and int(value) > 0 else None


def scale_problem(model_id: str, path: Path, scale: int, wanted: int) -> str | None:
    """What to tell the user when a model's measured scale is not the one asked for."""
    if scale == wanted:
        return None
    if wanted == 1:
        return (
            f"model {model_id} ({path}) makes images {scale}x larger: it is a super-resolution model, "
            "and HGGT enhancers keep the image size. Give a scale-1 enhancer, or add --scale "
            f"{scale} to write super-resolution outputs (a flat folder of <stem>_{model_id}.png "
            "that 'hggt-train eval --sr' reads)"
        )
    return (
        f"model {model_id} ({path}) has scale {scale}, but --scale {wanted} was given; "
        f"give --scale {scale}" + (" (or leave --scale out)" if scale == 1 else "")
    )
