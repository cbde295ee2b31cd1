"""DiverSeg dataset quality Q(X): how close a dataset's blockiness is to known JPEG qualities.

The basis distributions (blockiness of lossless photos re-encoded at each JPEG quality) ship
in ``resources/blockiness/basis.json``, built by ``scripts/build_blockiness_basis.py``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy.special import kl_div
from scipy.stats import gaussian_kde

from hggt_desktop.resources import resource_path

QUALITIES = ("png", "q95", "q85", "q75", "q50")
WEIGHTS = (1.0, 0.95, 0.85, 0.75, 0.5)
CUTOFF = 300.0
POINTS = 3450
EPSILON = 1e-10


class QualityError(Exception):
    """Q(X) cannot be computed (too few usable scores, or an unusable basis file)."""


def default_basis_path() -> Path:
    return resource_path("blockiness", "basis.json")


def load_basis(path: Path | None = None) -> dict[str, np.ndarray]:
    """Basis blockiness values per quality (``png``, ``q95`` .. ``q50``)."""
    path = path or default_basis_path()
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        basis = {q: np.asarray(doc["basis"][q], dtype=np.float64) for q in QUALITIES}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise QualityError(
            f"{path}: not a blockiness basis ({exc}); rebuild it with scripts/build_blockiness_basis.py"
        ) from exc
    return basis


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
