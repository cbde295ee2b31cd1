"""bench/gpu_check_enhance.py, the enhancement part of bench/gpu_check.sh, runs end to end."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "gpu_check_enhance.py"


def _run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(SCRIPT.parents[1])}
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )


@pytest.mark.slow
def test_dry_run_measures_every_approach_on_the_cpu(tmp_path):
    done = _run("--dry-run", "--json", str(tmp_path / "figures.json"))
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads((tmp_path / "figures.json").read_text())
    for approach in ("baseline", "fp32", "fp16", "bf16"):
        assert figures[approach]["mp_per_s"] > 0, approach
    for precision in ("fp32", "fp16", "bf16"):
        assert 0 < figures[precision]["engine_busy"] <= 1.0
        assert "PyTorch" in figures[precision]["engine"]  # the engine line, with the precision obtained
    assert figures["bf16"]["max_levels_from_fp32"] >= 0 and "medians of 1 rounds" in done.stdout
    assert figures["model"]["num_feat"] == 8  # the dry run's tiny model, not the published one


@pytest.mark.slow
@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA device is present: the real check would run")
def test_without_a_gpu_the_real_check_says_so_and_exits_2():
    done = _run()
    assert done.returncode == 2 and "no CUDA device" in done.stderr
