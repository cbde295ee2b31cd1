"""Sets flagged "can't judge": who flagged which set, and why, read from the records.

A flag lives in the annotator's record (``core/record.py``, field ``flag``) and the flagged set
has no HGGT label file (the format has no "can't judge" value). So a flagged set is simply one
rater fewer for that set: consensus, agreement and the training pack take the remaining raters
by the one rule for any number of raters (``core/consensus.py``), exactly as for a set that 2 of
3 raters labelled. This module only says which sets those are, so that the tools can count and
list them apart from sets whose labels are merely missing.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from hggt_desktop.core.layout import record_owner_names, records_dir
from hggt_desktop.core.record import read_flag


def _json_stems(folder: Path) -> set[str]:
    if not folder.is_dir():
        return set()
    with os.scandir(folder) as entries:
        return {e.name[: -len(".json")] for e in entries if e.name.endswith(".json")}


def read_flags(labels_dir: Path, annotators: Iterable[str]) -> dict[str, dict[str, str]]:
    """Stem -> annotator -> reason, for every set an annotator flagged and has no label file for.

    Only records of sets without a label file are opened (a label file wins over a stale
    flag), so a finished dataset costs two folder listings per annotator. A record that cannot
    be read is no flag: the set then counts as missing, as it did before.
    """
    flags: dict[str, dict[str, str]] = {}
    for annotator in annotators:
        unlabelled = _json_stems(records_dir(labels_dir, annotator)) - _json_stems(
            Path(labels_dir) / annotator
        )
        for stem in sorted(unlabelled):
            reason = read_flag(labels_dir, annotator, stem)
            if reason:
                flags.setdefault(stem, {})[annotator] = reason
    return flags


def flagging_only_raters(labels_dir: Path, known: Iterable[str], stems: Iterable[str]) -> list[str]:
    """Annotators not in ``known`` whose records flag at least one of ``stems`` (sorted).

    They flagged every set they were given (or their label folder was never made), so no label
    folder names them; yet they are raters: 0 sets labelled, their flags counted and listed.
    """
    others = [a for a in record_owner_names(labels_dir) if a not in set(known)]
    wanted = set(stems)
    flags = read_flags(labels_dir, others)
    return sorted({rater for stem, by_rater in flags.items() if stem in wanted for rater in by_rater})


def flag_counts(flags: dict[str, dict[str, str]], raters: Iterable[str]) -> dict[str, int]:
    """Rater -> number of sets they flagged (every rater listed, 0 included)."""
    counts = dict.fromkeys(raters, 0)
    for by_rater in flags.values():
        for rater in by_rater:
            if rater in counts:
                counts[rater] += 1
    return counts
