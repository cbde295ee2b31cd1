"""Tools > Enhance a folder with an external model described in a TOML file."""

import json

import numpy as np
import pytest

from hggt_desktop.core.images import read_image
from hggt_desktop.gui.enhance_dialog import MODEL_FILTER, EnhanceDialog
from tests.enhance.external_models import INVERT, python, write_script
from tests.enhance.models import make_folder


@pytest.mark.slow
def test_dialog_runs_an_external_model_description(qtbot, tmp_path):
    assert "*.toml" in MODEL_FILTER.split(";;")[0]
    names = make_folder(tmp_path / "in", 2)
    script = write_script(tmp_path, "invert", INVERT)
    command = [python(), str(script), "{in}", "{out}", str(tmp_path / "calls.txt")]
    description = tmp_path / "invert.toml"
    description.write_text(f"command = {json.dumps(command)}\n", encoding="utf-8")
    dialog = EnhanceDialog()
    qtbot.addWidget(dialog)
    dialog.input_row.edit.setText(str(tmp_path / "in"))
    dialog.output_row.edit.setText(str(tmp_path / "out"))
    dialog.model_rows["03"].edit.setText(str(description))
    with qtbot.waitSignal(dialog.job.finished, timeout=120000) as blocker:
        dialog.start_button.click()
    assert blocker.args[0] == 0, dialog.log.toPlainText()
    assert "external command" in dialog.log.toPlainText()
    assert dialog.progress.value() == dialog.progress.maximum() == 4
    for name in names:
        source = read_image(tmp_path / "in" / name)
        assert np.array_equal(
            read_image(tmp_path / "out" / "03" / name.replace(".png", "_03.png")), 255 - source
        )
