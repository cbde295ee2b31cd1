"""One Pos+Neg GAN training step at the published sizes, fp32 (the baseline) against bf16 / fp16.

    python bench/bench_gpu_step.py [--device cuda] [--steps 10] [--json OUT.json] [--dry-run]

Runs the trainer's own step (train/step.py: generator then discriminator, pixel + VGG19 +
GAN + negative losses) on random data of the published shapes: batch 12, 256 px HR crops,
RRDBPSNet 64x23, U-Net discriminator 64, VGG19 with random weights (its cost is what counts).
Reports iterations/s, samples/s, peak memory, FLOPs per step counted from the model
(torch.utils.flop_counter) and the share of the GPU's peak bf16 throughput reached.
``--dry-run``: tiny sizes on the CPU, one step per precision, so the script cannot rot.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from enhance.archs.rrdbnet import RRDBNet
from hggt_desktop.pack.format import NEGATIVE, POSITIVE, SIMILAR
from train.archs.discriminator import UNetDiscriminatorSN
from train.config import make_config
from train.losses import choose_targets
from train.step import Micro, apply_gradients, discriminator_backward, generator_backward, make_precision
from train.vgg import VGG19Features

# Dense bf16 tensor throughput (TFLOP/s, no sparsity) from the vendors' data sheets.
PEAK_BF16_TFLOPS = {"H200": 989.0, "H100": 989.0, "A100": 312.0, "L40S": 362.0, "L4": 121.0, "A10": 125.0}


def peak_tflops(name: str) -> float | None:
    return next((v for k, v in PEAK_BF16_TFLOPS.items() if k in name), None)


def batch(b: int, gt: int, device: torch.device) -> Micro:
    gen = torch.Generator().manual_seed(0)
    hr = torch.rand(b, 5, 3, gt, gt, generator=gen).to(device)
    effective = torch.tensor([[POSITIVE, NEGATIVE, SIMILAR, POSITIVE]] * b)
    votes = torch.full((b, 4), 3)
    targets = choose_targets(hr, effective.to(device), votes.to(device), True, gen, True)
    return Micro(torch.rand(b, 3, gt // 4, gt // 4, generator=gen).to(device), targets)


def run(precision_name: str, args: argparse.Namespace, device: torch.device) -> dict[str, float | str]:
    overrides = [f"{precision_name}=true"] if precision_name != "fp32" else []
    cfg = make_config("posneg", overrides=overrides)
    torch.manual_seed(0)
    net_g = RRDBNet(num_feat=args.feat, num_block=args.blocks, upsampler="pixelshuffle").to(device)
    net_d = UNetDiscriminatorSN(3, args.d_feat).to(device)
    vgg = VGG19Features().to(device).requires_grad_(False)
    precision = make_precision(cfg, device)
    opt_g = torch.optim.Adam(net_g.parameters(), lr=1e-4, betas=(0.9, 0.99))
    opt_d = torch.optim.Adam(net_d.parameters(), lr=1e-4, betas=(0.9, 0.99))
    micros = [batch(args.batch, args.gt, device)]

    def step() -> None:
        opt_g.zero_grad(set_to_none=True)
        _, outputs = generator_backward(micros, net_g, net_d, vgg, cfg, precision)
        apply_gradients(opt_g, precision, 0.0)
        opt_d.zero_grad(set_to_none=True)
        discriminator_backward(micros, outputs, net_d, precision)
        apply_gradients(opt_d, precision, 0.0)
        precision.scaler.update()

    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        step()
    flops = counter.get_total_flops()
    if device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    for _ in range(args.warmup):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    seconds = (time.perf_counter() - start) / args.steps
    peak = peak_tflops(torch.cuda.get_device_name(device)) if device.type == "cuda" else None
    return {
        "precision": precision_name,
        "it_per_s": 1 / seconds,
        "samples_per_s": args.batch / seconds,
        "peak_memory_gib": torch.cuda.max_memory_allocated(device) / 2**30 if device.type == "cuda" else 0.0,
        "tflop_per_step": flops / 1e12,
        "share_of_peak_bf16": (flops / seconds / 1e12 / peak) if peak else float("nan"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--dry-run", action="store_true", help="tiny sizes on the CPU, one step each")
    args = parser.parse_args()
    args.batch, args.gt, args.feat, args.blocks, args.d_feat = 12, 256, 64, 23, 64
    if args.dry_run:
        args.device, args.steps, args.warmup = "cpu", 1, 0
        args.batch, args.gt, args.feat, args.blocks, args.d_feat = 2, 32, 8, 1, 8
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print("bench_gpu_step: no CUDA device here; use --dry-run for the CPU check", file=sys.stderr)
        return 2
    rows = [run(name, args, device) for name in ("fp32", "bf16")]
    if device.type == "cuda" and not torch.cuda.is_bf16_supported():
        rows[1] = run("fp16", args, device)
    for row in rows:
        print(
            f"{row['precision']:>5}: {row['it_per_s']:.3f} it/s  {row['samples_per_s']:.2f} samples/s  "
            f"peak {row['peak_memory_gib']:.2f} GiB  {row['tflop_per_step']:.3f} TFLOP/step  "
            f"{row['share_of_peak_bf16']:.1%} of peak bf16"
        )
    print(f"speed-up of {rows[1]['precision']} over fp32: {rows[1]['it_per_s'] / rows[0]['it_per_s']:.2f}x")
    if args.json:
        args.json.write_text(json.dumps({"device": str(device), "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
