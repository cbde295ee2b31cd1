"""Classical SR on a folder of photos or a kept list: L1 falls, bad files are skipped, resume exact."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch

from hggt_desktop.core.images import write_image
from tests.train.classical_helpers import PHOTOS, copy_photos, tiny_classical
from train.classical import classical_config, fit_classical, held_out_l1
from train.classical_data import PhotoCrops, PhotoSourceError, photo_paths

_tiny = tiny_classical


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return copy_photos(tmp_path)


@pytest.mark.slow
def test_a_short_run_on_bundled_photos_reduces_l1_on_held_out_crops(folder: Path, tmp_path: Path) -> None:
    cfg = _tiny(total_iter=60, milestones=[50])
    held_out = PhotoCrops([PHOTOS / "rocket.jpg"], cfg.gt_size, cfg.scale)
    seeds = range(1000, 1016)
    before = held_out_l1(fit_classical(cfg, folder, tmp_path / "run0", stop_at=0).model, held_out, seeds)
    run = fit_classical(cfg, folder, tmp_path / "run")
    assert run.step == 60 and not run.skipped
    after = held_out_l1(run.model, held_out, seeds)
    assert after < 0.8 * before, (before, after)
    assert (tmp_path / "run" / "model.pth").is_file()


@pytest.mark.slow
def test_resume_continues_exactly(folder: Path, tmp_path: Path) -> None:
    cfg = _tiny(total_iter=4, milestones=[3])
    straight = fit_classical(cfg, folder, tmp_path / "straight").model.state_dict()
    assert fit_classical(cfg, folder, tmp_path / "resumed", stop_at=2).step == 2
    resumed = fit_classical(cfg, folder, tmp_path / "resumed")
    assert resumed.step == 4
    for name, value in resumed.model.state_dict().items():
        assert torch.equal(value, straight[name]), name


def test_a_kept_list_with_missing_broken_and_small_files_trains_on_the_rest(
    folder: Path, tmp_path: Path
) -> None:
    (tmp_path / "broken.png").write_bytes(b"\x89PNG not really")
    write_image(tmp_path / "small.png", np.zeros((8, 8, 3), np.uint8))
    lines = ["photos/astronaut.png", "missing.png", "broken.png", "photos/coffee.png", "small.png", ""]
    kept = tmp_path / "kept.txt"
    kept.write_text("\n".join(lines), encoding="utf-8")
    run = fit_classical(_tiny(total_iter=3, milestones=[2]), kept, tmp_path / "run")
    assert run.step == 3
    reported = {line.split(" (")[0] for line in run.skipped}
    assert reported == {str(tmp_path / name) for name in ("missing.png", "broken.png", "small.png")}
    assert "smaller than" in next(line for line in run.skipped if "small.png" in line)


def test_an_empty_source_names_itself(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(PhotoSourceError, match="empty: holds no photos"):
        photo_paths(tmp_path / "empty")
    with pytest.raises(PhotoSourceError, match="not found"):
        photo_paths(tmp_path / "absent.txt")


def test_cli_trains_from_a_list_and_lists_skipped_files(folder: Path, tmp_path: Path, capsys) -> None:
    from train.cli import main

    kept = tmp_path / "kept.txt"
    kept.write_text("photos/chelsea.png\nmissing.png\n", encoding="utf-8")
    # 1e-5 of MSRResNet's published 1M iterations: 10 steps.
    args = ["classical", str(kept), "--out", str(tmp_path / "run"), "--schedule", "1e-5", "--workers", "0"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            "train.classical.CLASSICAL_PRESETS",
            {"classical": {"num_feat": 8, "num_block": 1, "gt_size": 32, "batch_size": 2}},
        )
        assert main(args) == 0
    captured = capsys.readouterr()
    assert "10 steps; files skipped: 1" in captured.out and "missing.png" in captured.err
    assert (tmp_path / "run" / "model.pth").is_file()


def test_the_cli_names_every_classical_preset() -> None:
    from train.classical import CLASSICAL_PRESETS
    from train.classical_cli import CLASSICAL_PRESET_NAMES

    assert set(CLASSICAL_PRESET_NAMES) == set(CLASSICAL_PRESETS)


def test_other_scales_keep_the_published_lr_patch() -> None:
    """Regression: --scale 3 with the x4 presets' 128 px crop failed (128 is no multiple of 3)."""
    assert classical_config("classical", scale=3).gt_size == 96  # MSRResNet: 32 px LR patches
    assert classical_config("classical-edsr", scale=2).gt_size == 96  # EDSR/RCAN: 48 px
    assert classical_config("classical-rcan", scale=3).gt_size == 144
    assert classical_config("classical", scale=3, gt_size=48).gt_size == 48


def test_a_run_resumes_only_with_the_settings_it_was_trained_with(folder: Path, tmp_path: Path) -> None:
    from train.classical import ClassicalRunError

    cfg = _tiny(total_iter=2, milestones=[1])
    fit_classical(cfg, folder, tmp_path / "run", stop_at=1)
    with pytest.raises(
        ClassicalRunError, match="degradation 'bicubic' \\(now 'realesrgan'\\).*another --out"
    ):
        fit_classical(dataclasses.replace(cfg, degradation="realesrgan"), folder, tmp_path / "run")
    assert fit_classical(dataclasses.replace(cfg, schedule=2.0), folder, tmp_path / "run").step == 4
