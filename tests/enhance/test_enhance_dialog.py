"""The app's Enhance dialog: runs hggt-enhance as a separate process, shows progress, cancels."""

import subprocess
import sys

import pytest

from hggt_desktop.gui.enhance_dialog import EnhanceDialog, parse_progress_line
from tests.enhance.models import make_folder, save_pth, tiny_rcan


def _dialog(qtbot, tmp_path, count: int, size=(40, 56)) -> EnhanceDialog:
    make_folder(tmp_path / "in", count, size)
    pth = save_pth(tiny_rcan(), tmp_path / "rcan.pth")
    dialog = EnhanceDialog()
    qtbot.addWidget(dialog)
    dialog.input_row.edit.setText(str(tmp_path / "in"))
    dialog.output_row.edit.setText(str(tmp_path / "out"))
    dialog.model_rows["01"].edit.setText(str(pth))
    dialog.tile.setValue(128)
    dialog.provider.setCurrentText("cpu")
    return dialog


@pytest.mark.slow
def test_dialog_runs_the_folder_and_fills_the_progress_bar(qtbot, tmp_path):
    dialog = _dialog(qtbot, tmp_path, 3)
    with qtbot.waitSignal(dialog.job.finished, timeout=120000) as blocker:
        dialog.start_button.click()
        assert not dialog.start_button.isEnabled() and dialog.cancel_button.isEnabled()
    assert blocker.args[0] == 0, dialog.log.toPlainText()
    assert dialog.progress.value() == dialog.progress.maximum() == 6
    assert "CPUExecutionProvider" not in dialog.log.toPlainText()  # a .pth runs on PyTorch
    assert "PyTorch" in dialog.log.toPlainText()
    assert sorted(p.name for p in (tmp_path / "out" / "01").iterdir()) == [
        "img00_01.png",
        "img01_01.png",
        "img02_01.png",
    ]
    assert dialog.start_button.isEnabled()


@pytest.mark.slow
def test_cancel_stops_the_runner_cleanly(qtbot, tmp_path):
    # 96 images: the cancel comes after the first, so the run can never finish before it
    # lands and 130 is the only right answer.
    count = 96
    dialog = _dialog(qtbot, tmp_path, count, size=(160, 160))
    with qtbot.waitSignal(dialog.job.finished, timeout=120000) as blocker:
        dialog.start_button.click()
        qtbot.waitUntil(lambda: dialog.progress.value() >= count + 1, timeout=60000)  # model 01 started
        dialog.cancel_button.click()
    assert blocker.args[0] == 130, dialog.log.toPlainText()
    assert "stopped" in dialog.status.text()
    assert len(list((tmp_path / "out" / "01").glob("*.png"))) < count


def test_incomplete_form_does_not_start(qtbot):
    # qtbot: the QApplication, which an earlier test no longer provides under -m "not slow".
    dialog = EnhanceDialog()
    qtbot.addWidget(dialog)
    dialog.start_button.click()
    assert not dialog.job.running and "Choose" in dialog.status.text()


def test_progress_lines_are_parsed_and_other_output_ignored():
    assert parse_progress_line('{"event": "image", "done": 3, "total": 8}')["done"] == 3
    assert parse_progress_line("model 01 on device 0: PyTorch") is None
    assert parse_progress_line("[1, 2]") is None


def test_dialog_module_imports_no_ml_framework():
    code = (
        "import sys, hggt_desktop.gui.enhance_dialog\n"
        "bad = [m for m in ('torch', 'onnxruntime', 'enhance') if m in sys.modules]\n"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
