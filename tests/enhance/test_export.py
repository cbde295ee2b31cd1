"""ONNX export: dynamic height/width, ONNX Runtime equals PyTorch, engines agree."""

import numpy as np
import pytest
import torch

from enhance.engines.base import EngineOptions
from enhance.engines.onnx_engine import OnnxEngine
from enhance.engines.torch_engine import TorchEngine
from enhance.onnx_export import ExportError, export_onnx
from tests.enhance.models import tiny_elan, tiny_rcan


@pytest.mark.slow
@pytest.mark.parametrize("make", [tiny_rcan, tiny_elan])
def test_exported_model_matches_pytorch_at_other_sizes(tmp_path, make):
    model = make()
    path = tmp_path / "model.onnx"
    export_onnx(model, path)
    engine = OnnxEngine(path, EngineOptions(provider="cpu"))
    assert engine.providers == ["CPUExecutionProvider"]
    batch = np.random.default_rng(0).random((2, 3, 40, 72), dtype=np.float32)
    with torch.inference_mode():
        expected = model(torch.from_numpy(batch)).numpy()
    assert np.abs(engine.infer(batch) - expected).max() < 1e-4


def test_export_that_does_not_match_writes_nothing(tmp_path):
    class Unexportable(torch.nn.Module):
        def forward(self, x):
            # A Python-side random draw is frozen into the trace: ONNX and PyTorch then differ.
            return x * float(np.random.default_rng().random() + 1)

    path = tmp_path / "bad.onnx"
    with pytest.raises(ExportError):
        export_onnx(Unexportable(), path)
    assert not path.exists()


def test_torch_engine_falls_back_to_fp32_when_reduced_precision_is_too_coarse():
    class Amplifier(torch.nn.Module):
        # Reduced precision error amplified far beyond one 8-bit level.
        def forward(self, x):
            y = x * 300.0
            return (y + x) - y

    engine = TorchEngine(Amplifier(), EngineOptions(provider="cpu", precision="bf16"))
    assert engine.dtype == torch.float32
    assert "fp32" in engine.description
