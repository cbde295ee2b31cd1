"""Regenerate the bundled demo dataset and practice block from ``resources/photos``.

Writes, deterministically (two runs give byte-identical files):

- ``resources/demo/images/{original,01,02,03,04}/`` and ``resources/demo/labels/{A,B,C}/``:
  eight 256x256 sets cut where the photos have texture, four simulated enhancers, and labels
  from three simulated annotators who disagree the way real ones do;
- ``resources/practice/images/...`` and ``resources/practice/answers.json``: four sets whose
  answers are known by construction, for the annotator's practice block.

Usage: ``python scripts/make_demo_data.py [--resources DIR]``. Every image and label goes through
the core (``read_image``/``write_image``, ``make_label_file``/``write_label_file``); the image
processing is plain numpy in float64 so that the result does not depend on OpenCV's SIMD paths.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from hggt_desktop.core.atomic import write_text_atomic  # noqa: E402
from hggt_desktop.core.consensus import effective_label  # noqa: E402
from hggt_desktop.core.images import decode_image, read_image, write_image  # noqa: E402
from hggt_desktop.core.labels import Label, TimeCost, make_label_file, write_label_file  # noqa: E402

PATCH = 256
STRIDE = 16
VERSIONS = ("01", "02", "03", "04")
ANNOTATORS = ("A", "B", "C")
PNG_COMPRESSION = 9  # smallest files; the demo ships inside the bundle
MAX_OVERLAP = 0.25  # two demo crops of one photo share at most this fraction of their area

Crop = tuple[int, int]  # top-left (row, col)


# --- image operations (float64 RGB in 0..255) -------------------------------------------------


def gaussian(image: np.ndarray, sigma: float) -> np.ndarray:
    """Separable Gaussian blur with reflected borders."""
    radius = max(1, int(round(3 * sigma)))
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    kernel = np.exp(-(x**2) / (2 * sigma**2))
    kernel /= kernel.sum()
    out = image
    for axis in (0, 1):
        pad = [(0, 0)] * image.ndim
        pad[axis] = (radius, radius)
        padded = np.pad(out, pad, mode="reflect")
        length = out.shape[axis]
        acc = np.zeros_like(out)
        for i, weight in enumerate(kernel):
            acc += weight * np.take(padded, np.arange(i, i + length), axis=axis)
        out = acc
    return out


def unsharp(image: np.ndarray, sigma: float, amount: float) -> np.ndarray:
    return image + amount * (image - gaussian(image, sigma))


def bilateral(image: np.ndarray, radius: int, sigma_space: float, sigma_range: float) -> np.ndarray:
    """Edge-preserving smoothing: neighbours weighted by distance and by colour difference."""
    padded = np.pad(image, ((radius, radius), (radius, radius), (0, 0)), mode="reflect")
    height, width = image.shape[:2]
    total = np.zeros(image.shape[:2] + (1,))
    acc = np.zeros_like(image)
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            shifted = padded[radius + dy : radius + dy + height, radius + dx : radius + dx + width]
            diff = ((shifted - image) ** 2).sum(axis=2, keepdims=True)
            weight = np.exp(-(dy * dy + dx * dx) / (2 * sigma_space**2) - diff / (2 * sigma_range**2))
            acc += weight * shifted
            total += weight
    return acc / total


def high_boost_ringing(image: np.ndarray, cutoff: float, gain: float) -> np.ndarray:
    """Boost frequencies above a hard cutoff: the sharp edge in frequency rings in space."""
    height, width = image.shape[:2]
    fy = np.fft.fftfreq(height)[:, None]
    fx = np.fft.fftfreq(width)[None, :]
    response = 1.0 + gain * (np.sqrt(fx**2 + fy**2) > cutoff)
    spectrum = np.fft.fft2(image, axes=(0, 1))
    return np.real(np.fft.ifft2(spectrum * response[:, :, None], axes=(0, 1)))


def to_uint8(image: np.ndarray) -> np.ndarray:
    return np.clip(np.round(image), 0, 255).astype(np.uint8)


def jpeg_damage(image: np.ndarray, quality: int) -> np.ndarray:
    bgr = cv2.cvtColor(to_uint8(image), cv2.COLOR_RGB2BGR)
    ok, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return decode_image(data.tobytes()).astype(np.float64)


# --- the four simulated enhancers of the demo --------------------------------------------------

ENHANCERS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    # 01: a cautious model, mild unsharp mask
    "01": lambda im: unsharp(im, 1.0, 0.6),
    # 02: a denoising model that also adds a little detail back (and flattens fine texture)
    "02": lambda im: unsharp(bilateral(im, 3, 2.0, 18.0), 1.2, 0.5),
    # 03: detail enhancement: boost the residual of an edge-preserving base, then sharpen
    "03": lambda im: unsharp((base := bilateral(im, 3, 2.5, 25.0)) + 2.0 * (im - base), 1.5, 0.6),
    # 04: over-sharpening into halos plus ringing from a hard-cutoff high boost
    "04": lambda im: high_boost_ringing(unsharp(im, 2.5, 2.5), 0.18, 0.8),
}

# Hidden quality of each enhancer's character (-1 clearly worse .. +1 clearly better).
ENHANCER_QUALITY = {"01": 0.35, "02": -0.15, "03": 0.45, "04": -0.75}
# Annotator habits: (bias, noise); A is lenient, B strict, C inconsistent.
ANNOTATOR_HABITS = {"A": (0.15, 0.25), "B": (-0.2, 0.25), "C": (0.0, 0.45)}
THRESHOLD = 0.3  # |score| above this is Positive / Negative, else Similar


# --- choosing crops ---------------------------------------------------------------------------


def texture_scores(image: np.ndarray) -> dict[Crop, float]:
    """Mean absolute Laplacian of each PATCH window on a STRIDE grid."""
    gray = image.astype(np.float64).mean(axis=2)
    lap = np.zeros_like(gray)
    lap[1:-1, 1:-1] = np.abs(
        4 * gray[1:-1, 1:-1] - gray[:-2, 1:-1] - gray[2:, 1:-1] - gray[1:-1, :-2] - gray[1:-1, 2:]
    )
    integral = np.pad(lap.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    height, width = gray.shape
    scores = {}
    for row in range(0, height - PATCH + 1, STRIDE):
        for col in range(0, width - PATCH + 1, STRIDE):
            r2, c2 = row + PATCH, col + PATCH
            total = integral[r2, c2] - integral[row, c2] - integral[r2, col] + integral[row, col]
            scores[(row, col)] = float(total) / PATCH**2
    return scores


def overlap(a: Crop, b: Crop) -> float:
    rows = max(0, PATCH - abs(a[0] - b[0]))
    cols = max(0, PATCH - abs(a[1] - b[1]))
    return rows * cols / PATCH**2


def choose_crops(image: np.ndarray) -> tuple[list[Crop], Crop]:
    """The two most textured crops that barely overlap, and a practice crop away from both."""
    scores = texture_scores(image)
    ranked = sorted(scores, key=lambda c: (-scores[c], c))
    pairs = (
        (scores[a] + scores[b], a, b)
        for i, a in enumerate(ranked)
        for b in ranked[i + 1 :]
        if overlap(a, b) <= MAX_OVERLAP
    )
    _, first, second = max(pairs, key=lambda p: (p[0], [-v for v in (*p[1], *p[2])]))
    demo = sorted([first, second])
    # Practice: the most textured crop sharing at most half of either demo crop, else the one
    # that shares least (a narrow photo has no room for a third separate crop).
    shared = {c: max(overlap(c, d) for d in demo) for c in ranked}
    apart = [c for c in ranked if shared[c] <= 0.5]
    practice = apart[0] if apart else min(ranked, key=lambda c: (shared[c], -scores[c], c))
    return demo, practice


def cut(image: np.ndarray, crop: Crop) -> np.ndarray:
    row, col = crop
    return image[row : row + PATCH, col : col + PATCH].astype(np.float64)


def stem_of(photo: Path, crop: Crop) -> str:
    return f"{photo.stem}-{crop[0]}-{crop[1]}"


# --- simulated annotators -----------------------------------------------------------------------


def to_label(score: float) -> Label:
    if score > THRESHOLD:
        return Label.POSITIVE
    if score < -THRESHOLD:
        return Label.NEGATIVE
    return Label.SIMILAR


def simulate_labels(stems: list[str], seed: int) -> dict[str, dict[str, dict[str, Label]]]:
    """labels[stem][annotator][version] from a hidden quality plus each annotator's habits."""
    rng = np.random.default_rng(seed)
    result: dict[str, dict[str, dict[str, Label]]] = {}
    for stem in stems:
        truth = {v: ENHANCER_QUALITY[v] + rng.normal(0.0, 0.3) for v in VERSIONS}
        result[stem] = {
            a: {v: to_label(truth[v] + bias + rng.normal(0.0, noise)) for v in VERSIONS}
            for a, (bias, noise) in ANNOTATOR_HABITS.items()
        }
    return result


def covers_the_cases(labels: dict[str, dict[str, dict[str, Label]]]) -> bool:
    """At least one P-vs-N conflict, a 2-vs-1, an all-different, two sets with >= 2 Positives."""
    conflict = two_one = all_different = 0
    rich_sets = 0
    for by_annotator in labels.values():
        positives = 0
        for version in VERSIONS:
            votes = [by_annotator[a][version] for a in ANNOTATORS]
            label, count = effective_label(votes)
            conflict += Label.POSITIVE in votes and Label.NEGATIVE in votes
            two_one += count == 2
            all_different += len(set(votes)) == 3
            positives += label == Label.POSITIVE
        rich_sets += positives >= 2
    return conflict >= 2 and two_one >= 3 and all_different >= 1 and rich_sets >= 2


def first_covering_labels(stems: list[str]) -> dict[str, dict[str, dict[str, Label]]]:
    """The labels of the first seed (0, 1, ...) that covers every case the demo must show."""
    for seed in range(1000):
        labels = simulate_labels(stems, seed)
        if covers_the_cases(labels):
            return labels
    raise RuntimeError("no seed below 1000 covers the demo cases; loosen the annotator habits")


def time_costs(stems: list[str], annotator: str, start: datetime, seed: int) -> dict[str, TimeCost]:
    """One working session: each set takes 25-60 s of active work, a few idle seconds between."""
    rng = np.random.default_rng(seed)
    costs = {}
    moment = start
    for stem in stems:
        total = int(rng.integers(25, 61))
        idle = int(rng.integers(0, 3)) + (int(rng.integers(20, 90)) if rng.random() < 0.15 else 0)
        costs[stem] = TimeCost(moment, moment + timedelta(seconds=total + idle), total)
        moment += timedelta(seconds=total + idle + int(rng.integers(2, 7)))
    return costs


# --- the practice block -------------------------------------------------------------------------

PRACTICE_BLUR = 1.0  # the practice originals are slightly soft so that sharpening can help

# treatment -> (make the version from (soft original, sharp source), answer, why)
TREATMENTS: dict[str, tuple[Callable[[np.ndarray, np.ndarray], np.ndarray], Label, str]] = {
    "copy": (lambda soft, sharp: soft, Label.SIMILAR, "This version is the original, pixel for pixel."),
    "shift": (
        lambda soft, sharp: soft + 1.0,
        Label.SIMILAR,
        "One grey level brighter than the original: no difference anyone can see.",
    ),
    "sharpen": (
        lambda soft, sharp: unsharp(soft, 1.2, 0.9),
        Label.POSITIVE,
        "A clean, moderate sharpening of a slightly soft original: crisper edges, no halos.",
    ),
    "source": (
        lambda soft, sharp: sharp,
        Label.POSITIVE,
        "The sharp photograph the soft original was made from: real detail, no artifacts.",
    ),
    "blur": (
        lambda soft, sharp: gaussian(soft, 2.5),
        Label.NEGATIVE,
        "Heavily blurred: the detail of the original is lost.",
    ),
    "jpeg": (
        lambda soft, sharp: jpeg_damage(soft, 8),
        Label.NEGATIVE,
        "Strong JPEG compression: 8x8 blocks and smeared colours.",
    ),
    "halo": (
        lambda soft, sharp: high_boost_ringing(unsharp(soft, 2.5, 3.0), 0.18, 1.0),
        Label.NEGATIVE,
        "Over-sharpened: bright and dark halos and ringing along the edges.",
    ),
    "noise": (
        lambda soft, sharp: soft + np.random.default_rng(7).normal(0.0, 14.0, soft.shape),
        Label.NEGATIVE,
        "Grainy noise added all over: worse than the original.",
    ),
    "cast": (
        lambda soft, sharp: soft * np.array([1.12, 1.0, 0.82]),
        Label.NEGATIVE,
        "A warm colour cast: the colours no longer match the original.",
    ),
}

# One row per practice set (photos in sorted order): the treatment of versions 01..04.
PRACTICE_PLAN = (
    ("copy", "sharpen", "jpeg", "halo"),
    ("blur", "source", "shift", "sharpen"),
    ("sharpen", "noise", "copy", "cast"),
    ("halo", "shift", "source", "blur"),
)


# --- writing ----------------------------------------------------------------------------------


def write_set(images_dir: Path, stem: str, original: np.ndarray, versions: dict[str, np.ndarray]) -> None:
    write_image(images_dir / "original" / f"{stem}.png", to_uint8(original), PNG_COMPRESSION)
    for version, image in versions.items():
        write_image(images_dir / version / f"{stem}_{version}.png", to_uint8(image), PNG_COMPRESSION)


def make_demo(photos: list[Path], demo_dir: Path) -> list[str]:
    images_dir, labels_dir = demo_dir / "images", demo_dir / "labels"
    stems = []
    for photo in photos:
        image = read_image(photo)
        for crop in choose_crops(image)[0]:
            stem = stem_of(photo, crop)
            patch = cut(image, crop)
            write_set(images_dir, stem, patch, {v: f(patch) for v, f in ENHANCERS.items()})
            stems.append(stem)
    labels = first_covering_labels(stems)
    for index, annotator in enumerate(ANNOTATORS):
        session = datetime(2022, 8, 5, 9 + 2 * index, 3 * index, 11 * index)
        costs = time_costs(stems, annotator, session, seed=100 + index)
        for stem in stems:
            label_file = make_label_file(stem, labels[stem][annotator], costs[stem])
            write_label_file(labels_dir / annotator / f"{stem}.json", label_file)
    return stems


def make_practice(photos: list[Path], practice_dir: Path) -> dict[str, dict]:
    answers: dict[str, dict] = {}
    for photo, plan in zip(photos, PRACTICE_PLAN, strict=True):
        image = read_image(photo)
        crop = choose_crops(image)[1]
        stem = stem_of(photo, crop)
        sharp = cut(image, crop)
        soft = gaussian(sharp, PRACTICE_BLUR)
        versions = {v: TREATMENTS[t][0](soft, sharp) for v, t in zip(VERSIONS, plan, strict=True)}
        write_set(practice_dir / "images", stem, soft, versions)
        entry: dict = {v: TREATMENTS[t][1].value for v, t in zip(VERSIONS, plan, strict=True)}
        entry["why"] = {v: TREATMENTS[t][2] for v, t in zip(VERSIONS, plan, strict=True)}
        answers[stem] = entry
    text = json.dumps(answers, indent=2, ensure_ascii=False) + "\n"
    write_text_atomic(practice_dir / "answers.json", text)
    return answers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=Path, default=ROOT / "resources", help="resources folder")
    args = parser.parse_args(argv)
    photos = sorted(p for p in (args.resources / "photos").iterdir() if p.suffix in (".png", ".jpg"))
    if len(photos) != len(PRACTICE_PLAN):
        print(f"expected {len(PRACTICE_PLAN)} photos in {args.resources / 'photos'}, found {len(photos)}")
        return 2
    # Generated folders are replaced whole so that a changed crop leaves no stale files behind.
    for generated in ("demo/images", "demo/labels", "practice/images"):
        shutil.rmtree(args.resources / generated, ignore_errors=True)
    stems = make_demo(photos, args.resources / "demo")
    answers = make_practice(photos, args.resources / "practice")
    print(f"demo: {len(stems)} sets ({', '.join(stems)})")
    print(f"practice: {len(answers)} sets ({', '.join(answers)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
