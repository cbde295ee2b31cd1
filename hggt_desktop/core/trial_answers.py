"""Answers on catch trials and repeated sets, when the packages had them.

``hggt-data merge`` keeps every trial an annotator answered apart from the labels, one JSON a
trial, in ``<labels>/.hggt/trials/<annotator>/`` with its ``kind`` (``hidden_reference``: the
original shown as a version, expect Similar; ``degraded``: a damaged copy, expect Negative;
``repeat``: a set shown again with the versions in other folders), the ``catch_version``, the
``expected`` label, the ``labels`` per shown folder and ``labels_by_version`` (real versions).
A trial the annotator flagged "can't judge" carries its ``flag`` and no labels: it counts as
not answered (in ``flagged``, never in ``trials``), so it neither passes nor fails the rater.
Datasets that never went through packages have no such folder, and get no trial figures.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from hggt_desktop.core.labels import Label
from hggt_desktop.core.layout import PROJECT_DIR
from hggt_desktop.core.rating_table import LABELS_BY_RANK, RatingTable
from hggt_desktop.core.sets import Problem

TRIALS_DIR = "trials"
CATCH_KINDS = ("hidden_reference", "degraded")


def trials_dir(labels_dir: Path, annotator: str) -> Path:
    return Path(labels_dir) / PROJECT_DIR / TRIALS_DIR / annotator


def trial_answers(labels_dir: Path, table: RatingTable) -> tuple[dict[str, dict[str, Any]], list[Problem]]:
    """Rater -> answers on each kind of trial (only raters with a trials folder appear)."""
    result: dict[str, dict[str, Any]] = {}
    problems: list[Problem] = []
    set_index = {stem: s for s, stem in enumerate(table.stems)}
    version_index = {v: i for i, v in enumerate(table.versions)}
    for r, rater in enumerate(table.raters):
        folder = trials_dir(labels_dir, rater)
        if not folder.is_dir():
            continue
        catch: dict[str, dict[str, Any]] = {kind: {"trials": 0, "as_expected": 0, "answers": dict.fromkeys((x.value for x in Label), 0), "flagged": 0} for kind in CATCH_KINDS}  # fmt: skip
        repeat: dict[str, Any] = {"trials": 0, "versions_compared": 0, "same_label": 0}
        with os.scandir(folder) as entries:
            names = sorted(e.name for e in entries if e.name.endswith(".json"))
        for name in names:
            path = folder / name
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
                kind = doc["kind"]
                if doc.get("flag"):
                    if kind in catch:
                        catch[kind]["flagged"] += 1
                    continue
                if kind in catch:
                    answer = doc["labels"][doc["catch_version"]]
                    tally = catch[kind]
                    tally["trials"] += 1
                    tally["as_expected"] += answer == doc["expected"]
                    tally["answers"][Label(answer).value] += 1
                elif kind == "repeat":
                    repeat["trials"] += 1
                    s = set_index.get(doc["stem"])
                    for version, answer in doc["labels_by_version"].items():
                        v = version_index.get(version)
                        if s is None or v is None or table.ratings[s, v, r] < 0:
                            continue
                        repeat["versions_compared"] += 1
                        repeat["same_label"] += LABELS_BY_RANK[table.ratings[s, v, r]].value == answer
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
                problems.append(Problem(path, f"trial answer cannot be read ({exc}); it is left out"))
        for tally in catch.values():
            tally["percent_as_expected"] = (
                100.0 * tally["as_expected"] / tally["trials"] if tally["trials"] else None
            )
        repeat["percent_same_label"] = (
            100.0 * repeat["same_label"] / repeat["versions_compared"]
            if repeat["versions_compared"]
            else None
        )
        result[rater] = {**catch, "repeat": repeat}
    return result, problems
