"""What validation while training costs, as a share of training time, for choosing ``val_every``.

    python bench/bench_validation.py [--sets 100 400 1000] [--step-seconds 0.5 1.0]

The baseline is one training step at the published sizes (batch 12, 256 px, RRDBPSNet 64x23,
U-Net D, VGG19), measured in the same run in FLOPs (torch.utils.flop_counter on the meta
device, so no GPU is needed). One validation set costs the generator's forward on a whole
512x512 original (FLOPs, same counter) plus PSNR and SSIM against its Positives on the CPU
(measured here in CPU seconds, 2 Positives per set). The share for ``val_every`` iterations is then
    sets x (flop_ratio x step_seconds + metric_seconds) / (val_every x step_seconds + that)
for a GPU step time given on the command line (the runs print the measured share themselves).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from enhance.archs.rrdbnet import RRDBNet
from train.archs.discriminator import UNetDiscriminatorSN
from train.losses import gan_loss
from train.metrics import psnr, ssim
from train.vgg import VGG19Features, perceptual_loss


def flops() -> tuple[float, float]:
    """FLOPs of one training step and of one validation set's forward, at the published sizes."""
    meta = torch.device("meta")
    with meta:
        net_g, net_d = RRDBNet(upsampler="pixelshuffle"), UNetDiscriminatorSN(3, 64)
        vgg = VGG19Features().requires_grad_(False)
    lr, hr = torch.rand(12, 3, 64, 64, device=meta), torch.rand(12, 3, 256, 256, device=meta)
    with FlopCounterMode(display=False) as step:
        sr = net_g(lr)
        ((sr - hr).abs().mean() + perceptual_loss(vgg, sr, hr) + gan_loss(net_d(sr), True)).backward()
        gan_loss(net_d(torch.cat((hr, sr.detach()))), True).backward()
    with FlopCounterMode(display=False) as forward, torch.no_grad():
        net_g(torch.rand(1, 3, 128, 128, device=meta))
    return step.get_total_flops(), forward.get_total_flops()


def metric_seconds(repeats: int = 3) -> float:
    rng = np.random.default_rng(0)
    sr = rng.integers(0, 256, (512, 512, 3), dtype=np.uint8)
    references = [rng.integers(0, 256, (512, 512, 3), dtype=np.uint8) for _ in range(2)]
    # CPU seconds, not wall time: on a shared machine the wall clock counts the neighbours' work.
    start = time.process_time()
    for _ in range(repeats):
        for reference in references:
            psnr(sr, reference)
            ssim(sr, reference)
    return (time.process_time() - start) / repeats


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, nargs="+", default=[100, 400, 1000])
    parser.add_argument("--step-seconds", type=float, nargs="+", default=[0.5, 1.0])
    parser.add_argument("--val-every", type=int, default=5000)
    args = parser.parse_args()
    step, forward = flops()
    metrics = metric_seconds()
    print(
        f"training step: {step / 1e12:.2f} TFLOP (baseline); validation forward per set: {forward / 1e12:.3f} TFLOP"
    )
    print(
        f"one validation set = {forward / step:.3f} training steps of GPU work + {metrics:.3f} s of CPU metrics"
    )
    for seconds in args.step_seconds:
        for sets in args.sets:
            val = sets * (forward / step * seconds + metrics)
            share = val / (args.val_every * seconds + val)
            print(
                f"step {seconds:.2f} s, {sets:5d} validation sets, val_every {args.val_every}: {val:6.1f} s, {share:.1%}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
