"""Whether this machine has a usable CUDA device, asked of the NVIDIA driver itself.

``onnxruntime-gpu`` lists ``CUDAExecutionProvider`` as available on any machine, GPU or not; asking
it for CUDA where there is none prints red library errors and a warning for every model. The
driver library answers in milliseconds, without PyTorch or ONNX Runtime: no library, or no
device, means the CPU is the right choice and nothing is wrong.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import sys

log = logging.getLogger(__name__)

_LIBRARIES = ("nvcuda.dll",) if sys.platform == "win32" else ("libcuda.so.1", "libcuda.so")
_CUDA_SUCCESS = 0


@functools.cache
def cuda_device_count() -> int:
    """CUDA devices the driver reports (0 without a driver, without a device, or on error)."""
    for name in _LIBRARIES:
        try:
            driver = ctypes.CDLL(name)
        except OSError:
            continue
        try:
            if driver.cuInit(0) != _CUDA_SUCCESS:
                return 0
            count = ctypes.c_int(0)
            if driver.cuDeviceGetCount(ctypes.byref(count)) != _CUDA_SUCCESS:
                return 0
            return count.value
        except AttributeError:  # not a CUDA driver library after all
            return 0
    return 0
