"""``hggt-train export``: a trained generator as ONNX for hggt-enhance (via enhance.onnx_export)."""

from __future__ import annotations

from pathlib import Path

from train.checkpoint import CheckpointError
from train.generator import generator_from_checkpoint


class ExportError(Exception):
    """The checkpoint could not be exported; the message names the file."""


def export_checkpoint(
    checkpoint: Path | str,
    out: Path | str,
    params: str = "params_ema",
    opset: int = 17,
    overwrite: bool = False,
) -> Path:
    """Build RRDBNet from ``checkpoint`` (our safetensors or a BasicSR .pth) and write verified ONNX."""
    # The runner owns the exporter (dynamic H/W, checked against PyTorch with ONNX Runtime
    # before the file is written); the trainer only builds the model.
    from enhance.onnx_export import ExportError as OnnxCheckFailed
    from enhance.onnx_export import check_export_target, export_onnx

    out = Path(out)
    try:
        check_export_target(out, overwrite)  # before the checkpoint is even read
    except OnnxCheckFailed as exc:
        raise ExportError(str(exc)) from exc
    try:
        model = generator_from_checkpoint(checkpoint, params)
    except CheckpointError as exc:
        raise ExportError(str(exc)) from exc
    try:
        export_onnx(model, out, opset=opset, overwrite=overwrite)
    except OnnxCheckFailed as exc:
        raise ExportError(f"{out}: {exc}") from exc
    except OSError as exc:  # AtomicWriteError: the ONNX file cannot be written there
        raise ExportError(
            f"{out}: cannot write it ({getattr(exc, 'reason', None) or exc.strerror or exc}); "
            "give a writable file"
        ) from exc
    except RuntimeError as exc:  # torch.onnx refuses the opset (e.g. "Unsupported onnx_opset_version")
        raise ExportError(
            f"{checkpoint}: torch could not export it with --opset {opset} ({str(exc).splitlines()[0]}); "
            "the default --opset 17 works"
        ) from exc
    return out
