"""Segmentation guidance on the classical-SR path: the term is logged, off is unchanged, refusals."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
import torch

from tests.train.classical_helpers import PHOTOS
from tests.train.classical_helpers import tiny_classical as _tiny
from tests.train.test_segmentation import RedVsGreen, _scripted
from train.classical import fit_classical
from train.cli import main

PLAIN = {"seg_mean": [0.0, 0.0, 0.0], "seg_std": [1.0, 1.0, 1.0]}


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    out = tmp_path / "photos"
    out.mkdir()
    for name in ("astronaut.png", "coffee.png"):
        shutil.copy(PHOTOS / name, out / name)
    return out


@pytest.mark.slow
def test_the_term_is_reported_each_step_and_w_seg_zero_is_bit_identical(photos: Path, tmp_path: Path) -> None:
    seg_file = str(_scripted(tmp_path, RedVsGreen()))
    schedule = {"total_iter": 3, "milestones": [2]}
    runs, logged = {}, {}
    for name, seg in (
        ("plain", {}),
        ("off", {"w_seg": 0.0, "seg_weights": seg_file, **PLAIN}),
        ("on", {"w_seg": 1.0, "seg_weights": seg_file, **PLAIN}),
    ):
        steps: list[dict[str, float]] = []
        run = fit_classical(
            _tiny(**schedule, **seg),
            photos,
            tmp_path / name,
            on_step=lambda _, t, steps=steps: steps.append(t),
        )
        runs[name], logged[name] = run.model.state_dict(), steps
    assert all(set(terms) == {"l1", "l_seg"} and terms["l_seg"] > 0 for terms in logged["on"])
    assert all(set(terms) == {"l1"} for terms in logged["off"])
    assert logged["off"] == logged["plain"]
    assert all(torch.equal(runs["off"][k], runs["plain"][k]) for k in runs["plain"])
    assert not all(torch.equal(runs["on"][k], runs["plain"][k]) for k in runs["plain"])


def _cli(photos: Path, out: Path, *seg: str) -> int:
    args = [
        "classical",
        str(photos),
        "--out",
        str(out),
        "--schedule",
        "2e-6",
        "--workers",
        "0",
        "--seg",
        *seg,
    ]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            "train.classical.CLASSICAL_PRESETS",
            {"classical": {"num_feat": 8, "num_block": 1, "gt_size": 32, "batch_size": 2}},
        )
        return main(args)


@pytest.mark.slow
def test_the_cli_takes_fits_seg_settings_and_logs_the_term(
    photos: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    seg_file = _scripted(tmp_path, RedVsGreen())
    with caplog.at_level(logging.INFO):
        assert _cli(photos, tmp_path / "run", "w_seg=0.5", f"seg_weights={seg_file}", "seg_size=16") == 0
    assert "step 1: l1 " in caplog.text and ", l_seg " in caplog.text


def test_the_cli_refuses_bad_seg_settings_before_training(
    photos: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state_dict = tmp_path / "state_dict.pt"
    torch.save(RedVsGreen().state_dict(), state_dict)
    cases = [
        (["seg_labels=labels"], "takes no label folder"),
        (["batch_size=3"], "takes only the segmentation settings"),
        (["w_seg=1"], "seg_weights is not set"),
        (["w_seg=1", "seg_weights=absent.pt"], "seg_weights=absent.pt: no such file"),
        (["w_seg=-1", f"seg_weights={state_dict}"], "w_seg must be 0 (off) or a positive weight"),
        (["w_seg=1", f"seg_weights={state_dict}"], f"seg_weights={state_dict}: is not a TorchScript file"),
        (["w_seg=1", f"seg_weights={state_dict}", "seg_arch=tiny_unet"], "is not a safetensors file"),
    ]
    for seg, message in cases:
        assert _cli(photos, tmp_path / "bad", *seg) == 2, seg
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err, (seg, err)
    assert not (tmp_path / "bad").exists()
