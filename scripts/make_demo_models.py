"""Regenerate the four small demo enhancers in ``resources/models/`` from ``resources/photos``.

Each is a tiny RCAN (BasicSR parameter names, no upsampler: the output has the input's size)
fitted by gradient descent to one simulated enhancer of ``scripts/make_demo_data.py`` on random
crops of the bundled photos, so that each has a visible character:

- ``01`` clean: a mild unsharp mask;
- ``02`` over-smoothed: edge-preserving smoothing that flattens fine texture;
- ``03`` false texture: the finest, pixel-scale detail boosted 2.5 times, so grain and noise
  become a crisp, busy texture the photo does not have (no wide halos);
- ``04`` halos: strong over-sharpening plus ringing along edges.

``01`` is written as a BasicSR checkpoint in safetensors (``params.<name>`` keys, what
``hggt-train`` writes), ``02``-``04`` as ONNX files exported from the fitted networks.

Usage: ``python scripts/make_demo_models.py [--resources DIR] [--steps N]``. One CPU thread and
fixed seeds: two runs on the same machine and PyTorch build give byte-identical files (another
CPU may round differently; the tests check what the models do, not their bytes).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import nn

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a checkout without installing
sys.path.insert(0, str(HERE))

import make_demo_data as demo  # noqa: E402

from enhance.archs.rcan import RCAN  # noqa: E402
from enhance.onnx_export import export_onnx  # noqa: E402
from hggt_desktop.core.images import read_image  # noqa: E402

# The network: 12 features, 2 groups of 2 blocks: 13 convolutions in a row (receptive radius
# 13 pixels, enough for the halo model's wide unsharp mask), ~24k parameters, ~100 kB a file.
NUM_FEAT, NUM_GROUP, NUM_BLOCK, SQUEEZE = 12, 2, 2, 4
CROP = 48  # training crop side
MARGIN = 12  # the loss ignores this border: there the network sees zero padding, the target did not
BATCH = 6
STEPS = 600
LEARNING_RATE = 3e-3


def oversmooth(image: np.ndarray) -> np.ndarray:
    return demo.bilateral(image, 3, 3.0, 40.0)


def false_texture(image: np.ndarray) -> np.ndarray:
    # The finest detail (the pixel-scale residual over a slight blur) boosted 2.5 times: grain
    # and noise become a crisp, busy texture the photo does not have; unlike 04, no wide halos.
    return image + 2.5 * (image - demo.gaussian(image, 0.8))


TARGETS: dict[str, tuple[str, Callable[[np.ndarray], np.ndarray], str]] = {
    "01": ("clean", demo.ENHANCERS["01"], "safetensors"),
    "02": ("smooth", oversmooth, "onnx"),
    "03": ("texture", false_texture, "onnx"),
    "04": ("halo", demo.ENHANCERS["04"], "onnx"),
}


def model_file(models_dir: Path, model_id: str) -> Path:
    """Where the model of ``model_id`` lives, e.g. ``resources/models/01_clean.safetensors``."""
    name, _, fmt = TARGETS[model_id]
    return models_dir / f"{model_id}_{name}.{fmt}"


def training_pairs(photos: list[Path], target: Callable) -> list[tuple[np.ndarray, np.ndarray]]:
    """(input, target) float32 ``3 x H x W`` arrays in [0, 1], one pair per photo."""
    pairs = []
    for photo in photos:
        image = read_image(photo).astype(np.float64)
        wanted = np.clip(target(image), 0, 255)
        pairs.append(
            (
                (image / 255).astype(np.float32).transpose(2, 0, 1),
                (wanted / 255).astype(np.float32).transpose(2, 0, 1),
            )
        )
    return pairs


def fit(pairs: list[tuple[np.ndarray, np.ndarray]], steps: int, seed: int) -> RCAN:
    """A tiny RCAN fitted to the pairs (L1 on the crops' interiors, Adam, cosine schedule)."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = RCAN(num_feat=NUM_FEAT, num_group=NUM_GROUP, num_block=NUM_BLOCK, squeeze_factor=SQUEEZE)
    # Start near the identity (a small last layer), where every enhancer of the demo is close to.
    with torch.no_grad():
        model.conv_last.weight.mul_(0.05)
        model.conv_last.bias.zero_()
    optimiser = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, steps)
    inner = slice(MARGIN, CROP - MARGIN)
    for _step in range(steps):
        inputs, targets = [], []
        for _ in range(BATCH):
            source, wanted = pairs[int(rng.integers(len(pairs)))]
            row = int(rng.integers(source.shape[1] - CROP + 1))
            col = int(rng.integers(source.shape[2] - CROP + 1))
            inputs.append(source[:, row : row + CROP, col : col + CROP])
            targets.append(wanted[:, row : row + CROP, col : col + CROP])
        x = torch.from_numpy(np.stack(inputs))  # B x 3 x CROP x CROP
        y = torch.from_numpy(np.stack(targets))
        loss = nn.functional.l1_loss(model(x)[:, :, inner, inner], y[:, :, inner, inner])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
    return model.eval()


def save_safetensors(model: nn.Module, path: Path) -> None:
    """BasicSR's checkpoint layout, flattened: ``params.<name>`` as ``hggt-train`` writes it."""
    from safetensors.torch import save_file

    state = {f"params.{k}": v.detach().contiguous() for k, v in model.state_dict().items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(state, str(path), metadata={"made_by": "scripts/make_demo_models.py"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--resources",
        type=Path,
        default=HERE.parent / "resources",
        help="resources folder (default: the checkout's)",
    )
    parser.add_argument(
        "--steps", type=int, default=STEPS, help=f"training steps per model (default {STEPS})"
    )
    parser.add_argument(
        "--only", nargs="+", choices=tuple(TARGETS), help="make only these models (default: all four)"
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # one thread: the same sums in the same order on every run
    photos = sorted(p for p in (args.resources / "photos").iterdir() if p.suffix in (".png", ".jpg"))
    models_dir = args.resources / "models"
    models_dir.mkdir(parents=True, exist_ok=True)
    for index, (model_id, (name, target, fmt)) in enumerate(TARGETS.items()):
        if args.only and model_id not in args.only:
            continue
        started = time.perf_counter()
        model = fit(training_pairs(photos, target), args.steps, seed=index)
        path = model_file(models_dir, model_id)
        if fmt == "safetensors":
            save_safetensors(model, path)
        else:
            export_onnx(model, path)
        print(f"{path} ({name}, {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
