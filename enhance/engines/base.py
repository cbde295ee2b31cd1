"""What the runner needs from an inference engine: the protocol, options and shared checks.

The engines import this module; this module imports no engine (``enhance.engines.factory``
picks one), so the engines never import each other.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Protocol

import numpy as np

log = logging.getLogger(__name__)

PRECISIONS = ("fp32", "fp16", "bf16")
PROVIDERS = ("auto", "cuda", "dml", "cpu")
# One 8-bit level: a reduced precision that moves any pixel further than this is refused.
PRECISION_TOLERANCE = 1.0 / 255.0


class EngineError(Exception):
    """A model file or device that cannot run; the message says which and what to do."""


class Engine(Protocol):
    """Runs a batch of ``N x 3 x T x T`` float32 tiles in [0, 1] and returns the output tiles.

    ``infer`` may be called from ``streams`` threads at once (ONNX Runtime sessions and PyTorch
    modules in inference mode are safe to share between threads).
    """

    description: str
    streams: int

    def infer(self, batch: np.ndarray) -> np.ndarray: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class EngineOptions:
    """Device choices for one worker."""

    provider: str = "auto"
    device: int = 0
    precision: str = "fp32"
    streams: int = 0  # concurrent engine calls on the CPU; 0: one per core, up to MAX_CPU_STREAMS


# On the CPU, several single-threaded calls at once beat one call spread over all cores: no
# barrier after every operator (where one preempted thread stalls the others), no idle cores
# while the Python side of a call runs, and each core's caches hold its own tile's activations.
# Measured on a 2-core EPYC with a small RCAN: 0.26 CPU s per megapixel single-threaded against
# 0.29-0.32 with two threads per call. More than a few streams only multiplies the memory.
MAX_CPU_STREAMS = 4


def available_cores() -> int:
    """The CPU cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def cpu_streams(asked: int = 0) -> tuple[int, int]:
    """(streams, threads per stream) for running a model on the CPU; ``asked`` 0 means choose."""
    cores = available_cores()
    streams = asked if asked > 0 else min(cores, MAX_CPU_STREAMS)
    return streams, max(1, cores // streams)


def is_out_of_memory(exc: BaseException) -> bool:
    """True for the device running out of memory (torch CUDA OOM, ORT allocation failures)."""
    name = type(exc).__name__
    text = str(exc).lower()
    if name == "OutOfMemoryError":
        return True
    return any(
        marker in text
        for marker in ("out of memory", "failed to allocate memory", "bfcarena", "cudaerrormemoryallocation")
    )


def probe_precision(run_fp32, run_reduced, probe: np.ndarray, name: str) -> bool:
    """Whether the reduced-precision output stays within one 8-bit level of fp32 on a probe tile."""
    reference = run_fp32(probe)
    try:
        reduced = run_reduced(probe).astype(np.float32)
    except Exception as exc:  # e.g. no fp16 kernels on this device
        log.warning("%s: reduced precision failed on the probe tile (%s); using fp32", name, exc)
        return False
    if not np.all(np.isfinite(reduced)):
        log.warning("%s: reduced precision gives NaN/inf on the probe tile; using fp32", name)
        return False
    diff = float(np.max(np.abs(np.clip(reduced, 0, 1) - np.clip(reference, 0, 1))))
    if diff > PRECISION_TOLERANCE:
        log.warning(
            "%s: reduced precision differs from fp32 by %.1f levels on the probe tile; using fp32",
            name,
            diff * 255,
        )
        return False
    return True
