"""hggt-train classical as a user runs it: --set for small runs, Ctrl+C, and folders it must not touch."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import pytest
import torch

from train.classical import ClassicalConfig, ClassicalRunError, classical_config, fit_classical
from train.classical_cli import TUNABLE, parse_settings

PHOTOS = Path(__file__).resolve().parents[2] / "resources" / "photos"
SMALL = ["--set", "num_feat=8", "num_block=1", "batch_size=2", "gt_size=32", "total_iter=3"]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    out = tmp_path / "photos"
    out.mkdir()
    for name in ("astronaut.png", "chelsea.png"):
        shutil.copy(PHOTOS / name, out / name)
    return out


def _tiny(**overrides: object) -> ClassicalConfig:
    base = {"num_feat": 8, "num_block": 1, "gt_size": 32, "batch_size": 2, "num_workers": 0}
    return classical_config("classical", **{**base, **overrides})


def test_every_tunable_setting_is_a_field_of_the_config() -> None:
    assert set(TUNABLE) <= set(ClassicalConfig.__dataclass_fields__)


def test_set_trains_a_small_run_from_the_command_line(folder: Path, tmp_path: Path, capsys) -> None:
    from train.cli import main

    args = ["classical", str(folder), "--out", str(tmp_path / "run"), "--workers", "0", *SMALL]
    assert main(args) == 0
    assert "3 steps; files skipped: 0" in capsys.readouterr().out
    saved = torch.load(tmp_path / "run" / "state.pt", weights_only=True)["config"]
    assert (saved["num_feat"], saved["gt_size"], saved["total_iter"]) == (8, 32, 3)


def test_a_bad_set_item_is_refused_with_what_to_give(folder: Path, tmp_path: Path, capsys) -> None:
    from train.cli import main

    args = ["classical", str(folder), "--out", str(tmp_path / "run"), "--set", "num_feet=8", "batch_size=x"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "--set num_feet=8: give KEY=VALUE with KEY one of num_feat" in err
    assert "--set batch_size=x: batch_size takes a int" in err
    assert not (tmp_path / "run").exists()
    with pytest.raises(ValueError, match="must be above 0"):
        parse_settings(["total_iter=0"])


def test_a_shorter_total_keeps_the_milestones_at_their_fractions() -> None:
    assert classical_config("classical", total_iter=100).milestones == [25, 50, 75]
    assert classical_config("classical-edsr", total_iter=300).milestones == [200]


def test_a_crop_that_is_no_multiple_of_the_scale_is_refused(folder: Path, tmp_path: Path, capsys) -> None:
    from train.cli import main

    args = ["classical", str(folder), "--out", str(tmp_path / "run"), "--scale", "3", *SMALL]
    assert main(args) == 2
    assert "gt_size 32 is no multiple of --scale 3; give --set gt_size=30" in capsys.readouterr().err


def test_an_out_that_is_a_file_is_refused_by_name(folder: Path, tmp_path: Path, capsys) -> None:
    from train.cli import main

    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    args = ["classical", str(folder), "--out", str(tmp_path / "notes.txt"), *SMALL]
    assert main(args) == 2
    assert "notes.txt is a file; give a folder" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_a_folder_holding_a_model_but_no_run_is_not_overwritten(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "model.pth").write_bytes(b"the user's own weights")
    with pytest.raises(ClassicalRunError, match="model.pth exists but .*state.pt does not.*another --out"):
        fit_classical(_tiny(total_iter=2), folder, out)
    assert (out / "model.pth").read_bytes() == b"the user's own weights"


def test_a_damaged_training_state_is_named_and_kept(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "state.pt").write_bytes(b"<html>proxy error</html>")
    with pytest.raises(ClassicalRunError, match=r"state\.pt: not a readable training state .*move it away"):
        fit_classical(_tiny(total_iter=2), folder, out)
    assert (out / "state.pt").read_bytes() == b"<html>proxy error</html>"


@pytest.mark.slow
def test_ctrl_c_saves_the_finished_step_and_the_run_resumes_exactly(folder: Path, tmp_path: Path) -> None:
    cfg = _tiny(total_iter=4, milestones=[3], save_every=1000)
    straight = fit_classical(cfg, folder, tmp_path / "straight").model.state_dict()

    def interrupt(step: int, terms: dict[str, float]) -> None:
        if step == 2:
            os.kill(os.getpid(), signal.SIGINT)

    before = signal.getsignal(signal.SIGINT)  # another test may have left its own handler
    stopped = fit_classical(cfg, folder, tmp_path / "run", on_step=interrupt)
    assert stopped.interrupted and stopped.step == 2
    assert signal.getsignal(signal.SIGINT) is before
    assert torch.load(tmp_path / "run" / "state.pt", weights_only=True)["step"] == 2
    resumed = fit_classical(cfg, folder, tmp_path / "run")
    assert resumed.step == 4 and not resumed.interrupted
    for name, value in resumed.model.state_dict().items():
        assert torch.equal(value, straight[name]), name


def test_ctrl_c_before_training_says_nothing_was_saved(
    folder: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    from train.cli import main

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("train.classical.fit_classical", interrupted)
    assert main(["classical", str(folder), "--out", str(tmp_path / "run"), *SMALL]) == 130
    err = capsys.readouterr().err
    assert "interrupted before training started; nothing was saved" in err and "Traceback" not in err
