"""Bringing returned packages back into a dataset's ``labels/<annotator>/``.

Rules (docs/data-tools.md):

- a label is merged only if every image of its set is unchanged: the package's file, the
  package manifest, the curator's key and (for real versions) the dataset's file all agree;
- an existing different label is never overwritten silently: it is reported as a conflict,
  unless ``prefer_newer`` is set and the returned label's ``Time_cost End`` is later;
- catch trials and repeats go to ``<labels>/.hggt/trials/<annotator>/``, never to the labels;
- records (``<labels>/.hggt/records/<annotator>/``) are copied under the real stem;
- running it twice changes nothing the second time.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from hggt_desktop.core.assignments import add_assignments
from hggt_desktop.core.atomic import write_text_atomic
from hggt_desktop.core.hashing import sha256_file
from hggt_desktop.core.labels import (
    ORIGINAL_FOLDER,
    LabelFile,
    LabelFileError,
    make_label_file,
    read_label_file,
    to_json_text,
    write_label_file,
)
from hggt_desktop.core.layout import PROJECT_DIR, find_labels_dir, label_path, records_dir, resolve_images_dir
from hggt_desktop.core.package_files import (
    KEY_PATH,
    MANIFEST_NAME,
    AnswerKey,
    KeyItem,
    PackageFileError,
    PackageManifest,
    read_key,
    read_manifest,
)
from hggt_desktop.core.record import RecordError, read_flag, read_record
from hggt_desktop.core.sets import ImageSet, find_sets
from hggt_desktop.tools.assignment import SET


class MergeError(Exception):
    """A package or its key cannot be read at all; nothing of that package is merged."""


@dataclass
class MergeReport:
    packages: int = 0
    added: int = 0
    unchanged: int = 0
    replaced: int = 0
    trials: int = 0
    records: int = 0
    conflicts: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # annotator -> catch kind (hidden_reference, degraded) -> [as expected, trials]
    catch_correct: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    # annotator -> catch kind -> trials flagged "can't judge": not answered, so in no tally above
    catch_flagged: dict[str, dict[str, int]] = field(default_factory=dict)
    missing: dict[str, list[str]] = field(default_factory=dict)  # stem -> annotators still to label
    # stem -> "annotator: reason" of those who flagged it "can't judge" (no label file, by design)
    flagged: dict[str, list[str]] = field(default_factory=dict)

    @property
    def changed(self) -> int:
        return self.added + self.replaced + self.trials + self.records


def _unsafe_to_read(path: Path, package_dir: Path) -> str | None:
    """Why ``path`` of a returned package must not be read (a link, or outside it), or None."""
    if path.is_symlink():
        return "is a symbolic link (skipped: links in a returned package are never followed)"
    try:
        path.resolve().relative_to(package_dir.resolve())
    except (ValueError, OSError):
        return f"lies outside the package folder {package_dir} (skipped)"
    return None


def _write_if_changed(path: Path, text: str) -> bool:
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    write_text_atomic(path, text)
    return True


class _Merger:
    """One merge run over several packages into one dataset."""

    def __init__(self, dataset: Path, prefer_newer: bool) -> None:
        self.images_dir = resolve_images_dir(dataset)
        self.sets: dict[str, ImageSet] = find_sets(self.images_dir).by_stem()
        self.labels_dir = find_labels_dir(self.images_dir)
        self.prefer_newer = prefer_newer
        self.report = MergeReport()
        self._dataset_hashes: dict[Path, str] = {}

    def _dataset_hash(self, path: Path) -> str:
        if path not in self._dataset_hashes:
            self._dataset_hashes[path] = sha256_file(path)
        return self._dataset_hashes[path]

    def changed_image(self, package_dir: Path, manifest: PackageManifest, item: KeyItem) -> str | None:
        """Why this item's images cannot be trusted, or None when all hashes agree."""
        images_dir = package_dir / str(manifest.images_dir)
        image_set = self.sets.get(item.source)
        if image_set is None:
            return f"set {item.source} is no longer in {self.images_dir}"
        for folder, expected in item.hashes.items():
            name = (
                f"{item.stem}{image_set.original.suffix.lower()}"
                if folder == ORIGINAL_FOLDER
                else f"{item.stem}_{folder}.png"
            )
            path = images_dir / folder / name
            listed = manifest.images.get(f"{images_dir.name}/{folder}/{name}")
            unsafe = _unsafe_to_read(path, package_dir) if path.is_symlink() or path.exists() else None
            if unsafe is not None:
                return f"{path} {unsafe}"
            if not path.is_file() or sha256_file(path) != expected or listed != expected:
                return f"{path} differs from the image that was packaged (SHA-256 mismatch or missing)"
            if folder != item.catch_slot:  # a catch image is not a dataset file
                if folder == ORIGINAL_FOLDER:
                    source = image_set.original
                else:
                    real = item.slots[int(folder) - 1]
                    if real not in image_set.version_ids:
                        return f"version {real} of set {item.source} is missing from {self.images_dir}"
                    source = image_set.version_path(real)
                if self._dataset_hash(source) != expected:
                    return (
                        f"{source} changed since it was packaged (SHA-256 differs from the package manifest)"
                    )
        return None

    def merge_label(self, annotator: str, item: KeyItem, returned: LabelFile, label_file: Path) -> None:
        image_set = self.sets[item.source]
        labels = {item.slots[int(slot) - 1]: label for slot, label in returned.labels}
        new = make_label_file(item.source, labels, returned.time_cost, image_set.original.suffix.lower())
        target = label_path(self.labels_dir, annotator, item.source)
        if target.exists():
            try:
                existing: LabelFile | None = read_label_file(target)
            except LabelFileError:
                existing = None
            if existing is not None and to_json_text(existing) == to_json_text(new):
                self.report.unchanged += 1
                return
            newer = (
                existing is not None
                and new.time_cost is not None
                and (existing.time_cost is None or new.time_cost.end > existing.time_cost.end)
            )
            if not (self.prefer_newer and newer):
                self.report.conflicts.append(
                    f"{target}: differs from {label_file}; kept the existing label "
                    "(compare them, or rerun with --prefer-newer to keep the later Time_cost End)"
                )
                return
            self.report.replaced += 1
        else:
            self.report.added += 1
        write_label_file(target, new)

    def merge_trial(self, package: str, annotator: str, item: KeyItem, returned: LabelFile) -> None:
        by_slot = {slot: label.value for slot, label in returned.labels}
        doc = {
            **_trial_fields(package, item),
            "labels": by_slot,
            "labels_by_version": {
                item.slots[int(slot) - 1]: label for slot, label in by_slot.items() if slot != item.catch_slot
            },
            "time_cost": json.loads(to_json_text(returned)).get("Time_cost"),
        }
        if item.expected is not None and item.catch_slot is not None:
            tally = self.report.catch_correct.setdefault(annotator, {}).setdefault(item.kind, [0, 0])
            tally[0] += by_slot.get(item.catch_slot) == item.expected
            tally[1] += 1
        self.write_trial(package, annotator, item, doc)

    def write_trial(self, package: str, annotator: str, item: KeyItem, doc: dict) -> None:
        path = self.labels_dir / PROJECT_DIR / "trials" / annotator / f"{package}-{item.stem}.json"
        self.report.trials += _write_if_changed(path, json.dumps(doc, indent=1) + "\n")

    def copy_record(self, package_labels: Path, annotator: str, item: KeyItem) -> None:
        """Copy the record of a merged set, renamed to the dataset's stem, if it is a valid record.

        A returned package is untrusted input: a record that is a link, lies outside the
        package, or does not parse as a record is reported and left out, never copied as bytes.
        """
        source = records_dir(package_labels, annotator) / f"{item.stem}.json"
        if not (source.is_file() or source.is_symlink()):
            return
        why = _unsafe_to_read(source, package_labels)
        if why is not None:
            self.report.problems.append(f"{source}: {why}; record not copied")
            return
        try:
            record = read_record(source)
        except RecordError as exc:
            self.report.problems.append(f"{exc}; record not copied")
            return
        if record.stem != item.stem or record.annotator != annotator:
            self.report.problems.append(
                f"{source}: is the record of {record.stem!r} by {record.annotator!r}, not of "
                f"{item.stem!r} by {annotator!r}; record not copied"
            )
            return
        record.stem = item.source  # the record names the set the way the dataset does
        target = records_dir(self.labels_dir, annotator) / f"{item.source}.json"
        self.report.records += _write_if_changed(target, record.to_json_text())

    def returned_label_files(self, package_dir: Path, folder: Path) -> list[Path]:
        """The package's label files that may be read: no links, nothing outside the package."""
        files: list[Path] = []
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            why = _unsafe_to_read(path, package_dir)
            if why is None:
                files.append(path)
            else:
                self.report.problems.append(f"{path}: {why}; not merged")
        return files

    def merge_package(self, package_dir: Path, key: AnswerKey) -> None:
        manifest = read_manifest(package_dir / MANIFEST_NAME)
        name, annotator = str(manifest.package), str(manifest.annotator)
        entry = key.packages.get(name)
        if entry is None or entry.annotator != annotator:
            raise MergeError(
                f"{package_dir}: package {name!r} of {annotator!r} is not in the key; wrong --key?"
            )
        package_labels = package_dir / str(manifest.labels_dir)
        folder = package_labels / annotator
        for label_file in self.returned_label_files(package_dir, folder):
            item = entry.items.get(label_file.stem)
            if item is None:
                self.report.problems.append(f"{label_file}: not a set of package {name}; ignored")
                continue
            try:
                returned = read_label_file(label_file)
            except LabelFileError as exc:
                self.report.problems.append(f"{exc}; not merged")
                continue
            slots = tuple(f"{i:02d}" for i in range(1, len(item.slots) + 1))
            if returned.stem != item.stem or returned.versions != slots:
                self.report.problems.append(f"{label_file}: names another set or other versions; not merged")
                continue
            why = self.changed_image(package_dir, manifest, item)
            if why is not None:
                self.report.refused.append(f"{label_file}: refused, {why}")
                continue
            if item.kind == SET:
                self.merge_label(annotator, item, returned, label_file)
                self.copy_record(package_labels, annotator, item)
            else:
                self.merge_trial(name, annotator, item, returned)
        self.copy_flagged_records(name, package_labels, annotator, entry.items)

    def copy_flagged_records(
        self, package: str, package_labels: Path, annotator: str, items: dict[str, KeyItem]
    ) -> None:
        """A set flagged "can't judge" has no label file: bring its record (flag, labels) back.

        A flagged catch trial or repeat is kept as a trial with its flag and no answer: it
        counts as not answered (neither as expected nor against the rater), and is listed.
        """
        for stem, item in items.items():
            source = records_dir(package_labels, annotator) / f"{stem}.json"
            if (package_labels / annotator / f"{stem}.json").exists():
                continue
            if not source.is_file() or _unsafe_to_read(source, package_labels) is not None:
                continue
            flag = read_flag(package_labels, annotator, stem)
            if not flag:
                continue
            if item.kind == SET:
                self.copy_record(package_labels, annotator, item)
            else:
                self.merge_flagged_trial(package, annotator, item, flag)

    def merge_flagged_trial(self, package: str, annotator: str, item: KeyItem, flag: str) -> None:
        doc = {
            **_trial_fields(package, item),
            "flag": flag,
            "labels": {},
            "labels_by_version": {},
            "time_cost": None,
        }
        if item.expected is not None and item.catch_slot is not None:
            flagged = self.report.catch_flagged.setdefault(annotator, {})
            flagged[item.kind] = flagged.get(item.kind, 0) + 1
        self.write_trial(package, annotator, item, doc)

    def record_assignments(self, keys: list[AnswerKey]) -> None:
        """Which real sets each rater was given, so "missing" counts only those (core/assignments.py)."""
        assigned: dict[str, set[str]] = {}
        for key in keys:
            for entry in key.packages.values():
                own = assigned.setdefault(entry.annotator, set())
                own.update(item.source for item in entry.items.values() if item.kind == SET)
        if assigned:
            add_assignments(self.labels_dir, assigned)

    def collect_missing(self, keys: list[AnswerKey]) -> None:
        for key in keys:
            for entry in key.packages.values():
                for item in entry.items.values():
                    if (
                        item.kind == SET
                        and not label_path(self.labels_dir, entry.annotator, item.source).exists()
                    ):
                        flag = read_flag(self.labels_dir, entry.annotator, item.source)
                        if flag:
                            self.report.flagged.setdefault(item.source, []).append(
                                f"{entry.annotator}: {flag}"
                            )
                        else:
                            self.report.missing.setdefault(item.source, []).append(entry.annotator)


def find_key(package_dir: Path, key_path: Path | None = None) -> Path:
    """The curator's key: given, or ``.curator/key.json`` in the folder holding the package."""
    path = key_path or package_dir.resolve().parent / KEY_PATH
    if not path.is_file():
        raise MergeError(
            f"{path}: no answer key found; pass --key OUT_DIR/{KEY_PATH.as_posix()} of 'hggt-data package'"
        )
    return path


def merge_packages(
    package_dirs: list[Path], dataset: Path, key_path: Path | None = None, prefer_newer: bool = False
) -> MergeReport:
    """Merge every package into ``dataset``; problems are collected in the report, not raised."""
    merger = _Merger(dataset, prefer_newer)
    keys: dict[Path, AnswerKey] = {}
    for package_dir in package_dirs:
        if not (package_dir / MANIFEST_NAME).is_file():
            merger.report.problems.append(f"{package_dir}: not a package (no {MANIFEST_NAME}); skipped")
            continue
        try:
            path = find_key(package_dir, key_path)
            if path not in keys:
                keys[path] = read_key(path)
            merger.merge_package(package_dir, keys[path])
            merger.report.packages += 1
        except (MergeError, PackageFileError) as exc:
            merger.report.problems.append(f"{exc}; nothing of {package_dir} was merged")
    merger.collect_missing(list(keys.values()))
    merger.record_assignments(list(keys.values()))
    return merger.report


def create_dataset(target: Path, package_dirs: list[Path], key_path: Path | None = None) -> tuple[Path, int]:
    """Make ``target`` a new dataset holding the images the packages were made from.

    ``hggt-data merge ... --into NEW`` with a folder that does not exist yet: the images of the
    packaged sets (the key names their folder) are copied to ``NEW/images/``, so that the
    labels merged into ``NEW/labels/`` sit beside them in the HGGT layout. Returns the source
    images folder and the number of sets copied.
    """
    first = next((p for p in package_dirs if (p / MANIFEST_NAME).is_file()), None)
    if first is None:
        raise MergeError(
            f"{target}: does not exist, and no package ({MANIFEST_NAME}) says which images to put in it"
        )
    try:
        key = read_key(find_key(first, key_path))
    except PackageFileError as exc:
        raise MergeError(str(exc)) from exc
    source = Path(key.dataset)
    if not (source / ORIGINAL_FOLDER).is_dir():
        raise MergeError(
            f"{target}: does not exist, and the images the packages were made from ({source}) are gone; "
            "give --into the dataset the packages came from"
        )
    scan = find_sets(source)
    partial = target.with_name(f".{target.name}.partial")
    images = partial / "images"
    for image_set in scan.sets:
        for path in image_set.paths():
            destination = images / path.parent.name / path.name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
    # Renamed into place whole: an interrupted copy never looks like a finished dataset.
    os.replace(partial, target)
    return source, len(scan.sets)


def _trial_fields(package: str, item: KeyItem) -> dict:
    """What a merged trial file says of the trial itself, answered or flagged."""
    return {
        "package": package,
        "item": item.stem,
        "kind": item.kind,
        "stem": item.source,
        "catch_version": item.catch_slot,
        "expected": item.expected,
        "degradation": item.degradation,
    }
