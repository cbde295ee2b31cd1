"""Per-annotator quality figures: agreement with the others, time, straight-lining, position bias.

Position bias needs the on-screen order of each set, and "looked at 1:1" where the annotator
had the patch on screen at pixel level; the annotator app keeps both in the record beside the
labels (hggt_desktop/core/record.py). Labels that came without records (the HGGT release,
other tools) simply have no such figures, and records of earlier app versions no coverage.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from hggt_desktop.core.agreement import cohen_kappa, pair_contingency
from hggt_desktop.core.layout import records_dir
from hggt_desktop.core.rating_table import LABELS_BY_RANK, MISSING, RatingTable, others_majority
from hggt_desktop.core.record import RecordError, read_record
from hggt_desktop.core.sets import Problem


def read_screen_positions(
    labels_dir: Path, table: RatingTable, workers: int = 8
) -> tuple[np.ndarray, list[Problem]]:
    """On-screen position ``(sets, versions, raters)`` of every rated version, -1 when unknown."""
    positions, _looked, problems = read_record_figures(labels_dir, table, workers)
    return positions, problems


def read_record_figures(
    labels_dir: Path, table: RatingTable, workers: int = 8
) -> tuple[np.ndarray, np.ndarray, list[Problem]]:
    """What the records say: screen positions (as :func:`read_screen_positions`) and looked share.

    The second array is ``(sets, raters)``: the mean share of the versions the rater had on
    screen at 1:1 or closer (0-1), NaN where no record or the record does not keep it.
    """
    positions = np.full(table.ratings.shape, MISSING, dtype=np.int8)
    looked = np.full((len(table.stems), len(table.raters)), np.nan)
    problems: list[Problem] = []
    set_index = {stem: s for s, stem in enumerate(table.stems)}
    version_index = {v: i for i, v in enumerate(table.versions)}
    for r, rater in enumerate(table.raters):
        folder = records_dir(labels_dir, rater)
        if not folder.is_dir():
            continue
        with os.scandir(folder) as entries:
            names = [e.name for e in entries if e.name.endswith(".json") and e.name[:-5] in set_index]

        def read(name: str, folder: Path = folder) -> tuple[str, list[str], float | None] | Problem:
            try:
                record = read_record(folder / name)
            except RecordError as exc:
                return Problem(exc.path, exc.reason)
            return name[:-5], record.screen_order, record.looked_share()

        # Whole chunks per thread: ThreadPoolExecutor.map ignores chunksize.
        chunks = [names[i : i + 256] for i in range(0, len(names), 256)]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            batches = pool.map(lambda chunk: [read(name) for name in chunk], chunks)
            for found in (item for batch in batches for item in batch):
                if isinstance(found, Problem):
                    problems.append(found)
                    continue
                stem, order, share = found
                if share is not None:
                    looked[set_index[stem], r] = share
                for position, version in enumerate(order):
                    if version in version_index:
                        positions[set_index[stem], version_index[version], r] = position
    return positions, looked, problems


def _looked(looked: np.ndarray | None, r: int) -> dict[str, Any] | None:
    """Mean share (percent) of the patches seen at 1:1 over the rater's sets that record it."""
    if looked is None:
        return None
    known = looked[:, r][np.isfinite(looked[:, r])]
    return {
        "mean_percent": float(100.0 * known.mean()) if known.size else None,
        "sets": int(known.size),
    }


def _quartiles(values: np.ndarray) -> dict[str, float | None]:
    values = values[np.isfinite(values)]
    if values.size == 0:
        return {"median": None, "q1": None, "q3": None, "iqr": None, "sets_timed": 0}
    q1, median, q3 = np.percentile(values, [25, 50, 75])
    return {
        "median": float(median),
        "q1": float(q1),
        "q3": float(q3),
        "iqr": float(q3 - q1),
        "sets_timed": int(values.size),
    }


def _straight_lining(table: RatingTable, r: int) -> dict[str, Any]:
    """Share of the most frequent label, sets with one label everywhere, longest run."""
    ratings = table.ratings[:, :, r]
    given = ratings[ratings >= 0]
    if given.size == 0:
        return {
            "most_frequent": None,
            "share_most_frequent": None,
            "share_sets_one_label": None,
            "longest_run": 0,
        }
    counts = np.bincount(given, minlength=3)
    labelled: np.ndarray = np.asarray((ratings >= 0).any(axis=1))
    filled = np.where(ratings >= 0, ratings, 99)
    one_label = labelled & ((ratings < 0) | (ratings == filled.min(axis=1, keepdims=True))).all(axis=1)
    # Runs follow the order of work: sets by Time_cost Start when known, else by name.
    starts = np.where(np.isfinite(table.starts[:, r]), table.starts[:, r], np.inf)
    order = np.lexsort((np.arange(len(starts)), starts))
    sequence = ratings[order][labelled[order]].ravel()
    sequence = sequence[sequence >= 0]
    changes = np.flatnonzero(np.diff(sequence) != 0)
    bounds = np.concatenate(([-1], changes, [sequence.size - 1]))
    return {
        "most_frequent": LABELS_BY_RANK[int(np.argmax(counts))].value,
        "share_most_frequent": float(counts.max() / given.size),
        "share_sets_one_label": float(one_label.sum() / max(int(labelled.sum()), 1)),
        "longest_run": int(np.diff(bounds).max()),
    }


def _position_bias(table: RatingTable, positions: np.ndarray, r: int) -> dict[str, Any] | None:
    """Label shares and mean rank per on-screen position (None without records)."""
    known = (positions[:, :, r] >= 0) & (table.ratings[:, :, r] >= 0)
    if not known.any():
        return None
    pos, rank = positions[:, :, r][known], table.ratings[:, :, r][known]
    rows = []
    for p in range(int(pos.max()) + 1):
        here = rank[pos == p]
        n = int(here.size)
        counts = np.bincount(here, minlength=3) if n else np.zeros(3, dtype=int)
        rows.append(
            {
                "position": p,
                "items": n,
                "mean_rank": float(here.mean()) if n else None,
                **{LABELS_BY_RANK[c].value: int(counts[c]) for c in range(3)},
            }
        )
    means = [row["mean_rank"] for row in rows if row["mean_rank"] is not None]
    return {
        "items": int(known.sum()),
        "by_position": rows,
        "mean_rank_spread": float(max(means) - min(means)),
    }


def annotator_statistics(
    table: RatingTable,
    positions: np.ndarray | None = None,
    assigned: dict[str, frozenset[str]] | None = None,
    looked: np.ndarray | None = None,
) -> dict[str, dict[str, Any]]:
    """Rater -> figures a curator screens raters with (JSON-ready).

    ``looked`` (from :func:`read_record_figures`) gives each rater the mean share of the
    patches they had on screen at 1:1; without it that figure is None.

    ``assigned`` (core/assignments.py) makes ``sets_missing`` count only the sets dealt to the
    rater; without it every set of the dataset counts.
    """
    result: dict[str, dict[str, Any]] = {}
    n_raters = len(table.raters)
    if n_raters == 0:
        return result  # no labels yet (or only the adjudicator's): nothing to screen
    # Explicit item count: reshape(-1, 0) cannot infer it (the 'review' crash on no labels).
    flat = table.ratings.reshape(len(table.stems) * len(table.versions), n_raters)
    flagged = table.flagged()  # (sets, raters): flagged "can't judge", so not missing
    for r, rater in enumerate(table.raters):
        mine = flat[:, r]
        majority = others_majority(flat, r) if n_raters > 1 else np.full_like(mine, MISSING)
        compared = (mine >= 0) & (majority >= 0)
        kappas = [float(cohen_kappa(pair_contingency(mine, flat[:, o]))) for o in range(n_raters) if o != r]
        finite = [k for k in kappas if np.isfinite(k)]
        labelled_sets = int((table.ratings[:, :, r] >= 0).any(axis=1).sum())
        result[rater] = {
            "sets_labelled": labelled_sets,
            "sets_missing": _missing(
                table, r, flagged[:, r], assigned.get(rater) if assigned is not None else None
            ),
            "sets_flagged": int(flagged[:, r].sum()),
            "ratings": int((mine >= 0).sum()),
            "labels": {LABELS_BY_RANK[c].value: int((mine == c).sum()) for c in range(3)},
            "agreement_with_majority_of_others": (
                float(100.0 * (mine[compared] == majority[compared]).mean()) if compared.any() else None
            ),
            "items_with_majority_of_others": int(compared.sum()),
            "mean_cohen_kappa_with_others": float(np.mean(finite)) if finite else None,
            "seconds_per_set": _quartiles(table.seconds[:, r]),
            "straight_lining": _straight_lining(table, r),
            "position_bias": _position_bias(table, positions, r) if positions is not None else None,
            "looked_1to1": _looked(looked, r),
        }
    return result


def _missing(table: RatingTable, r: int, flagged: np.ndarray, own: frozenset[str] | None) -> int:
    """Sets of the rater's own (all sets when the assignment is unknown) they neither labelled nor flagged."""
    labelled: np.ndarray = np.asarray((table.ratings[:, :, r] >= 0).any(axis=1)) | flagged
    if own is None:
        return int((~labelled).sum())
    mine = np.array([stem in own for stem in table.stems], dtype=bool)
    return int((mine & ~labelled).sum())
