"""Exporting a PyTorch model to ONNX with dynamic height/width, checked against PyTorch first."""

from __future__ import annotations

import io
import logging
import os
import warnings
from pathlib import Path

os.environ["ORT_DISABLE_TELEMETRY"] = "1"  # before onnxruntime is imported anywhere

import numpy as np
import torch
from torch import nn

from enhance.model_scale import SCALE_KEY
from hggt_desktop.core.atomic import write_bytes_atomic
from hggt_desktop.core.output_file import OutputKind, OutputRefused, check_output_path, read_head

log = logging.getLogger(__name__)

OPSET = 17
# The architecture's name, beside the scale (SCALE_KEY) in every exported file's metadata.
ARCH_KEY = "hggt.arch"


class ExportError(Exception):
    """The exported graph does not reproduce the PyTorch model; nothing was written."""


def is_onnx_model(path: Path) -> bool:
    """True when ``path`` holds an ONNX model (a graph with nodes), which an export may replace."""
    # Serialised ModelProto starts with field 1 (ir_version, a varint): tag byte 0x08. Checking it
    # first keeps a large file of another kind from being parsed at all.
    if read_head(path, 1) != b"\x08":
        return False
    try:
        import onnx

        model = onnx.load(str(path), load_external_data=False)
    except Exception:  # any file onnx cannot parse is simply not a model
        return False
    return model.ir_version > 0 and len(model.opset_import) > 0 and len(model.graph.node) > 0


ONNX_MODEL = OutputKind("an ONNX model", "model.onnx", is_onnx_model)


def check_export_target(out_path: Path, overwrite: bool = False) -> None:
    """Refuse a target that is not ours to replace: an existing file that is not an ONNX model
    (such as the checkpoint itself, named by mistake, or notes renamed .onnx) would be lost."""
    try:
        check_output_path(Path(out_path), ONNX_MODEL, overwrite)
    except OutputRefused as exc:
        raise ExportError(str(exc)) from None


def export_onnx(
    model: nn.Module,
    out_path: Path | str,
    *,
    trace_size: int = 64,
    check_size: tuple[int, int] = (48, 80),
    tolerance: float = 1e-3,
    opset: int = OPSET,
    overwrite: bool = False,
    metadata: dict[str, str] | None = None,
) -> float:
    """Export ``model`` (input ``N x 3 x H x W`` in [0, 1]) to ``out_path``; return the max difference.

    The graph is traced at one size and verified with ONNX Runtime at another, so a shape baked
    into the graph is caught; the file is written atomically only when the check passes. The
    scale measured in that check goes into the file's metadata (``hggt.scale``), with
    ``metadata`` (such as ``hggt.arch``).
    """
    import onnxruntime as ort

    out_path = Path(out_path)
    check_export_target(out_path, overwrite)
    model = model.eval().float().cpu()
    example = torch.rand(1, 3, trace_size, trace_size, generator=torch.Generator().manual_seed(0))
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # The TorchScript exporter is deprecated in favour of dynamo (which needs onnxscript).
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (example,),
            buffer,
            dynamo=False,
            input_names=["input"],
            output_names=["output"],
            dynamic_axes={
                "input": {0: "batch", 2: "height", 3: "width"},
                "output": {0: "batch", 2: "out_height", 3: "out_width"},
            },
            opset_version=opset,
            do_constant_folding=True,
        )
    data = buffer.getvalue()
    check = torch.rand(2, 3, *check_size, generator=torch.Generator().manual_seed(1))
    with torch.inference_mode():
        expected = model(check).numpy()
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {"input": check.numpy()})
    if got.shape != expected.shape:
        raise ExportError(f"ONNX output shape {got.shape} differs from PyTorch {expected.shape}; not written")
    diff = float(np.max(np.abs(got - expected)))
    if not np.isfinite(diff) or diff > tolerance:
        raise ExportError(f"ONNX output differs from PyTorch by {diff:.2e} (> {tolerance:.0e}); not written")
    scale = _whole_scale(check.shape[2:], expected.shape[2:])
    props = {**({SCALE_KEY: str(scale)} if scale else {}), **(metadata or {})}
    write_bytes_atomic(out_path, _with_metadata(data, props))
    log.info("exported %s (max difference to PyTorch %.1e)", out_path, diff)
    return diff


def _whole_scale(size_in: tuple[int, ...], size_out: tuple[int, ...]) -> int | None:
    """The factor from input to output size when it is one whole number for both sides."""
    (h, w), (out_h, out_w) = size_in, size_out
    if out_h % h or out_w % w or out_h // h != out_w // w:
        return None
    return out_h // h


def _with_metadata(data: bytes, props: dict[str, str]) -> bytes:
    """The serialised model with ``props`` added to its metadata_props (keys replaced, not repeated)."""
    if not props:
        return data
    import onnx

    model = onnx.load_from_string(data)
    kept = [(p.key, p.value) for p in model.metadata_props if p.key not in props]
    del model.metadata_props[:]
    for key, value in [*kept, *props.items()]:
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    return model.SerializeToString()
