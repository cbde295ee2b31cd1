"""Quiet when all is well: on a machine without CUDA, 'auto' runs on the CPU and says so in one
line, with no library errors and no warning; the app's log shows plain text, each line once.

Regression (issue 14): without a GPU, '--provider auto' printed ONNX Runtime's red library
errors and "WARNING !! CUDAExecutionProvider was asked for" for every ONNX model, and the
enhance dialog showed raw ANSI escapes and each engine line twice.
"""

import subprocess
import sys

import pytest

from enhance.engines.base import EngineOptions
from enhance.engines.cuda_driver import cuda_device_count
from enhance.engines.onnx_engine import requested_providers
from enhance.onnx_export import export_onnx
from hggt_desktop.gui.enhance_dialog import EnhanceDialog, plain_lines
from tests.enhance.models import make_folder, tiny_rcan

no_gpu = pytest.mark.skipif(cuda_device_count() > 0, reason="a CUDA device is present: 'auto' uses it")


def _onnx(tmp_path):
    path = tmp_path / "rcan.onnx"
    export_onnx(tiny_rcan(), path)
    return path


def test_auto_asks_for_cuda_only_where_the_driver_reports_a_device(monkeypatch):
    import enhance.engines.onnx_engine as onnx_engine

    monkeypatch.setattr(onnx_engine, "cuda_device_count", lambda: 0)
    assert requested_providers(EngineOptions(provider="auto")) == ["CPUExecutionProvider"]
    # Asked for by name, CUDA is still tried (and a fallback to the CPU is then worth a warning).
    assert requested_providers(EngineOptions(provider="cuda"))[0][0] == "CUDAExecutionProvider"


@no_gpu
def test_auto_on_a_machine_without_cuda_says_cpu_in_one_line_and_warns_of_nothing(tmp_path):
    make_folder(tmp_path / "in", 1)
    command = [sys.executable, "-m", "enhance.cli", str(tmp_path / "in"), str(tmp_path / "out")]
    done = subprocess.run(
        [*command, "--model", f"01={_onnx(tmp_path)}", "--tile", "32", "--overlap", "8"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = plain_lines(done.stderr)
    assert [line for line in lines if "CPU" in line] == [
        next(line for line in lines if line.startswith("model 01 on device 0: ONNX Runtime"))
    ]
    assert "no CUDA device here, so the CPU" in done.stderr
    for noise in ("WARNING", "\x1b[", "[E:onnxruntime", "[W:onnxruntime"):
        assert noise not in done.stderr


def test_terminal_codes_and_bar_redraws_become_plain_lines():
    text = "\x1b[1;31m2026 [E:onnxruntime] failed\x1b[m\n 10%|#  |\r 50%|##  |\rmodel 01: CPU\n\n"
    assert plain_lines(text) == ["2026 [E:onnxruntime] failed", "model 01: CPU"]


@no_gpu
def test_dialog_log_shows_each_line_once_in_plain_text(qtbot, tmp_path):
    make_folder(tmp_path / "in", 2)
    dialog = EnhanceDialog()
    qtbot.addWidget(dialog)
    dialog.input_row.edit.setText(str(tmp_path / "in"))
    dialog.output_row.edit.setText(str(tmp_path / "out"))
    dialog.model_rows["01"].edit.setText(str(_onnx(tmp_path)))
    dialog.tile.setValue(128)
    with qtbot.waitSignal(dialog.job.finished, timeout=120000) as blocker:
        dialog.start_button.click()
    log = dialog.log.toPlainText()
    assert blocker.args[0] == 0, log
    lines = log.splitlines()
    assert len(lines) == len(set(lines)) and "\x1b" not in log
    assert sum("ONNX Runtime" in line for line in lines) == 1
