"""GPU check of the enhancement runner: published-width RCAN at 2K on CUDA, PyTorch engine.

    python bench/gpu_check_enhance.py [--photos 4] [--long-side 2048] [--rounds 2] [--json OUT.json]
    python bench/gpu_check_enhance.py --dry-run     # on the CPU, tiny model and photos (the test)

The enhancement part of ``bench/gpu_check.sh`` (that script calls this one). It measures, in
one process and on one GPU, with an RCAN of the published enhancers' size (10 groups x 20
blocks, 64 features, squeeze 16; seeded weights with a small output layer, so that it is a
near-identity like a trained enhancer and the precision probe behaves as on real weights):

- baseline: the published script's approach (eager PyTorch fp32, one tile per call with
  context padding and centre crop, read -> compute -> write in sequence; bench_enhance.py);
- the runner with the PyTorch engine in fp32, fp16 and bf16 (the precision obtained is printed:
  the engine falls back to fp32 when the probe tile differs by more than one 8-bit level),

each after a warm-up on one photo (CUDA context, cuDNN algorithm search), over ``--rounds``
rounds, and prints megapixels per second, the speed-up against the baseline of the same round,
the engine's busy share of the wall time, and how far fp16/bf16 outputs are from fp32 (8-bit
levels). Exit 2 when no CUDA device is visible (without --dry-run).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ["ORT_DISABLE_TELEMETRY"] = "1"
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
import torch
from bench_enhance import make_photos, run_baseline

from enhance.archs.rcan import RCAN
from enhance.engines.factory import open_engine
from enhance.job import ModelSpec, RunOptions, output_path
from enhance.runner import Runner
from hggt_desktop.core.hashing import sha256_file
from hggt_desktop.core.images import read_image

PRECISIONS = ("fp32", "fp16", "bf16")
PUBLISHED = {"num_group": 10, "num_block": 20, "num_feat": 64, "squeeze_factor": 16}
TINY = {"num_group": 1, "num_block": 1, "num_feat": 8, "squeeze_factor": 4}


def make_model(path: Path, sizes: dict) -> RCAN:
    """A seeded RCAN saved as a BasicSR checkpoint, near-identity like a trained enhancer."""
    torch.manual_seed(0)
    model = RCAN(**sizes).eval()
    with torch.no_grad():
        model.conv_last.weight.mul_(0.05)
        model.conv_last.bias.zero_()
    torch.save({"params": model.state_dict()}, path)
    return model


class Description:
    """Collects the engine line of each runner pass (the precision actually obtained)."""

    def __init__(self) -> None:
        self.text = ""

    def started(self, total: int, skipped: int) -> None: ...

    def engine_opened(self, model_id: str, device: int, description: str) -> None:
        self.text = description

    def finished_one(self, model_id: str, image: str, ok: bool, message: str = "") -> None: ...


def time_baseline(model: RCAN, src: Path, out: Path, names: list[str], args, device: str) -> dict:
    start = time.perf_counter()
    megapixels = run_baseline(model, src, out, names, args.tile, args.overlap, device)
    return {"wall": time.perf_counter() - start, "mp": megapixels, "busy": 0.0, "engine": "eager fp32"}


def time_runner(path: Path, src: Path, out: Path, names: list[str], args, precision: str) -> dict:
    options = RunOptions(tile=args.tile, overlap=args.overlap, precision=precision, provider=args.provider)
    spec = ModelSpec("01", path, sha256_file(path))
    description = Description()
    start = time.perf_counter()
    summary = Runner(src, out, names, [spec], options, open_engine, description).run()  # type: ignore[arg-type]
    wall = time.perf_counter() - start
    if summary.failed or summary.fatal:
        raise SystemExit(f"runner {precision} failed: {summary.failed or summary.fatal}")
    return {"wall": wall, "mp": summary.megapixels, "busy": summary.engine_busy_s, "engine": description.text}


def level_difference(a_dir: Path, b_dir: Path, names: list[str], flat_b: bool = False) -> tuple[int, float]:
    """(largest difference in 8-bit levels, share of values more than one level apart)."""
    largest, over, count = 0, 0, 0
    for name in names:
        a = read_image(output_path(a_dir, "01", name)).astype(np.int16)
        b_path = b_dir / f"{Path(name).stem}_01.png" if flat_b else output_path(b_dir, "01", name)
        b = read_image(b_path).astype(np.int16)
        diff = np.abs(a - b)
        largest, over, count = max(largest, int(diff.max())), over + int((diff > 1).sum()), count + diff.size
    return largest, over / max(count, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=4)
    parser.add_argument("--long-side", type=int, default=2048)
    parser.add_argument("--tile", type=int, default=512)
    parser.add_argument("--overlap", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--dry-run", action="store_true", help="CPU, tiny model and photos: checks the script"
    )
    args = parser.parse_args(argv)
    if args.dry_run:
        args.photos, args.long_side, args.tile, args.overlap, args.rounds = 2, 96, 64, 16, 1
        args.provider, device, sizes = "cpu", "cpu", TINY
    else:
        if not torch.cuda.is_available():
            print(
                "no CUDA device visible to PyTorch: nothing to check (use --dry-run on a CPU)",
                file=sys.stderr,
            )
            return 2
        args.provider, device, sizes = "cuda", "cuda", PUBLISHED
    work = Path(tempfile.mkdtemp(prefix="hggt-gpu-enhance-"))
    try:
        names = make_photos(work / "in", args.photos, args.long_side)
        model = make_model(work / "rcan.pth", sizes)
        gpu = torch.cuda.get_device_name(0) if device == "cuda" else "CPU (dry run)"
        print(
            f"{gpu}; RCAN {sizes['num_group']}x{sizes['num_block']} blocks, {sizes['num_feat']} features; "
            f"{len(names)} photos, long side {args.long_side}; tile {args.tile}, overlap {args.overlap}"
        )
        approaches = ["baseline", *PRECISIONS]

        def run_one(approach: str, folder: str, photos: list[str]) -> dict:
            out = work / folder
            shutil.rmtree(out, ignore_errors=True)
            if approach == "baseline":
                return time_baseline(model, work / "in", out, photos, args, device)
            return time_runner(work / "rcan.pth", work / "in", out, photos, args, approach)

        for approach in approaches:  # warm-up: CUDA context, cuDNN algorithm search, allocator
            run_one(approach, f"warm-{approach}", names[:1])
        rounds = []
        for index in range(args.rounds):
            order = approaches[index % 4 :] + approaches[: index % 4]
            rounds.append({approach: run_one(approach, f"out-{approach}", names) for approach in order})
            base = rounds[-1]["baseline"]["mp"] / rounds[-1]["baseline"]["wall"]
            print(f"round {index + 1}:")
            for approach in approaches:
                r = rounds[-1][approach]
                speed = r["mp"] / r["wall"]
                busy = f", engine busy {100 * r['busy'] / r['wall']:.0f}%" if r["busy"] else ""
                print(
                    f"  {approach:8s} {speed:7.3f} MP/s ({r['wall']:.2f} s), {speed / base:.2f}x{busy}; {r['engine']}"
                )
        results: dict = {"device": gpu, "model": sizes, "photos": len(names), "long_side": args.long_side}
        for approach in approaches:
            speeds = [r[approach]["mp"] / r[approach]["wall"] for r in rounds]
            ups = [
                s / (r["baseline"]["mp"] / r["baseline"]["wall"]) for s, r in zip(speeds, rounds, strict=True)
            ]
            busy = [r[approach]["busy"] / r[approach]["wall"] for r in rounds]
            results[approach] = {
                "mp_per_s": float(np.median(speeds)),
                "speedup": float(np.median(ups)),
                "engine_busy": float(np.median(busy)),
                "engine": rounds[-1][approach]["engine"],
            }
        for precision in PRECISIONS[1:]:
            largest, share = level_difference(work / "out-fp32", work / f"out-{precision}", names)
            results[precision].update(max_levels_from_fp32=largest, share_over_one_level=share)
        largest, share = level_difference(work / "out-fp32", work / "out-baseline", names, flat_b=True)
        results["baseline"].update(max_levels_from_fp32=largest, share_over_one_level=share)
        print(f"medians of {args.rounds} rounds:")
        for approach in approaches:
            r = results[approach]
            extra = f", engine busy {100 * r['engine_busy']:.0f}%" if approach != "baseline" else ""
            if "max_levels_from_fp32" in r:
                extra += (
                    f"; vs runner fp32: max {r['max_levels_from_fp32']} levels, "
                    f"{100 * r['share_over_one_level']:.3f}% over one level"
                )
            print(f"  {approach:8s} {r['mp_per_s']:7.3f} MP/s, {r['speedup']:.2f}x the baseline{extra}")
        if args.json:
            args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
