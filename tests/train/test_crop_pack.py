"""Crop packs: packing skips and reports bad files, an unfinished pack is refused then finished,
training from a pack reduces L1 and resumes exactly, and the Real-ISR degradation option."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch

from hggt_desktop.core.images import write_image
from tests.train.classical_helpers import PHOTOS, copy_photos, tiny_classical
from train.classical import fit_classical, held_out_l1, training_pair
from train.classical_data import PackedCrops, PhotoCrops, photo_loader, training_crops
from train.crop_pack import CropPack, CropPackError, pack_crops
from train.imresize import imresize

_tiny = tiny_classical


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return copy_photos(tmp_path)


def _all_crops(pack: CropPack) -> np.ndarray:
    return np.stack([pack.crop(i) for i in range(len(pack))])


def test_a_pack_holds_the_crops_of_every_photo_and_samples_follow_the_contract(
    folder: Path, tmp_path: Path
) -> None:
    progress = pack_crops(folder, tmp_path / "pack", crop_size=64, crops_per_photo=3, photos_per_shard=2)
    assert progress.complete and progress.shards == 2 and not progress.skipped
    pack = CropPack(tmp_path / "pack")
    assert len(pack) == 9 and pack.crop(8).shape == (64, 64, 3) and pack.crop(8).dtype == np.uint8
    # The crops are cut from the photos: each crop of coffee.png (the third) is found in it.
    from hggt_desktop.core.images import read_image

    coffee, crop = read_image(folder / "coffee.png"), pack.crop(6)
    windows = np.lib.stride_tricks.sliding_window_view(coffee, (64, 64, 3))[..., 0, :, :, :]
    assert (windows == crop).all(axis=(-3, -2, -1)).any()
    # Training samples from the pack: a gt crop of a packed crop, its MATLAB-bicubic LR.
    dataset = training_crops(tmp_path / "pack", 32, 4)
    assert isinstance(dataset, PackedCrops) and len(dataset) == 9
    sample = dataset[(4, 123)]
    hr = (sample["hr"].numpy().transpose(1, 2, 0) * 255).round()
    expected = np.clip(np.round(imresize(hr, 1 / 4)), 0, 255) / 255
    np.testing.assert_allclose(sample["lr"].numpy().transpose(1, 2, 0), expected, atol=1e-6)
    assert sample["lr"].shape == (3, 8, 8) and sample["hr"].shape == (3, 32, 32)


def test_samples_are_flipped_and_rotated(tmp_path: Path) -> None:
    """The eight flips/rotations of an asymmetric crop all occur, as BasicSR's augment."""
    image = np.arange(32 * 32 * 3, dtype=np.uint8).reshape(32, 32, 3)
    write_image(tmp_path / "one.png", image)
    dataset = PhotoCrops([tmp_path / "one.png"], 32, 4)
    seen = {dataset[(0, seed)]["hr"].numpy().tobytes() for seed in range(64)}
    assert len(seen) == 8


def test_a_list_with_missing_broken_and_small_files_packs_the_rest_and_reports_them(
    folder: Path, tmp_path: Path, capsys
) -> None:
    from train.cli import main

    (tmp_path / "broken.png").write_bytes(b"\x89PNG not really")
    write_image(tmp_path / "small.png", np.zeros((8, 8, 3), np.uint8))
    kept = tmp_path / "kept.txt"
    kept.write_text("photos/astronaut.png\nmissing.png\nbroken.png\nphotos/coffee.png\nsmall.png\n", "utf-8")
    args = ["pack-crops", str(kept), "--out", str(tmp_path / "pack"), "--crop-size", "64", "--workers", "0"]
    assert main([*args, "--crops-per-photo", "2", "--photos-per-shard", "2"]) == 0
    captured = capsys.readouterr()
    assert "pack complete: 3 shards" in captured.out and "files skipped: 3" in captured.out
    for name in ("missing.png", "broken.png", "small.png"):
        assert str(tmp_path / name) in captured.err
    assert "smaller than the 64px crop" in captured.err
    pack = CropPack(tmp_path / "pack")
    assert len(pack) == 4 and len(pack.skipped) == 3


def test_an_interrupted_pack_is_refused_and_a_rerun_finishes_it_as_one_run_would(
    folder: Path, tmp_path: Path, capsys
) -> None:
    from train.cli import main

    options = {"crop_size": 64, "crops_per_photo": 2, "photos_per_shard": 1}

    def interrupt(shard: int, crops: int) -> None:
        raise KeyboardInterrupt  # as Ctrl+C (or a kill) right after the first shard is written

    with pytest.raises(KeyboardInterrupt):
        pack_crops(folder, tmp_path / "pack", on_shard=interrupt, **options)
    with pytest.raises(CropPackError, match=r"packing is unfinished \(1 of 3 shards done\).*again to finish"):
        CropPack(tmp_path / "pack")
    # Training refuses it with that message, not a traceback.
    assert main(["classical", str(tmp_path / "pack"), "--out", str(tmp_path / "run"), "--workers", "0"]) == 2
    assert "packing is unfinished" in capsys.readouterr().err
    # Other settings do not continue it.
    with pytest.raises(CropPackError, match="crop_size 64 \\(now 96\\)"):
        pack_crops(folder, tmp_path / "pack", **{**options, "crop_size": 96})

    stale = tmp_path / "pack" / ".shard-00001.npy.k1ll3d.tmp"  # what the killed run was writing
    stale.write_bytes(b"half a shard")
    written: list[int] = []
    progress = pack_crops(
        folder, tmp_path / "pack", on_shard=lambda shard, n: written.append(shard), **options
    )
    assert progress.complete and written == [1, 2] and not stale.exists()
    pack_crops(folder, tmp_path / "straight", **options)
    np.testing.assert_array_equal(
        _all_crops(CropPack(tmp_path / "pack")), _all_crops(CropPack(tmp_path / "straight"))
    )
    # --shard i/n: two parts make the same pack; only the last completes it.
    first = pack_crops(folder, tmp_path / "parts", part=(0, 2), **options)
    assert not first.complete and (first.done, first.shards) == (2, 3)
    assert pack_crops(folder, tmp_path / "parts", part=(1, 2), **options).complete
    np.testing.assert_array_equal(
        _all_crops(CropPack(tmp_path / "parts")), _all_crops(CropPack(tmp_path / "straight"))
    )


def test_a_pack_into_a_folder_of_other_files_or_with_crops_too_small_is_refused(
    folder: Path, tmp_path: Path
) -> None:
    with pytest.raises(CropPackError, match="not empty and holds no crop pack"):
        pack_crops(tmp_path, folder, crop_size=64)
    assert sorted(p.name for p in folder.iterdir()) == ["astronaut.png", "chelsea.png", "coffee.png"]
    pack_crops(folder, tmp_path / "pack", crop_size=64)
    with pytest.raises(CropPackError, match="64px crops, smaller than the 128px training crop"):
        training_crops(tmp_path / "pack", 128, 4)


@pytest.mark.slow
def test_training_from_a_pack_reduces_l1_on_held_out_crops(folder: Path, tmp_path: Path) -> None:
    pack_crops(folder, tmp_path / "pack", crop_size=96, crops_per_photo=8)
    cfg = _tiny(total_iter=60, milestones=[50])
    held_out = PhotoCrops([PHOTOS / "rocket.jpg"], cfg.gt_size, cfg.scale)
    seeds = range(1000, 1016)
    before = held_out_l1(
        fit_classical(cfg, tmp_path / "pack", tmp_path / "run0", stop_at=0).model, held_out, seeds
    )
    run = fit_classical(cfg, tmp_path / "pack", tmp_path / "run")
    assert run.step == 60
    after = held_out_l1(run.model, held_out, seeds)
    assert after < 0.8 * before, (before, after)


@pytest.mark.slow
@pytest.mark.parametrize("degradation", ["bicubic", "realesrgan"])
def test_resume_from_a_pack_is_exact(folder: Path, tmp_path: Path, degradation: str) -> None:
    pack_crops(folder, tmp_path / "pack", crop_size=64, crops_per_photo=4)
    cfg = _tiny(total_iter=4, milestones=[3], degradation=degradation)
    straight = fit_classical(cfg, tmp_path / "pack", tmp_path / "straight").model.state_dict()
    assert fit_classical(cfg, tmp_path / "pack", tmp_path / "resumed", stop_at=2).step == 2
    resumed = fit_classical(cfg, tmp_path / "pack", tmp_path / "resumed")
    assert resumed.step == 4
    for name, value in resumed.model.state_dict().items():
        assert torch.equal(value, straight[name]), name


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_the_realesrgan_degradation_gives_lr_of_the_scale_and_trains_a_step(
    folder: Path, tmp_path: Path, scale: int
) -> None:
    cfg = _tiny(scale=scale, gt_size=48, degradation="realesrgan")
    dataset = training_crops(folder, cfg.gt_size, scale, degradation="realesrgan")
    batch = next(iter(photo_loader(dataset, 4, 0, 0)))
    lr, hr = training_pair(batch, cfg, 0, torch.device("cpu"))
    assert lr.shape == (4, 3, 48 // scale, 48 // scale) and hr.shape == (4, 3, 48, 48)
    torch.testing.assert_close(lr * 255, torch.round(lr * 255), rtol=0, atol=1e-4)  # 8-bit levels
    clean = np.stack([imresize(h.numpy().transpose(1, 2, 0), 1 / scale) for h in hr]).transpose(0, 3, 1, 2)
    assert (lr - torch.from_numpy(clean).float()).abs().mean() > 0.005  # degraded, not clean bicubic
    torch.testing.assert_close(lr, training_pair(batch, cfg, 0, torch.device("cpu"))[0])  # seeded by step
    run = fit_classical(dataclasses.replace(cfg, total_iter=1, milestones=[1]), folder, tmp_path / "run")
    assert run.step == 1 and (tmp_path / "run" / "model.pth").is_file()


def test_bad_pack_crops_input_gets_a_message_naming_it_not_a_traceback(
    folder: Path, tmp_path: Path, capsys
) -> None:
    from train.cli import main

    (tmp_path / "a-file").write_text("mine", encoding="utf-8")
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "crop-pack-settings.json").write_text("{not json", encoding="utf-8")
    cases = [
        ([str(folder), "--out", str(tmp_path / "a-file")], "a-file: is a file"),
        ([str(tmp_path / "absent"), "--out", str(tmp_path / "p")], "absent: not found"),
        ([str(folder), "--out", str(damaged)], "crop-pack-settings.json: unreadable"),
        ([str(folder), "--out", str(tmp_path / "p"), "--shard", "2/2"], "I must be 0..N-1"),
        ([str(folder), "--out", str(tmp_path / "p"), "--workers", "-1"], "give 0 or more"),
    ]
    for args, message in cases:
        assert _exit_status(["pack-crops", *args]) == 2, args
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err, (args, err)
    assert (tmp_path / "a-file").read_text(encoding="utf-8") == "mine"
    # A damaged index is refused by training with its name.
    assert main(["classical", str(damaged), "--out", str(tmp_path / "run"), "--workers", "0"]) == 2
    assert "crop-pack-settings.json: unreadable" in capsys.readouterr().err


def _exit_status(argv: list[str]) -> int:
    from train.cli import main

    try:
        return main(argv)
    except SystemExit as exc:  # argparse's usage errors
        return int(exc.code or 0)


def test_ctrl_c_while_packing_says_how_to_finish(folder: Path, tmp_path: Path, capsys) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("train.crop_pack.pack_crops", interrupted)
        assert _exit_status(["pack-crops", str(folder), "--out", str(tmp_path / "pack")]) == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and "run the same command again to finish" in err


def test_a_pack_where_every_photo_was_skipped_is_refused_by_name(folder: Path, tmp_path: Path) -> None:
    progress = pack_crops(folder, tmp_path / "pack", crop_size=1024)
    assert progress.complete and len(progress.skipped) == 3
    with pytest.raises(CropPackError, match="pack: holds no crops"):
        CropPack(tmp_path / "pack")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device: GPU paths not exercised here")
def test_on_a_gpu_the_realesrgan_lr_is_made_there_and_a_pack_trains(folder: Path, tmp_path: Path) -> None:
    pack_crops(folder, tmp_path / "pack", crop_size=64, crops_per_photo=4)
    cfg = _tiny(total_iter=2, milestones=[1], degradation="realesrgan")
    dataset = training_crops(tmp_path / "pack", cfg.gt_size, cfg.scale, degradation="realesrgan")
    lr, hr = training_pair(next(iter(photo_loader(dataset, 4, 0, 0))), cfg, 0, torch.device("cuda"))
    assert lr.device.type == "cuda" and lr.shape == (4, 3, 8, 8) and hr.device.type == "cuda"
    run = fit_classical(cfg, tmp_path / "pack", tmp_path / "run")
    assert run.step == 2 and next(run.model.parameters()).device.type == "cuda"
