"""Label folders for segmentation guidance: maps follow the crops, steer the term, mask the rest."""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from hggt_desktop.pack.reader import PackReader
from tests.train.test_segmentation import CPU, ONLY_SEG, RedVsGreen, _cfg, _Disc, _micro, _scripted, _sr_net
from train.cli import main
from train.config import ConfigError
from train.data import make_loader
from train.loop import training_indices, training_pair
from train.pool import PairPool
from train.runtime import Process
from train.seg_labels import UNLABELLED, match_label_folder, pack_label_folder
from train.segmentation import IGNORE, class_targets, load_guide
from train.step import Micro, generator_backward, make_precision

from .conftest import TINY


def _label_folder(tmp_path: Path, pack: Path, keep: int | None = None) -> Path:
    """Maps of class 1 where the set's original is redder than green, 0 elsewhere (first ``keep`` sets)."""
    folder = tmp_path / "labels"
    folder.mkdir()
    (folder / "classes.txt").write_text("other\nred\n", encoding="utf-8")
    reader = PackReader(pack)
    for index, name in enumerate(reader.meta.names[:keep]):
        original = reader.read_set(index)[0].astype(int)  # (H, W, 3) RGB
        cv2.imwrite(str(folder / f"{name}.png"), (original[..., 0] > original[..., 1]).astype(np.uint8))
    reader.close()
    return folder


def test_label_maps_follow_the_hr_crops_flips_and_pool(tiny_pack: Path, tmp_path: Path) -> None:
    folder = _label_folder(tmp_path, tiny_pack)
    cfg = _cfg(*TINY, "use_hflip=true", "pool_size=4")
    reader = PackReader(tiny_pack)
    labels = pack_label_folder(folder, tiny_pack, reader.meta.names, 2)
    loader = iter(make_loader(reader, training_indices(reader, cfg), cfg, 0, 1, 0, False, labels))
    pool, process = PairPool(cfg.pool_size, cfg.batch_size), Process(0, 1, CPU)
    flipped = 0
    for step in range(1, 7):
        batch = next(loader)
        flipped += int(batch["crop"][:, 2].sum())
        micro = training_pair(batch, cfg, pool, step, process)
        original = micro.targets.original  # (B, 3, gt, gt), cropped, flipped and pooled like the map
        assert micro.seg_labels is not None
        assert torch.equal(micro.seg_labels, (original[:, 0] > original[:, 1]).long())
    assert flipped > 0  # the flip was exercised
    reader.close()


def test_sets_without_a_map_are_unlabelled_and_counted(tiny_pack: Path, tmp_path: Path) -> None:
    folder = _label_folder(tmp_path, tiny_pack, keep=3)
    reader = PackReader(tiny_pack)
    labels = pack_label_folder(folder, tiny_pack, reader.meta.names, 2)
    assert labels.missing(range(len(reader))) == len(reader) - 3
    cfg = _cfg(*TINY, "pool_size=6", "batch_size=6")
    batch = next(iter(make_loader(reader, np.arange(len(reader)), cfg, 0, 1, 0, False, labels)))
    unlabelled = (batch["seg"] == UNLABELLED).flatten(1).all(dim=1)
    assert int(unlabelled.sum()) == len(reader) - 3
    reader.close()


def test_label_folder_classes_point_the_gradient_their_way(tmp_path: Path) -> None:
    """Red HR: pseudo-labels say "red", a label folder saying "other" pushes SR away from red."""
    cfg = _cfg("w_seg=1", f"seg_weights={_scripted(tmp_path, RedVsGreen())}", *ONLY_SEG)
    guide = load_guide(cfg, CPU)
    micro = _micro()
    other = Micro(micro.lr, micro.targets, torch.zeros(4, 32, 32, dtype=torch.long))

    @torch.no_grad()
    def redness(net_g: torch.nn.Module) -> float:
        sr = net_g(micro.lr)
        return float((sr[:, 0] - sr[:, 1]).mean())

    changes = []
    for labelled in (micro, other):
        net_g = _sr_net()
        optimiser = torch.optim.Adam(net_g.parameters(), lr=1e-2)
        before = redness(net_g)
        for _ in range(10):
            optimiser.zero_grad()
            generator_backward([labelled], net_g, _Disc(), None, cfg, make_precision(cfg, CPU), guide)
            optimiser.step()
        changes.append(redness(net_g) - before)
    assert changes[0] > 0.05 and changes[1] < -0.05, changes


def test_samples_without_labels_get_no_gradient_and_do_not_dilute_the_term(tmp_path: Path) -> None:
    cfg = _cfg("w_seg=1", f"seg_weights={_scripted(tmp_path, RedVsGreen())}")
    guide = load_guide(cfg, CPU)
    assert guide is not None
    sr = torch.rand(4, 3, 16, 16).requires_grad_(True)
    maps = torch.zeros(4, 16, 16, dtype=torch.uint8)
    maps[2:] = UNLABELLED
    term = guide.loss(sr, sr.detach(), class_targets(maps))
    term.backward()
    assert sr.grad is not None
    assert sr.grad[2:].abs().sum() == 0 and sr.grad[:2].abs().sum() > 0
    assert torch.allclose(term, guide.loss(sr[:2].detach(), sr[:2].detach(), torch.zeros(2, 16, 16).long()))
    assert int((class_targets(maps) == IGNORE).sum()) == 2 * 16 * 16


def test_maps_of_the_wrong_kind_size_or_values_are_refused_with_their_names(tmp_path: Path) -> None:
    folder = tmp_path / "labels"
    folder.mkdir()
    cv2.imwrite(str(folder / "a.png"), np.zeros((8, 8), np.uint8))  # fine
    cv2.imwrite(str(folder / "b.png"), np.zeros((8, 8, 3), np.uint8))  # colour
    cv2.imwrite(str(folder / "c.png"), np.zeros((9, 8), np.uint8))  # wrong size
    cv2.imwrite(str(folder / "d.png"), np.full((8, 8), 7, np.uint8))  # class 7 of 2
    names, sizes = ["a", "b", "c", "d", "e"], [(8, 8)] * 5
    with pytest.raises(ConfigError) as caught:
        match_label_folder(folder, names, sizes, classes=2)
    message = str(caught.value)
    assert "3 label maps cannot be used" in message and str(folder) in message
    assert "b.png (PNG colour type 2" in message and "c.png (8x9, the set is 8x8)" in message
    assert "d.png (values [7]" in message and "a.png" not in message
    assert match_label_folder(folder, ["a", "e"], [(8, 8)] * 2, classes=2).paths[1] is None
    with pytest.raises(ConfigError, match="no label map is named after a set"):
        match_label_folder(folder, ["x"], [(8, 8)], classes=2)


@pytest.mark.slow
def test_fit_trains_on_a_label_folder_and_reports_the_unlabelled_sets(
    tiny_pack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    folder = _label_folder(tmp_path, tiny_pack, keep=5)
    seg_file = _scripted(tmp_path, RedVsGreen())
    args = [
        "fit",
        "--pack",
        str(tiny_pack),
        *TINY,
        "total_iter=2",
        "save_every=2",
        "log_every=1",
        "w_seg=0.5",
    ]
    args += [f"seg_weights={seg_file}", f"seg_labels={folder}"]
    with caplog.at_level(logging.INFO):
        assert main([*args, "--out", str(tmp_path / "run")]) == 0
    assert "l_seg" in caplog.text and "5 of 6 training sets have a label map; 1 without one" in caplog.text
    assert "1 of 6 sets have no label map" in capsys.readouterr().err
    first = PackReader(tiny_pack).meta.names[0]
    cv2.imwrite(str(folder / f"{first}.png"), np.zeros((4, 4), np.uint8))
    assert main([*args, "--out", str(tmp_path / "bad")]) != 0
    err = capsys.readouterr().err
    assert f"{first}.png (4x4, the set is 48x48)" in err and "Traceback" not in err


@pytest.mark.slow
def test_resuming_with_a_label_folder_added_restarts_the_pool_instead_of_dropping_the_maps(
    tiny_pack: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = _label_folder(tmp_path, tiny_pack)
    seg_file = _scripted(tmp_path, RedVsGreen())
    args = [
        "fit",
        "--pack",
        str(tiny_pack),
        "--out",
        str(tmp_path / "run"),
        *TINY,
        "save_every=2",
        "w_seg=0.5",
    ]
    args.append(f"seg_weights={seg_file}")
    assert main([*args, "total_iter=2"]) == 0  # the pool (4 samples, batch 2) is full
    with caplog.at_level(logging.INFO):
        assert main([*args, "total_iter=4", f"seg_labels={folder}", "--resume"]) == 0
    assert "seg_labels changed since the state was saved: the pair pool starts empty" in caplog.text
