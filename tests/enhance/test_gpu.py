"""GPU paths: CUDA provider and cuda devices. Skipped (with the reason) where there is no GPU."""

import os

import numpy as np
import pytest
import torch

from enhance.engines.base import EngineOptions
from enhance.onnx_export import export_onnx
from tests.enhance.models import smooth_image, tiny_rcan, torch_infer

os.environ["ORT_DISABLE_TELEMETRY"] = "1"

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device: GPU paths not exercised here"),
]


def test_onnx_runs_on_the_cuda_provider_and_matches_the_cpu(tmp_path):
    from enhance.engines.onnx_engine import OnnxEngine
    from enhance.tiling import tile_image

    model = tiny_rcan()
    export_onnx(model, tmp_path / "m.onnx")
    engine = OnnxEngine(tmp_path / "m.onnx", EngineOptions(provider="cuda"))
    assert engine.providers[0] == "CUDAExecutionProvider"
    image = smooth_image(100, 140)
    gpu = tile_image(image, 64, 16, engine.infer, batch=4)
    cpu = tile_image(image, 64, 16, torch_infer(model), batch=4)
    assert np.abs(gpu.astype(int) - cpu.astype(int)).max() <= 1


def test_torch_engine_uses_the_cuda_device_and_probes_fp16():
    from enhance.engines.torch_engine import TorchEngine

    engine = TorchEngine(tiny_rcan(), EngineOptions(provider="cuda", precision="fp16"))
    assert engine.device.type == "cuda"
    assert engine.dtype in (torch.float16, torch.float32)
    out = engine.infer(np.random.default_rng(0).random((2, 3, 64, 64), dtype=np.float32))
    assert out.shape == (2, 3, 64, 64) and np.isfinite(out).all()
