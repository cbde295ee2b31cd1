"""ONNX Runtime engine: CUDA, DirectML or CPU, reporting the provider actually obtained."""

from __future__ import annotations

import logging
import os
from pathlib import Path

# ORT collects telemetry by default (a device id under ~/.cache and a lookup of an events host);
# the variable must be set before the module is imported to stop both.
os.environ["ORT_DISABLE_TELEMETRY"] = "1"

import numpy as np
import onnxruntime as ort

from enhance.engines.base import EngineError, EngineOptions, cpu_streams
from enhance.engines.cuda_driver import cuda_device_count

log = logging.getLogger(__name__)

_PROVIDER_NAMES = {
    "cuda": "CUDAExecutionProvider",
    "dml": "DmlExecutionProvider",
    "cpu": "CPUExecutionProvider",
}


def requested_providers(options: EngineOptions) -> list:
    """The provider list to ask ORT for, most preferred first, always ending with the CPU."""
    available = ort.get_available_providers()
    if options.provider == "auto":
        # CUDA only where the driver reports a device: onnxruntime-gpu lists the provider anyway.
        usable = {"cuda": cuda_device_count() > 0, "dml": True}
        wanted = [p for p in ("cuda", "dml") if _PROVIDER_NAMES[p] in available and usable[p]]
    elif options.provider == "cpu":
        wanted = []
    else:
        wanted = [options.provider]
    providers: list = []
    for name in wanted:
        if name == "cuda":
            # Fixed tile shapes let the exhaustive convolution search run once per model.
            providers.append(
                (
                    "CUDAExecutionProvider",
                    {"device_id": options.device, "cudnn_conv_algo_search": "EXHAUSTIVE"},
                )
            )
        else:
            providers.append((_PROVIDER_NAMES[name], {"device_id": options.device}))
    providers.append("CPUExecutionProvider")
    return providers


class OnnxEngine:
    """Runs an ONNX model exported with dynamic height and width."""

    def __init__(self, path: Path, options: EngineOptions) -> None:
        asked = requested_providers(options)
        on_cpu = asked[0] == "CPUExecutionProvider"
        # On the CPU, several calls at once with few threads each (see cpu_streams); on a GPU one
        # call at a time, with CPU threads only for what the provider leaves to the CPU.
        self.streams, threads = cpu_streams(options.streams) if on_cpu else (1, 0)
        session_options = ort.SessionOptions()
        session_options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session_options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        session_options.intra_op_num_threads = threads  # 0: one per physical core
        # Tiles of one image share a shape, so the memory plan of the first call is reused.
        session_options.enable_mem_pattern = True
        # Reader and writer threads share the cores: idle ORT workers must sleep, not spin.
        session_options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        # Denormal floats (below 1.2e-38) take a slow path on x86 CPUs; flushed to zero they
        # change no 8-bit output.
        session_options.add_session_config_entry("session.set_denormal_as_zero", "1")
        try:
            self.session = ort.InferenceSession(str(path), session_options, providers=asked)
        except Exception as exc:  # ORT raises its own exception types for invalid graphs
            first = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
            raise EngineError(f"{path}: not a usable ONNX model ({first}); export it again") from exc
        self.providers = self.session.get_providers()
        asked_names = [p[0] if isinstance(p, tuple) else p for p in asked]
        if asked_names[0] != "CPUExecutionProvider" and self.providers[0] == "CPUExecutionProvider":
            # ORT falls back to the CPU with only a log line when CUDA/cuDNN do not match.
            log.warning(
                "!! %s was asked for but ONNX Runtime runs %s on the CPU (check the CUDA/cuDNN "
                "versions onnxruntime-gpu %s needs) !!",
                asked_names[0],
                path.name,
                ort.__version__,
            )
        model_input = self.session.get_inputs()[0]
        self.input_name = model_input.name
        self.input_type = np.float16 if model_input.type == "tensor(float16)" else np.float32
        if options.precision != "fp32":
            log.warning(
                "%s: ONNX models run in the precision they were exported in (%s); --precision %s ignored",
                path.name,
                "fp16" if self.input_type == np.float16 else "fp32",
                options.precision,
            )
        streams = f", {self.streams} streams x {threads} threads" if self.streams > 1 else ""
        why = ""
        if options.provider == "auto" and on_cpu and "CUDAExecutionProvider" in ort.get_available_providers():
            why = " (no CUDA device here, so the CPU)"
        self.description = f"ONNX Runtime {ort.__version__} providers {self.providers}{why}{streams}"

    def infer(self, batch: np.ndarray) -> np.ndarray:
        (output,) = self.session.run(None, {self.input_name: batch.astype(self.input_type, copy=False)})
        return output.astype(np.float32, copy=False)

    def close(self) -> None:
        del self.session
