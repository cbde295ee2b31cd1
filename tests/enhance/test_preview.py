"""``hggt-enhance preview`` and the dialog's Preview button: every model on one photo, timed."""

import json

import numpy as np
import pytest

from enhance.cli import main
from enhance.preview import LABEL_HEIGHT
from hggt_desktop.core.images import read_image
from hggt_desktop.gui.enhance_dialog import EnhanceDialog
from tests.enhance.external_models import FLAKY, INVERT, python, write_script
from tests.enhance.models import make_folder, save_pth, tiny_rcan


def _toml(tmp_path, name, script, *args) -> str:
    path = tmp_path / f"{name}.toml"
    command = [python(), str(write_script(tmp_path, name, script)), "{in}", "{out}", *args]
    path.write_text(f"command = {json.dumps(command)}\n", encoding="utf-8")
    return str(path)


def _events(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


@pytest.mark.slow
def test_preview_writes_versions_side_by_side_and_projects_the_folder(tmp_path, capsys):
    names = make_folder(tmp_path / "in", 3, size=(120, 160))
    pth = save_pth(tiny_rcan(), tmp_path / "rcan.pth")
    invert = _toml(tmp_path, "invert", INVERT, str(tmp_path / "calls.txt"))
    broken = _toml(tmp_path, "flaky", FLAKY)  # img00 is the photo it fails on
    photo = tmp_path / "in" / names[0]
    out = tmp_path / "preview"
    missing = tmp_path / "missing.toml"  # a program that cannot start: fatal for its own run only
    missing.write_text(f"command = {json.dumps([str(tmp_path / 'no-such-program'), '{in}', '{out}'])}\n")
    models = {"01": pth, "02": missing, "03": invert, "04": broken}
    args = ["preview", str(photo), *[f"--model={mid}={value}" for mid, value in models.items()]]
    code = main(
        [*args, "--crop", "64,48", "--out", str(out), "--tile", "32", "--overlap", "8", "--progress-json"]
    )
    captured = capsys.readouterr()
    assert code == 1, captured.err  # two models failed
    events = _events(captured.out)
    models = {e["model"]: e for e in events if e["event"] == "preview_model"}
    assert models["01"]["ok"] and models["03"]["ok"] and not models["04"]["ok"]
    assert not models["02"]["ok"] and "cannot start" in models["02"]["message"]
    assert "CUDA error" in models["04"]["message"]  # the broken command's stderr, quoted
    # The folder (3 photos of 120x160, 120x160 ... ) is projected from the crop's time per pixel.
    folder_mp = sum((120 + i) * 160 for i in range(3)) / 1e6
    for model in ("01", "03"):
        expected = models[model]["seconds"] / (64 * 48 / 1e6) * folder_mp
        assert models[model]["projected_s"] == pytest.approx(expected, rel=0.01, abs=0.1)
    (final,) = [e for e in events if e["event"] == "preview"]
    assert final["photos"] == 3
    crop = read_image(photo)[36:84, 48:112]  # the centre 64x48
    assert np.array_equal(read_image(out / "img00_original.png"), crop)
    assert np.array_equal(read_image(out / "img00_03.png"), 255 - crop)
    assert read_image(out / "img00_01.png").shape == crop.shape
    combined = read_image(final["path"])
    assert combined.shape == (48 + LABEL_HEIGHT, 3 * 64 + 2 * 4, 3)  # original | 01 | 03
    assert np.array_equal(combined[LABEL_HEIGHT:, :64], crop)
    assert "whole folder about" in captured.err and "model 04 FAILED" in captured.err
    assert "stopped" not in captured.err


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--crop", "10"], "--crop"),
        (["--crop", "500,500,10,10"], "outside"),
        (["--model", "01=no.pth"], "not found"),
    ],
)
def test_preview_usage_errors_exit_2(tmp_path, capsys, extra, expected):
    names = make_folder(tmp_path / "in", 1)
    invert = _toml(tmp_path, "invert", INVERT, str(tmp_path / "calls.txt"))
    models = extra if extra[0] == "--model" else ["--model", f"03={invert}", *extra]
    assert main(["preview", str(tmp_path / "in" / names[0]), *models]) == 2
    assert expected in capsys.readouterr().err


@pytest.mark.slow
def test_preview_button_runs_the_first_photo_and_shows_the_result(qtbot, tmp_path):
    make_folder(tmp_path / "in", 2, size=(40, 56))
    invert = _toml(tmp_path, "invert", INVERT, str(tmp_path / "calls.txt"))
    dialog = EnhanceDialog()
    qtbot.addWidget(dialog)
    dialog.input_row.edit.setText(str(tmp_path / "in"))
    dialog.output_row.edit.setText(str(tmp_path / "out"))
    dialog.model_rows["03"].edit.setText(invert)
    with qtbot.waitSignal(dialog.job.finished, timeout=120000) as blocker:
        dialog.preview_button.click()
        assert not dialog.preview_button.isEnabled() and not dialog.start_button.isEnabled()
    assert blocker.args[0] == 0, dialog.log.toPlainText()
    assert "preview, model 03" in dialog.log.toPlainText() and "whole folder about" in dialog.status.text()
    window = dialog.preview_window
    assert window is not None and window.isVisible()
    shown = window.image_label.pixmap()
    assert shown.width() == 2 * 56 + 4  # original and version at 1:1 (the crop is the whole photo)
    assert (tmp_path / "out" / ".hggt-enhance" / "preview" / "img00_preview.png").is_file()
    assert not (tmp_path / "out" / "03").exists()  # a preview is not a run


def test_preview_button_needs_photos_and_a_model(qtbot, tmp_path):
    dialog = EnhanceDialog()
    qtbot.addWidget(dialog)
    dialog.input_row.edit.setText(str(tmp_path))  # an empty folder
    dialog.preview_button.click()
    assert not dialog.job.running and "preview" in dialog.status.text()
