"""Percentile bootstrap intervals that resample *sets*, vectorised.

The versions of one set are rated together (same annotator, same moment), so they are not
independent items: resampling whole sets keeps that dependence. Every statistic here is a
function of per-set sums, so one resample is a weighted sum ``weights @ set_stats`` (weights =
how many times each set was drawn), done for a block of resamples in one matrix product.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator

import numpy as np

Evaluate = Callable[[np.ndarray], dict[str, np.ndarray]]


def resample_weights(
    n_sets: int, resamples: int, rng: np.random.Generator, block: int = 128
) -> Iterator[np.ndarray]:
    """Blocks ``(b, n_sets)`` of draw counts, each row one resample of ``n_sets`` sets."""
    done = 0
    while done < resamples:
        b = min(block, resamples - done)
        # Count draws per row with one bincount over row-offset indices (int32 halves the
        # memory traffic, which is most of the cost).
        dtype = np.int32 if b * n_sets < 2**31 else np.int64
        offsets: np.ndarray = (np.arange(b, dtype=dtype) * n_sets)[:, None]
        drawn: np.ndarray = rng.integers(0, n_sets, size=(b, n_sets), dtype=dtype) + offsets
        counts = np.bincount(drawn.ravel(), minlength=b * n_sets)
        yield counts.reshape(b, n_sets).astype(np.float64)
        done += b


def bootstrap_intervals(
    set_stats: np.ndarray,
    evaluate: Evaluate,
    resamples: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, np.ndarray]:
    """Percentile intervals ``(..., 2)`` for every statistic ``evaluate`` returns.

    ``set_stats`` is ``(sets, features)``; ``evaluate`` maps summed features ``(b, features)``
    to named arrays ``(b, ...)``. Resamples where a statistic is undefined (NaN) are left out of
    its interval; a statistic undefined in all of them gets NaN bounds.
    """
    if resamples <= 0 or set_stats.shape[0] == 0:
        return {}
    rng = np.random.default_rng(seed)
    collected: dict[str, list[np.ndarray]] = {}
    for weights in resample_weights(set_stats.shape[0], resamples, rng):
        for name, values in evaluate(weights @ set_stats).items():
            collected.setdefault(name, []).append(np.asarray(values, dtype=np.float64))
    tail = (1.0 - level) / 2 * 100
    intervals: dict[str, np.ndarray] = {}
    for name, blocks in collected.items():
        values = np.concatenate(blocks, axis=0)
        values[~np.isfinite(values)] = np.nan
        with warnings.catch_warnings():
            # A statistic undefined in every resample has NaN bounds, which is the answer.
            warnings.simplefilter("ignore", RuntimeWarning)
            bounds = np.nanpercentile(values, [tail, 100 - tail], axis=0)
        intervals[name] = np.moveaxis(bounds, 0, -1)
    return intervals
