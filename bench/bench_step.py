"""Benchmark: one Pos+Neg GAN training step at batch 12, vectorised losses vs a per-sample loop.

Both steps run the same generator forward/backward and discriminator step on the same batch;
they differ in how the losses are computed. The baseline loops over the samples in Python and
branches on whether a sample has a Positive / a Negative (the published code's structure, whose
graph changes with the labels); ours computes every term for the whole batch with 0/1 masks.
Prints both step times, the speedup and the largest difference between the loss values.

CPU defaults keep a step short (small G and D, random VGG19 weights, 48 px crops); on a GPU use
the published sizes: --feat 64 --blocks 23 --d-feat 64 --gt 256.

    python bench/bench_step.py [--device cpu] [--feat 16] [--blocks 2] [--gt 48] [--repeats 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch
from torch.nn import functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from enhance.archs.rrdbnet import RRDBNet
from hggt_desktop.core.consensus import HGGT_RATERS
from hggt_desktop.pack.format import NEGATIVE, POSITIVE
from train.archs.discriminator import UNetDiscriminatorSN
from train.losses import choose_targets, gan_loss, negative_loss
from train.vgg import LAYER_WEIGHTS, VGG19Features, perceptual_loss


def vectorised_losses(sr, targets, net_d, vgg):
    """The loop's generator losses: every term on the whole batch."""
    return {
        "l_pix": F.l1_loss(sr, targets.positive),
        "l_percep": perceptual_loss(vgg, sr, targets.positive),
        "l_gan": 0.1 * gan_loss(net_d(sr), real=True),
        "l_neg": negative_loss(sr, targets, 300.0),
    }


def per_sample_losses(sr, targets, net_d, vgg):
    """The same losses, one sample at a time, with a branch per label situation."""
    b = sr.shape[0]
    out = {"l_pix": 0.0, "l_percep": 0.0, "l_gan": 0.0, "l_neg": 0.0}
    for i in range(b):
        s, p = sr[i : i + 1], targets.positive[i : i + 1]
        out["l_pix"] = out["l_pix"] + F.l1_loss(s, p) / b
        features, target_features = vgg(s), vgg(p)
        out["l_percep"] = (
            out["l_percep"]
            + sum(w * F.l1_loss(features[k], target_features[k].detach()) for k, w in LAYER_WEIGHTS.items())
            / b
        )
        out["l_gan"] = out["l_gan"] + 0.1 * gan_loss(net_d(s), real=True) / b
        if targets.has_negative[i] == 0:
            continue  # no Negative: no term (the graph differs from sample to sample)
        o, n = targets.original[i], targets.negative[i]
        r_n = (o - n).abs().sum(0)[None, None]
        m = targets.negative_votes[i] / HGGT_RATERS * _var3(r_n) ** 0.75
        if targets.positive_index[i] != 0:
            r_p = (o - targets.positive[i]).abs().sum(0)[None, None]
            m_pos = targets.positive_votes[i] / HGGT_RATERS * _var3(r_p) ** 0.75
            m = torch.where(m > m_pos, m, torch.zeros_like(m))
        out["l_neg"] = out["l_neg"] - 300.0 / b * (m.detach() * (s - n)).abs().mean()
    return out


def _var3(r: torch.Tensor) -> torch.Tensor:
    padded = F.pad(r, (1, 1, 1, 1), mode="reflect")
    windows = torch.stack(
        [padded[..., y : y + r.shape[-2], x : x + r.shape[-1]] for y in range(3) for x in range(3)]
    )
    return windows.var(0, unbiased=True)


def step(losses_fn, net_g, net_d, vgg, opt_g, opt_d, lr, targets, per_sample: bool):
    """One generator step and one discriminator step; returns the generator's loss values."""
    # D in eval mode for the generator's loss: spectral norm then skips its power iteration, which
    # would otherwise run once per call (12 times in the loop) and make the two ways differ.
    net_d.requires_grad_(False).eval()
    sr = net_g(lr)
    losses = losses_fn(sr, targets, net_d, vgg)
    total = sum(losses.values())
    opt_g.zero_grad(set_to_none=True)
    total.backward()
    opt_g.step()
    net_d.requires_grad_(True).train()
    b = sr.shape[0]
    if per_sample:
        l_d = sum(
            (
                gan_loss(net_d(targets.positive[i : i + 1]), True)
                + gan_loss(net_d(sr[i : i + 1].detach()), False)
            )
            / b
            for i in range(b)
        )
    else:
        logits = net_d(torch.cat((targets.positive, sr.detach())))
        l_d = gan_loss(logits[:b], True) + gan_loss(logits[b:], False)
    opt_d.zero_grad(set_to_none=True)
    l_d.backward()
    opt_d.step()
    return {k: float(v.detach()) for k, v in losses.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--feat", type=int, default=16)
    parser.add_argument("--blocks", type=int, default=2)
    parser.add_argument("--d-feat", type=int, default=32)
    parser.add_argument("--gt", type=int, default=48)
    parser.add_argument("--batch", type=int, default=12)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    device = torch.device(args.device)
    gen = torch.Generator().manual_seed(0)
    b, gt = args.batch, args.gt
    hr = torch.rand(b, 5, 3, gt, gt, generator=gen).to(device)
    lr = torch.rand(b, 3, gt // 4, gt // 4, generator=gen).to(device)
    # A Pos+Neg mix: a third with P and N, a third with only N, a third with only P.
    rows = [[POSITIVE, NEGATIVE, 1, POSITIVE], [NEGATIVE, 1, 1, NEGATIVE], [1, POSITIVE, 1, 1]]
    effective = torch.tensor([rows[i % 3] for i in range(b)], device=device)
    votes = torch.randint(1, 4, (b, 4), generator=gen).to(device)
    targets = choose_targets(hr, effective, votes, True, torch.Generator().manual_seed(1))

    torch.manual_seed(0)
    vgg = VGG19Features().to(device)  # random weights: the cost is the same as the real ones
    ways = {"vectorised": (vectorised_losses, False), "per-sample loop": (per_sample_losses, True)}
    nets, values = {}, {}
    for name, (fn, per_sample) in ways.items():
        torch.manual_seed(0)
        net_g = RRDBNet(num_feat=args.feat, num_block=args.blocks, num_grow_ch=args.feat // 2).to(device)
        net_d = UNetDiscriminatorSN(3, args.d_feat).to(device)
        opt_g = torch.optim.Adam(net_g.parameters(), 1e-4, betas=(0.9, 0.99))
        opt_d = torch.optim.Adam(net_d.parameters(), 1e-4, betas=(0.9, 0.99))
        with torch.no_grad():  # settle spectral norm's power iteration, as a few training steps would
            for _ in range(5):
                net_d(hr[:2, 0])
        nets[name] = (net_g, net_d, opt_g, opt_d)
        values[name] = step(
            fn, net_g, net_d, vgg, opt_g, opt_d, lr, targets, per_sample
        )  # first step: compared
    # Interleaved, best of the repeats: a shared machine's load hits both ways alike.
    times: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(args.repeats):
        for name, (fn, per_sample) in ways.items():
            if device.type == "cuda":
                torch.cuda.synchronize()
            start = time.perf_counter()
            step(fn, *nets[name][:2], vgg, *nets[name][2:], lr, targets, per_sample)
            if device.type == "cuda":
                torch.cuda.synchronize()
            times[name].append(time.perf_counter() - start)
    results = {name: min(t) for name, t in times.items()}
    diff = max(abs(values["vectorised"][k] - values["per-sample loop"][k]) for k in values["vectorised"])
    relative = max(
        abs(values["vectorised"][k] - values["per-sample loop"][k]) / max(abs(values["vectorised"][k]), 1e-12)
        for k in values["vectorised"]
    )
    print(
        f"device {device}, batch {b}, crops {gt}/{gt // 4}, G RRDBNet({args.feat} feat, {args.blocks} blocks), D {args.d_feat} feat"
    )
    for name, seconds in results.items():
        print(f"{name:>16}: {seconds * 1000:8.1f} ms/step  ({1 / seconds:.2f} it/s)")
    print(f"speedup: {results['per-sample loop'] / results['vectorised']:.2f}x (goal >= 2x on CPU)")
    print("loss values (first step): " + ", ".join(f"{k} {v:.6f}" for k, v in values["vectorised"].items()))
    print(
        f"largest difference between the two ways: {diff:.2e} absolute, {relative:.2e} relative (float32 sums)"
    )


if __name__ == "__main__":
    main()
