"""Segmentation-guided loss (SSG-RWSR): gradient path, off = unchanged, effect, refusals, DDP."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest
import torch
from torch import distributed as dist
from torch import multiprocessing as mp
from torch import nn

from tests.train.conftest import TINY
from train.cli import main
from train.config import ConfigError, make_config
from train.losses import Targets
from train.segmentation import IGNORE, load_guide, masked_cross_entropy
from train.step import Micro, generator_backward, make_precision

CPU = torch.device("cpu")
PLAIN = ["seg_mean=0,0,0", "seg_std=1,1,1"]
ONLY_SEG = ["gan_weight=0", "pixel_weight=0", "negative_weight=0"]


class RedVsGreen(nn.Module):
    """Two classes: 0 everywhere at logit 0, 1 where red exceeds green (logit 10 * (R - G))."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 2, 1)
        with torch.no_grad():
            self.conv.weight.zero_()
            self.conv.bias.zero_()
            self.conv.weight[1, 0] = 10.0
            self.conv.weight[1, 1] = -10.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class Flat(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=1)  # (B, H, W): not logits


def _scripted(tmp_path: Path, net: nn.Module, name: str = "seg.pt") -> Path:
    path = tmp_path / name
    torch.jit.script(net).save(str(path))
    return path


def _sr_net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Upsample(scale_factor=4), nn.Conv2d(3, 3, 3, padding=1))


class _Disc(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=1, keepdim=True) * 0


def _micro(seed: int = 0) -> Micro:
    gen = torch.Generator().manual_seed(seed)
    hr = torch.rand(4, 3, 32, 32, generator=gen)
    hr[:, 0] = 0.9  # red HR: its pseudo-labels are class 1 (R > G) everywhere
    hr[:, 1] = 0.1
    targets = cast(Targets, SimpleNamespace(positive=hr))
    return Micro(torch.rand(4, 3, 8, 8, generator=gen), targets)


def _cfg(*overrides: str):
    return make_config("posneg", overrides=["perceptual_weight=0", *PLAIN, *overrides])


def test_gradient_reaches_the_sr_network_and_not_the_segmentation_network(tmp_path: Path) -> None:
    cfg = _cfg("w_seg=1", f"seg_weights={_scripted(tmp_path, RedVsGreen())}", *ONLY_SEG)
    guide = load_guide(cfg, CPU)
    net_g = _sr_net()
    losses, _ = generator_backward([_micro()], net_g, _Disc(), None, cfg, make_precision(cfg, CPU), guide)
    assert losses["l_seg"] > 0
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in net_g.parameters())
    assert all(p.grad is None and not p.requires_grad for p in guide.net.parameters())
    assert not guide.net.training


def test_w_seg_zero_builds_nothing_and_trains_bit_identically(tmp_path: Path) -> None:
    seg_file = _scripted(tmp_path, RedVsGreen())
    runs = []
    for cfg in (_cfg("negative_weight=0"), _cfg("negative_weight=0", "w_seg=0", f"seg_weights={seg_file}")):
        guide = load_guide(cfg, CPU)
        assert guide is None
        net_g = _sr_net()
        losses, outputs = generator_backward(
            [_micro()], net_g, _Disc(), None, cfg, make_precision(cfg, CPU), guide
        )
        runs.append((losses, outputs, [p.grad.clone() for p in net_g.parameters() if p.grad is not None]))
    (losses_a, out_a, grads_a), (losses_b, out_b, grads_b) = runs
    assert "l_seg" not in losses_b and losses_a.keys() == losses_b.keys()
    assert all(torch.equal(losses_a[k], losses_b[k]) for k in losses_a)
    assert torch.equal(out_a[0], out_b[0]) and all(
        torch.equal(a, b) for a, b in zip(grads_a, grads_b, strict=True)
    )


def test_a_network_that_rewards_red_moves_the_sr_output_toward_red(tmp_path: Path) -> None:
    cfg = _cfg("w_seg=1", f"seg_weights={_scripted(tmp_path, RedVsGreen())}", *ONLY_SEG)
    guide = load_guide(cfg, CPU)
    net_g = _sr_net()
    optimiser = torch.optim.Adam(net_g.parameters(), lr=1e-2)
    micro = _micro()

    def redness() -> float:
        with torch.no_grad():
            sr = net_g(micro.lr)
        return float((sr[:, 0] - sr[:, 1]).mean())

    before = redness()
    for _ in range(10):
        optimiser.zero_grad()
        generator_backward([micro], net_g, _Disc(), None, cfg, make_precision(cfg, CPU), guide)
        optimiser.step()
    assert redness() > before + 0.05


def test_a_file_that_is_not_torchscript_is_refused_with_its_name(tmp_path: Path) -> None:
    pickled = tmp_path / "pickled.pt"
    torch.save(RedVsGreen().state_dict(), pickled)
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a network")
    for path in (pickled, garbage):
        with pytest.raises(ConfigError, match="is not a TorchScript file") as caught:
            load_guide(_cfg("w_seg=1", f"seg_weights={path}"), CPU)
        assert str(path) in str(caught.value)


def test_an_output_that_is_not_b_classes_h_w_is_refused(tmp_path: Path) -> None:
    path = _scripted(tmp_path, Flat(), "flat.pt")
    with pytest.raises(ConfigError, match=r"must\s+return logits of shape \(B, classes, H, W\)") as caught:
        load_guide(_cfg("w_seg=1", f"seg_weights={path}"), CPU)
    assert str(path) in str(caught.value)


def test_a_label_folder_with_another_class_count_is_refused(tmp_path: Path) -> None:
    path = _scripted(tmp_path, RedVsGreen())
    labels = tmp_path / "labels"
    labels.mkdir()
    (labels / "classes.txt").write_text("background\nsky\nbuilding\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="predicts 2 classes but") as caught:
        load_guide(_cfg("w_seg=1", f"seg_weights={path}", f"seg_labels={labels}"), CPU)
    assert str(labels) in str(caught.value)
    (labels / "classes.txt").write_text("background\nsky\n", encoding="utf-8")
    assert load_guide(_cfg("w_seg=1", f"seg_weights={path}", f"seg_labels={labels}"), CPU) is not None


def _batch() -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(3)
    logits = torch.randn(4, 3, 8, 8, generator=gen)
    labels = torch.randint(0, 3, (4, 8, 8), generator=gen)
    labels[1] = IGNORE  # rank 0 (samples 0, 1) has one sample with a target, rank 1 has two
    return logits, labels


def _rank(rank: int, world: int, init: str, out: str) -> None:
    dist.init_process_group("gloo", init_method=init, rank=rank, world_size=world)
    logits, labels = _batch()
    part = slice(2 * rank, 2 * rank + 2)
    mine = logits[part].clone().requires_grad_(True)
    term = masked_cross_entropy(mine, labels[part])
    term.backward()
    # DDP averages the processes' parameter gradients: each sample's logits count 1/world.
    torch.save({"term": term.detach(), "grad": mine.grad / world}, f"{out}.{rank}")
    dist.destroy_process_group()


@pytest.mark.slow
def test_the_masked_term_is_the_same_on_one_process_and_on_two(tmp_path: Path) -> None:
    logits, labels = _batch()
    whole = logits.clone().requires_grad_(True)
    single = masked_cross_entropy(whole, labels)
    single.backward()
    out = str(tmp_path / "rank")
    init = f"file://{tmp_path / 'rendezvous'}"
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    mp.spawn(_rank, args=(2, init, out), nprocs=2, join=True)
    ranks = [torch.load(f"{out}.{r}", weights_only=True) for r in range(2)]
    assert torch.allclose((ranks[0]["term"] + ranks[1]["term"]) / 2, single.detach(), atol=1e-6)
    assert whole.grad is not None
    assert torch.allclose(torch.cat([ranks[0]["grad"], ranks[1]["grad"]]), whole.grad, atol=1e-7)


@pytest.mark.slow
def test_fit_logs_the_term_and_refuses_a_bad_network_before_training(
    tiny_pack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    seg_file = _scripted(tmp_path, RedVsGreen())
    common = ["fit", "--pack", str(tiny_pack)]
    settings = [*TINY, "total_iter=2", "save_every=2", "log_every=1", "w_seg=0.5"]
    with caplog.at_level(logging.INFO):
        assert main([*common, "--out", str(tmp_path / "run"), *settings, f"seg_weights={seg_file}"]) == 0
    assert "l_seg" in caplog.text
    bad = tmp_path / "state_dict.pt"
    torch.save(RedVsGreen().state_dict(), bad)
    assert main([*common, "--out", str(tmp_path / "bad"), *settings, f"seg_weights={bad}"]) != 0
    err = capsys.readouterr().err
    assert f"seg_weights={bad}: is not a TorchScript file" in err and "Traceback" not in err
    assert not list((tmp_path / "bad").glob("models/*"))
