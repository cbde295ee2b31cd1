"""Label every work package in a folder as three simulated annotators would, through the app's model.

Stands in for step 5 of the README's walkthrough (people labelling with ``hggt-desktop``), so
that the rest of the workflow can be tried, and tested, without anyone at the screen:

    python scripts/simulate_annotators.py walkthrough/Packages

Each package is opened exactly as the annotator app opens it (``open_workspace`` and the
Qt-free ``AnnotationModel``: the same lock, label files, records and time costs), and every
version of every set gets a label through ``give_label``, one keypress at a time. The judge
looks at the images: it likes a version a little sharper than the original (fine-detail
contrast up to about 1.5x) and dislikes one that is blurred, or far over-sharpened; identical
images are Similar. Annotator habits add a bias and noise (``A`` lenient, ``B`` strict, ``C``
inconsistent), drawn from a seed made of the annotator and the set, so runs are repeatable.
The labels are simulated, not human judgements.
"""

from __future__ import annotations

import argparse
import math
import sys
import zlib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from hggt_desktop.annotation.model import AnnotationModel
from hggt_desktop.annotation.workspace import WorkspaceError, open_workspace
from hggt_desktop.core.labels import Label

HABITS = {"A": (0.15, 0.2), "B": (-0.15, 0.2), "C": (0.0, 0.4)}  # (bias, noise)
DEFAULT_HABIT = (0.0, 0.3)
PREFERRED_GAIN = 1.5  # the fine-detail contrast gain the judge likes best
THRESHOLD = 0.3  # a score above is Positive, below minus it Negative


def detail(image: np.ndarray) -> float:
    """Fine-detail contrast: the standard deviation of the luma's Laplacian."""
    gray = image.astype(np.float64).mean(axis=2)
    lap = 4 * gray[1:-1, 1:-1] - gray[:-2, 1:-1] - gray[2:, 1:-1] - gray[1:-1, :-2] - gray[1:-1, 2:]
    return float(lap.std()) + 1e-6


def judge(
    original: np.ndarray, version: np.ndarray, bias: float, noise: float, rng: np.random.Generator
) -> Label:
    """One annotator's label of a version against the original."""
    if np.abs(original.astype(int) - version.astype(int)).mean() < 0.5:
        return Label.SIMILAR
    gain = detail(version) / detail(original)
    score = 0.6 - 1.5 * abs(math.log(gain / PREFERRED_GAIN)) + bias + rng.normal(0.0, noise)
    if score > THRESHOLD:
        return Label.POSITIVE
    if score < -THRESHOLD:
        return Label.NEGATIVE
    return Label.SIMILAR


def label_package(package: Path) -> int:
    """Label every set of one package as its annotator; the number of labels given."""
    model = AnnotationModel(open_workspace(package), prefetch=False)
    bias, noise = HABITS.get(model.workspace.annotator, DEFAULT_HABIT)
    given = 0
    model.start()
    try:
        for index in range(model.count):
            model.go_to(index)
            loaded = model.loaded
            assert loaded is not None
            seed = zlib.crc32(f"{model.workspace.annotator}/{model.progress.stem}".encode())
            rng = np.random.default_rng(seed)
            original = loaded.images["original"]
            for position in range(model.version_count):
                model.select(position)
                version = loaded.images[model.version_at(position)]
                assert original is not None and version is not None
                if not model.give_label(judge(original, version, bias, noise, rng)):
                    raise RuntimeError(f"{package}: a label of set {model.progress.stem} was not saved")
                given += 1
    finally:
        model.close()
    return given


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("packages", type=Path, help="the OUT_DIR of 'hggt-data package'")
    args = parser.parse_args(argv)
    packages = sorted(p for p in args.packages.iterdir() if (p / "package.json").is_file())
    if not packages:
        print(f"{args.packages}: holds no work package (package.json); run 'hggt-data package' first")
        return 2
    for package in packages:
        try:
            given = label_package(package)
        except WorkspaceError as exc:
            print(f"{package}: {exc}")
            return 2
        print(f"{package.name}: {given} labels")
    return 0


if __name__ == "__main__":
    sys.exit(main())
