"""DiverSeg dataset quality Q(X): how close a dataset's blockiness is to known JPEG qualities.

The default basis distributions are the DiverSeg authors' own: B(x) of the 3,450 DF2K images
kept lossless and re-encoded at JPEG quality 95, 85, 75 and 50, shipped with their MIT licence
in ``resources/blockiness/df2k/``. A basis is a folder of five text files, ``<name>.txt``
(lossless) and ``<name>_q95.txt`` .. ``<name>_q50.txt``, one ``<path>\t<B>`` line per image, the
published format; ``scripts/build_blockiness_basis.py`` writes one from a user's own photos.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy.special import kl_div
from scipy.stats import gaussian_kde

from hggt_desktop.resources import resource_path

QUALITIES = ("png", "q95", "q85", "q75", "q50")
WEIGHTS = (1.0, 0.95, 0.85, 0.75, 0.5)
# The file-name suffix of each quality in a basis folder ("" is the lossless list).
SUFFIXES = {"png": "", "q95": "_q95", "q85": "_q85", "q75": "_q75", "q50": "_q50"}
CUTOFF = 300.0
POINTS = 3450
EPSILON = 1e-10


class QualityError(Exception):
    """Q(X) cannot be computed (too few usable scores, or an unusable basis folder)."""


def default_basis_path() -> Path:
    """The published DF2K basis shipped in ``resources/blockiness/df2k/``."""
    return resource_path("blockiness", "df2k")


def basis_files(folder: Path) -> dict[str, Path]:
    """The list file of each quality in a basis folder, found by the ``_q50.txt`` file's name."""
    q50 = sorted(folder.glob("*_q50.txt")) if folder.is_dir() else []
    if len(q50) != 1:
        raise QualityError(
            f"{folder}: not a blockiness basis (wants a folder with one <name>.txt and "
            "<name>_q95/_q85/_q75/_q50.txt); build one with scripts/build_blockiness_basis.py"
        )
    name = q50[0].name[: -len("_q50.txt")]
    return {q: folder / f"{name}{suffix}.txt" for q, suffix in SUFFIXES.items()}


def read_basis_list(path: Path) -> np.ndarray:
    """The B values of one list file (``<image path>\t<B>`` per line; blank lines skipped)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise QualityError(f"{path}: not a blockiness basis list ({exc})") from exc
    values = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            value = float(line.rsplit("\t", 1)[-1])
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise QualityError(
                f"{path} line {number}: not a blockiness basis line ('<image path><TAB><B>' expected, "
                f"got {line[:60]!r}); rebuild it with scripts/build_blockiness_basis.py"
            )
        values.append(value)
    if len(values) < 2:
        raise QualityError(f"{path}: not a blockiness basis list (fewer than two values)")
    return np.asarray(values, dtype=np.float64)


def load_basis(path: Path | None = None) -> dict[str, np.ndarray]:
    """Basis blockiness values per quality (``png``, ``q95`` .. ``q50``) from a basis folder."""
    folder = Path(path) if path is not None else default_basis_path()
    return {q: read_basis_list(file) for q, file in basis_files(folder).items()}


def kl_divergence(values: np.ndarray, basis: np.ndarray) -> float:
    """Sum of ``kl_div(p, q)`` of the two Scott-bandwidth KDEs on 3450 points spanning both."""
    low = min(values.min(), basis.min())
    high = max(values.max(), basis.max())
    points = np.linspace(low, high, POINTS)
    p = gaussian_kde(values)(points) + EPSILON
    q = gaussian_kde(basis)(points) + EPSILON
    return float(np.sum(kl_div(p, q)))


def dataset_quality(scores: Sequence[float], basis: dict[str, np.ndarray]) -> float:
    """Q(X) in [0.5, 1]: the basis weights averaged with weights exp(-KL_k)."""
    values = np.asarray([s for s in scores if s < CUTOFF], dtype=np.float64)
    if values.size < 2 or np.ptp(values) == 0:
        raise QualityError(
            f"needs at least two different blockiness values below {CUTOFF:g}, got {values.size}"
        )
    kl = np.array([kl_divergence(values, basis[q]) for q in QUALITIES])
    # exp(-KL) underflows for large KL; shifting by the smallest KL leaves the ratio unchanged.
    likeness = np.exp(-(kl - kl.min()))
    return float(np.dot(WEIGHTS, likeness) / likeness.sum())
