"""Why there is nothing (or not enough) to measure yet, in words a curator can act on.

The command line, the report and the curator's window all show the same sentence, so an images
folder without labels, a folder with only the curator's own decisions or a single annotator
reads as "not labelled yet" and never as a wall of "n/a".
"""

from __future__ import annotations

import numpy as np

from hggt_desktop.core.consensus import ADJUDICATOR
from hggt_desktop.core.dataset import Dataset
from hggt_desktop.core.rating_table import RatingTable

WHERE_LABELS_GO = (
    "Labels are read from <labels>/<annotator>/<stem>.json: hggt-desktop annotate writes them, "
    "hggt-data merge brings work packages back."
)


def labels_notice(dataset: Dataset, table: RatingTable) -> str | None:
    """One or two sentences when agreement cannot be measured yet; None when it can."""
    labels_dir = dataset.labels_dir
    if not dataset.raters:
        if ADJUDICATOR in dataset.annotators:
            return (
                f"No annotators' labels yet: {labels_dir} holds only the curator's decisions "
                f"('{ADJUDICATOR}'), which never count as a rater. {WHERE_LABELS_GO}"
            )
        if not labels_dir.is_dir():
            return f"No labels yet: there is no labels folder at {labels_dir}. {WHERE_LABELS_GO}"
        return f"No labels yet: {labels_dir} has no annotator folders. {WHERE_LABELS_GO}"
    rated = np.asarray((table.ratings >= 0).any(axis=(0, 1)))  # (raters,): labelled anything
    if not rated.any():
        invalid = len(dataset.problems)
        return (
            f"No valid labels yet: the annotator folders ({', '.join(dataset.raters)}) hold no valid "
            f"label file for these sets"
            + (f"; {invalid} problem{'s' if invalid != 1 else ''} listed below." if invalid else ".")
        )
    if int(rated.sum()) == 1:
        who = table.raters[int(np.flatnonzero(rated)[0])]
        return (
            f"Only {who} has labelled sets so far: agreement and the disagreement queue need two "
            "annotators on the same set."
        )
    if not bool(((table.ratings >= 0).sum(axis=-1) >= 2).any()):
        return "No version is labelled by two annotators yet, so there is nothing to compare."
    return None


def missing_files_line(unlabelled_by: dict[str, int], sets: int) -> str | None:
    """'Sets without a valid label file: B 1, C 2 of 6', or None when every annotator has all."""
    missing = {name: count for name, count in unlabelled_by.items() if count}
    if not missing:
        return None
    listed = ", ".join(f"{name} {count}" for name, count in missing.items())
    return f"Sets without a valid label file: {listed} (of {sets})"


def flagged_sets_line(
    total: int, by_rater: dict[str, int], labelled: dict[str, int] | None = None
) -> str | None:
    """'2 sets flagged "can't judge" (B 1, C 1) ...', or None when no set is flagged.

    With ``labelled`` (rater -> sets labelled), a rater who flagged sets and labelled none is
    named plainly: they have no agreement figures, which is not the same as agreeing with no one.
    The CLI, the report and the curator's Agreement tab say it in the same words.
    """
    if not total:
        return None
    listed = ", ".join(f"{name} {count}" for name, count in by_rater.items() if count)
    line = (
        f'{total} set{"s" if total != 1 else ""} flagged "can\'t judge" ({listed}): a flag is not a label, '
        "so it is excluded from the agreement figures; the other raters' labels on those sets count as usual"
    )
    for name, count in by_rater.items():
        if count and labelled is not None and labelled.get(name, 0) == 0:
            line += (
                f'. {name} labelled no set ({count} flagged "can\'t judge"): no agreement figures for {name}'
            )
    return line
