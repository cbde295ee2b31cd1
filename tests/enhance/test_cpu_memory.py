"""The PyTorch engine on the CPU reuses freed feature maps instead of page-faulting new ones."""

import json
import subprocess
import sys

import pytest

# Runs in a fresh process: glibc's settings are process-wide and another test may have set them.
PROGRAM = """
import json, resource, sys
import numpy as np, torch
from torch import nn
from enhance.engines.base import EngineOptions
from enhance.engines.torch_engine import TorchEngine

torch.manual_seed(0)
# 64-channel maps of a 384x384 tile are 38 MB each: above glibc's largest mmap threshold.
model = nn.Sequential(nn.Conv2d(3, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 64, 3, padding=1),
                      nn.ReLU(), nn.Conv2d(64, 3, 3, padding=1))
tile = np.random.default_rng(0).random((1, 3, 384, 384), dtype=np.float32)
if sys.argv[1] == "engine":
    infer = TorchEngine(model, EngineOptions(provider="cpu", streams=1)).infer
else:  # the same model called as plain eager PyTorch
    torch.set_num_threads(1)
    def infer(batch):
        with torch.inference_mode():
            return model(torch.from_numpy(batch)).numpy()
infer(tile)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(3):
    infer(tile)
print(json.dumps((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 3))
"""


def _faults_per_call(mode: str) -> float:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, mode], capture_output=True, text=True, check=True, timeout=300
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the glibc allocator setting is Linux-only")
def test_cpu_engine_does_not_page_fault_its_feature_maps_on_every_call():
    plain = _faults_per_call("plain")
    engine = _faults_per_call("engine")
    # Plain eager PyTorch faults in each 38 MB map afresh (about 9,000 pages each, several maps
    # a call: 75,000 here); the engine's calls mostly reuse the memory of the previous one
    # (9,000 here: one map still comes from a worker thread's own heap).
    assert plain > 20_000
    assert engine < plain / 4
