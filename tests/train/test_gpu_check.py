"""bench/gpu_check.sh keeps working: its dry run (the CPU-compatible parts) passes and reports."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_gpu_check_dry_run_writes_its_report(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHON": sys.executable, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        ["bash", str(REPO / "bench" / "gpu_check.sh"), "--dry-run", "--out", str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    report = (tmp_path / "gpu_check.md").read_text()
    assert "fp32:" in report and "bf16:" in report and "TFLOP/step" in report
    assert "CUDA-only tests" in report and "FAILED" not in report
    assert (tmp_path / "step.json").is_file()
