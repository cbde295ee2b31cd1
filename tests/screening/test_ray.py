"""--ray: a local 2-CPU Ray instance writes the local run's manifest; without --ray, Ray is never imported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hggt_desktop.cli.data import main
from tests.screening.test_screen import make_source

ROOT = Path(__file__).resolve().parents[2]


def test_a_local_run_imports_neither_ray_nor_onnx_runtime(tmp_path: Path) -> None:
    source = make_source(tmp_path / "photos")
    code = (
        "import json, sys\n"
        "from hggt_desktop.cli import data\n"
        f"data.main(['screen', {str(source)!r}, {str(tmp_path / 'out')!r}, '--workers', '1', '--min-quality', '0'])\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('ray', 'onnxruntime', 'torch', 'PySide6'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


@pytest.mark.slow
def test_ray_on_a_local_instance_writes_the_local_runs_manifest(tmp_path: Path) -> None:
    pytest.importorskip("ray.data", reason="Ray is the optional [cluster] extra; not installed here")
    source = make_source(tmp_path / "photos", extra=6)
    common = ["--min-quality", "0"]
    assert main(["screen", str(source), str(tmp_path / "local"), "--workers", "2", *common]) == 0
    assert main(["screen", str(source), str(tmp_path / "ray"), "--ray", "--workers", "2", *common]) == 0
    local = (tmp_path / "local" / "manifest.jsonl").read_bytes()
    assert local.count(b"\n") == 14
    assert (tmp_path / "ray" / "manifest.jsonl").read_bytes() == local
    assert (tmp_path / "ray" / "kept.txt").read_text() == (tmp_path / "local" / "kept.txt").read_text()
    assert json.loads((tmp_path / "ray" / "summary.json").read_text())["kept"] > 0
