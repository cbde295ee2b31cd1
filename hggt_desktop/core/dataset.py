"""An images folder with every annotator's labels: what check, export, agreement and pack read."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from hggt_desktop.core.consensus import ADJUDICATOR, Effective, effective_labels
from hggt_desktop.core.exclusions import ExclusionError, exclusions_path, read_exclusions
from hggt_desktop.core.flags import flagging_only_raters, read_flags
from hggt_desktop.core.labels import LabelFile, LabelFileError, read_label_file
from hggt_desktop.core.layout import annotator_names, find_labels_dir, resolve_images_dir
from hggt_desktop.core.sets import ImageSet, Problem, ScanResult, find_sets


@dataclass
class Dataset:
    """Sets, annotators and valid label files; every invalid file is in ``problems``."""

    images_dir: Path
    labels_dir: Path
    scan: ScanResult
    annotators: tuple[str, ...]
    labels: dict[str, dict[str, LabelFile]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # Raters the curator left out (core/exclusions.py): rater -> reason. Not in ``annotators``.
    excluded: dict[str, str] = field(default_factory=dict)
    # Sets flagged "can't judge" (core/flags.py): stem -> rater -> reason. A flagged set has no
    # label file of that rater, so consensus is over the others; it is not "missing".
    flags: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def sets(self) -> tuple[ImageSet, ...]:
        return self.scan.sets

    @property
    def raters(self) -> tuple[str, ...]:
        """Annotators other than the adjudicator."""
        return tuple(a for a in self.annotators if a != ADJUDICATOR)

    def files_for(self, stem: str) -> dict[str, LabelFile]:
        """Annotator -> label file for one set (only the annotators who labelled it)."""
        return self.labels.get(stem, {})

    def effective(self, stem: str) -> dict[str, Effective]:
        return effective_labels(self.files_for(stem))

    def unlabelled_by(self) -> dict[str, list[str]]:
        """Annotator -> stems they have no valid label file for and did not flag "can't judge"."""
        return {
            a: [
                s.stem
                for s in self.sets
                if a not in self.labels.get(s.stem, {}) and a not in self.flags.get(s.stem, {})
            ]
            for a in self.raters
        }


def read_annotator_labels(
    labels_dir: Path, annotator: str, workers: int = 8
) -> tuple[dict[str, LabelFile], list[Problem]]:
    """Every ``*.json`` in one annotator's folder: stem -> file, and the invalid ones."""
    folder = Path(labels_dir) / annotator
    with os.scandir(folder) as entries:
        found = [(e.name, e.is_file()) for e in entries if e.name.endswith(".json")]
    names = sorted(name for name, is_file in found if is_file)
    # A folder (or a link to nothing) named like a label file is no label: say so, never skip it
    # silently, or "no problems found" would hide a set whose labels are missing.
    not_files = [
        Problem(
            folder / name, "is a folder or a broken link, not a label file; move it out of the labels folder"
        )
        for name, is_file in sorted(found)
        if not is_file
    ]

    def read(name: str) -> LabelFile | Problem:
        path = folder / name
        try:
            label_file = read_label_file(path)
        except LabelFileError as exc:
            return Problem(path, f"{exc.kind}: {exc.reason}")
        if label_file.stem != name[: -len(".json")]:
            return Problem(path, f"labels set {label_file.stem!r} but the file is named {name!r}")
        return label_file

    files: dict[str, LabelFile] = {}
    problems: list[Problem] = not_files
    # Threads get whole chunks: ThreadPoolExecutor.map ignores chunksize, and one future per
    # file cost more than the parsing (10 s instead of 4-5 s for 60,579 files).
    chunks = [names[i : i + 256] for i in range(0, len(names), 256)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        batches = pool.map(lambda chunk: [read(name) for name in chunk], chunks)
        for result in (item for batch in batches for item in batch):
            if isinstance(result, Problem):
                problems.append(result)
            else:
                files[result.stem] = result
    return files, problems


def load_dataset(
    path: Path | str, labels_dir: Path | str | None = None, verify_images: bool = False
) -> Dataset:
    """Open an images folder (or a released split) with all its labels."""
    images_dir = resolve_images_dir(path)
    labels_root = Path(labels_dir) if labels_dir is not None else find_labels_dir(images_dir)
    scan = find_sets(images_dir, verify_images=verify_images)
    excluded: dict[str, str] = {}
    problems: list[Problem] = []
    try:
        excluded = {r: e.reason for r, e in read_exclusions(labels_root).excluded.items()}
    except ExclusionError as exc:
        problems.append(Problem(exclusions_path(labels_root), f"{exc}; no rater is left out"))
    with_labels = annotator_names(labels_root)
    scan_stems = [s.stem for s in scan.sets]
    # Known: label folders, the left-out raters and the adjudicator (whose records are no flags).
    flaggers = flagging_only_raters(labels_root, [*with_labels, *excluded, ADJUDICATOR], scan_stems)
    annotators = tuple(a for a in sorted({*with_labels, *flaggers}) if a not in excluded)
    dataset = Dataset(images_dir, labels_root, scan, annotators, excluded=excluded)
    dataset.problems.extend([*scan.problems, *problems])
    sets = scan.by_stem()
    for annotator in dataset.annotators:
        if annotator not in with_labels:
            continue  # flagged every set: no label folder to read
        files, problems = read_annotator_labels(labels_root, annotator)
        dataset.problems.extend(problems)
        for stem, label_file in files.items():
            image_set = sets.get(stem)
            path_here = labels_root / annotator / f"{stem}.json"
            if image_set is None:
                dataset.problems.append(Problem(path_here, "labels a set that is not in the images folder"))
                continue
            if label_file.versions != image_set.version_ids:
                dataset.problems.append(
                    Problem(
                        path_here,
                        f"labels versions {', '.join(label_file.versions)} but the set has "
                        f"{', '.join(image_set.version_ids)}",
                    )
                )
                continue
            dataset.labels.setdefault(stem, {})[annotator] = label_file
    flags = read_flags(labels_root, dataset.raters)
    dataset.flags = {stem: by_rater for stem, by_rater in flags.items() if stem in sets}
    return dataset
