"""The labels CSV (``hggt-data export-labels``, the curator's export): one row per set and version.

Columns ``set,version,<annotator...>,effective,votes``; a cell is empty where the annotator did
not label the set, and ``effective``/``votes`` are empty where nobody did.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hggt_desktop.core.dataset import Dataset
from hggt_desktop.core.output_file import OutputKind, read_head

HEADER_START = "set,version,"


def labels_csv_text(dataset: Dataset) -> str:
    """The whole CSV of ``dataset`` as text (effective labels by core.consensus)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    annotators = list(dataset.annotators)
    writer.writerow(["set", "version", *annotators, "effective", "votes"])
    for image_set in dataset.sets:
        files = dataset.files_for(image_set.stem)
        effective = dataset.effective(image_set.stem)
        for version in image_set.version_ids:
            cells = [files[a].label_map[version].value if a in files else "" for a in annotators]
            eff = effective.get(version)
            writer.writerow(
                [image_set.stem, version, *cells, eff.label.value if eff else "", eff.votes if eff else ""]
            )
    return buffer.getvalue()


def is_labels_csv(path: Path) -> bool:
    """True when ``path`` is an earlier labels CSV (its header row), which an export may replace."""
    return read_head(path, 64).startswith(HEADER_START.encode())


# What core.output_file's rule needs to decide whether an existing --out may be replaced.
LABELS_CSV = OutputKind("an HGGT labels CSV", "labels.csv", is_labels_csv)
