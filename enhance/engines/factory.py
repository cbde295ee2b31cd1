"""Which engine runs a model file: the one module that knows every engine."""

from __future__ import annotations

from pathlib import Path

from enhance.engines.base import Engine, EngineOptions


def open_engine(path: Path, options: EngineOptions) -> Engine:
    """An engine for a model file: ONNX Runtime for ``.onnx``, PyTorch for checkpoints.

    Each engine is imported only when asked for, so a run of ONNX models never loads torch.
    """
    if path.suffix.lower() == ".onnx":
        from enhance.engines.onnx_engine import OnnxEngine

        return OnnxEngine(path, options)
    from enhance.engines.torch_engine import TorchEngine

    return TorchEngine.from_checkpoint(path, options)
