"""PyTorch engine for BasicSR checkpoints (eager, inference mode)."""

from __future__ import annotations

import ctypes
import logging
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

from enhance.checkpoints import build_model
from enhance.engines.base import EngineError, EngineOptions, cpu_streams, probe_precision

log = logging.getLogger(__name__)

_DTYPES = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}
# PyTorch's own choice of CPU threads, put back when a CPU engine closes.
_DEFAULT_THREADS = torch.get_num_threads()


# glibc's mallopt parameters.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_KEEP_BYTES = 1 << 30


def keep_freed_memory() -> bool:
    """Let glibc reuse freed feature maps instead of returning them to the system (Linux).

    Eager PyTorch allocates every intermediate tensor afresh. glibc serves blocks above 32 MB
    (a 64-channel feature map of a 512x448 tile is 57 MB) with mmap and unmaps them on free,
    so each operator starts by page-faulting its output: half of the CPU time of a 64-feature
    RCAN went to the kernel here. Raising the mmap and trim thresholds keeps those blocks in the
    heap for the next operator (what jemalloc or tcmalloc would do); ONNX Runtime has its own
    arena and does not need this. Returns whether the setting was applied.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(
            libc.mallopt(_M_MMAP_THRESHOLD, _KEEP_BYTES) and libc.mallopt(_M_TRIM_THRESHOLD, _KEEP_BYTES)
        )
    except (OSError, AttributeError):  # not glibc (musl): nothing to tune
        return False


def select_device(options: EngineOptions) -> torch.device:
    """The torch device for the options: CUDA when asked or available (auto), else CPU."""
    if options.provider == "dml":
        raise EngineError("DirectML runs ONNX models only: export the checkpoint with 'hggt-enhance export'")
    if options.provider in ("cuda", "auto") and torch.cuda.is_available():
        if options.device >= torch.cuda.device_count():
            raise EngineError(
                f"CUDA device {options.device} does not exist ({torch.cuda.device_count()} found)"
            )
        return torch.device("cuda", options.device)
    if options.provider == "cuda":
        log.warning("!! CUDA was asked for but PyTorch sees no CUDA device: running on the CPU (slow) !!")
    return torch.device("cpu")


class TorchEngine:
    """Runs a PyTorch module on one device, in the precision the model tolerates."""

    def __init__(self, model: nn.Module, options: EngineOptions, name: str = "model") -> None:
        self.device = select_device(options)
        self.streams = 1
        if self.device.type == "cpu":
            # Several calls at once, few threads each (see cpu_streams); denormals flushed to
            # zero as in the ONNX engine. Both settings are process-wide in PyTorch: close()
            # puts back the thread count and PyTorch's default (no flushing).
            self.streams, threads = cpu_streams(options.streams)
            torch.set_flush_denormal(True)
            torch.set_num_threads(threads)
            keep_freed_memory()
        # Channels-last (NHWC) convolutions are ~1.8x faster than NCHW for these models on the
        # CPU (oneDNN) and are what tensor cores want on the GPU.
        self.model = model.eval().to(self.device, memory_format=torch.channels_last)
        self.dtype = torch.float32
        self.name = name
        if options.precision != "fp32":
            self._choose_precision(_DTYPES[options.precision])
        precision = {v: k for k, v in _DTYPES.items()}[self.dtype]
        streams = f", {self.streams} streams" if self.streams > 1 else ""
        self.description = f"PyTorch {torch.__version__} on {self.device} ({precision}{streams})"

    @classmethod
    def from_checkpoint(cls, path: Path, options: EngineOptions) -> TorchEngine:
        model, arch, _config = build_model(path)
        return cls(model, options, name=f"{path.name} ({arch})")

    def _choose_precision(self, dtype: torch.dtype) -> None:
        # A random tile: enough structure to excite the network; fp32 first, then reduced.
        probe = np.random.default_rng(0).random((1, 3, 64, 64), dtype=np.float32)

        def run_reduced(batch: np.ndarray) -> np.ndarray:
            self.model.to(dtype)
            self.dtype = dtype
            return self.infer(batch)

        if not probe_precision(self.infer, run_reduced, probe, self.name):
            self.model.float()
            self.dtype = torch.float32

    def infer(self, batch: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            x = torch.from_numpy(batch).to(self.device, self.dtype, non_blocking=True)
            y = self.model(x.contiguous(memory_format=torch.channels_last))
            return y.float().cpu().contiguous().numpy()

    def close(self) -> None:
        self.model.cpu()
        if self.device.type == "cpu":
            torch.set_num_threads(_DEFAULT_THREADS)
            torch.set_flush_denormal(False)
        if self.device.type == "cuda":
            torch.cuda.empty_cache()
