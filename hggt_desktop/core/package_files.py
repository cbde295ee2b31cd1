"""The two files of a work package: its manifest ``package.json`` and the curator's ``key.json``.

One owner for both formats (as :mod:`hggt_desktop.core.labels` is for label files): the
package writer, the annotator and the merge read and write them here only, and the on-disk
key spelling lives in this module alone. ::

    <package>/package.json   {"format", "annotator", "seed", "package", "images_dir",
                              "labels_dir", "sets", "images": {"<images_dir>/<folder>/<name>": sha256}}
    OUT_DIR/.curator/key.json {"format", "seed", "dataset", "packages": {<package>: {"annotator",
                              "images_dir", "items": {<item stem>: {"stem", "kind", "source", "slots",
                              "catch_slot", "expected", "degradation", "hashes": {folder: sha256}}}}}}

A file that is not JSON, or whose parts have the wrong shape (a list where an object belongs,
an item that is not an object), raises :class:`PackageFileError` naming the file and the part.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hggt_desktop.core.atomic import write_text_atomic

MANIFEST_NAME = "package.json"
KEY_PATH = Path(".curator") / "key.json"
FORMAT = 1


class PackageFileError(Exception):
    """A package manifest or an answer key is unreadable or malformed; ``path`` names it."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


@dataclass(frozen=True)
class PackageManifest:
    """A work package's ``package.json``.

    Every field but ``images`` may be absent from a hand-made file (the annotator only needs
    ``annotator`` and ``seed``); :func:`read_manifest` with ``complete=True`` refuses that.
    """

    annotator: str | None
    seed: int | None
    package: str | None = None
    images_dir: str | None = None
    labels_dir: str | None = None
    sets: int | None = None
    images: Mapping[str, str] = field(default_factory=dict)
    format: int = FORMAT


@dataclass(frozen=True)
class KeyItem:
    """One item of a package as the key knows it: which real set and versions it shows."""

    stem: str
    kind: str
    source: str
    slots: tuple[str, ...]
    catch_slot: str | None
    expected: str | None
    degradation: str | None
    hashes: Mapping[str, str]


@dataclass(frozen=True)
class KeyPackage:
    """One package's entry of the key."""

    annotator: str
    images_dir: str
    items: Mapping[str, KeyItem]


@dataclass(frozen=True)
class AnswerKey:
    """The curator's key of one ``hggt-data package`` run (never shipped to annotators)."""

    seed: int
    dataset: str
    packages: Mapping[str, KeyPackage]
    format: int = FORMAT


_COMPLETE_MANIFEST = ("package", "annotator", "images_dir", "labels_dir")


def manifest_text(manifest: PackageManifest) -> str:
    """The ``package.json`` text of ``manifest``."""
    doc = {
        "format": manifest.format,
        "annotator": manifest.annotator,
        "seed": manifest.seed,
        "package": manifest.package,
        "images_dir": manifest.images_dir,
        "labels_dir": manifest.labels_dir,
        "sets": manifest.sets,
        "images": dict(manifest.images),
    }
    return json.dumps(doc, indent=1) + "\n"


def write_manifest(folder: Path, manifest: PackageManifest) -> Path:
    """Write ``folder/package.json`` atomically; return its path."""
    path = Path(folder) / MANIFEST_NAME
    write_text_atomic(path, manifest_text(manifest))
    return path


def read_manifest(path: Path | str, complete: bool = True) -> PackageManifest:
    """Read a ``package.json``; with ``complete`` it must name the package and its folders."""
    path = Path(path)
    doc = _object(_load(path, "work package description"), path, "the file")
    if complete:
        missing = [name for name in _COMPLETE_MANIFEST if doc.get(name) in (None, "")]
        if missing:
            raise PackageFileError(
                path,
                f"the work package description lacks {', '.join(missing)}; "
                "it was not written by 'hggt-data package' (ask the curator for the package again)",
            )
    annotator = doc.get("annotator")
    images = _object(doc.get("images", {}), path, "'images'")
    return PackageManifest(
        annotator=str(annotator) if annotator not in (None, "") else None,
        seed=_lenient_int(doc.get("seed")),
        package=_optional_str(doc, "package", path),
        images_dir=_optional_str(doc, "images_dir", path),
        labels_dir=_optional_str(doc, "labels_dir", path),
        sets=_lenient_int(doc.get("sets")),
        images={str(name): str(digest) for name, digest in images.items()},
        format=_lenient_int(doc.get("format")) or FORMAT,
    )


def key_text(key: AnswerKey) -> str:
    """The ``key.json`` text of ``key``."""
    doc = {
        "format": key.format,
        "seed": key.seed,
        "dataset": key.dataset,
        "packages": {
            folder: {
                "annotator": entry.annotator,
                "images_dir": entry.images_dir,
                "items": {stem: _item_doc(item) for stem, item in entry.items.items()},
            }
            for folder, entry in key.packages.items()
        },
    }
    return json.dumps(doc) + "\n"


def write_key(out_dir: Path, key: AnswerKey) -> Path:
    """Write ``out_dir/.curator/key.json`` atomically; return its path."""
    path = Path(out_dir) / KEY_PATH
    write_text_atomic(path, key_text(key))
    return path


def read_key(path: Path | str) -> AnswerKey:
    """Read an answer key written by :func:`write_key`; malformed parts raise PackageFileError."""
    path = Path(path)
    doc = _object(_load(path, "answer key"), path, "the file")
    packages = _object(doc.get("packages"), path, "'packages'")
    return AnswerKey(
        seed=_lenient_int(doc.get("seed")) or 0,
        dataset=str(doc.get("dataset", "")),
        packages={str(folder): _key_package(entry, path, str(folder)) for folder, entry in packages.items()},
        format=_lenient_int(doc.get("format")) or FORMAT,
    )


def _item_doc(item: KeyItem) -> dict[str, Any]:
    # The key order is the one the writer has always used (dataclasses.asdict of the plan's item).
    return {
        "stem": item.stem,
        "kind": item.kind,
        "source": item.source,
        "slots": list(item.slots),
        "catch_slot": item.catch_slot,
        "expected": item.expected,
        "degradation": item.degradation,
        "hashes": dict(item.hashes),
    }


def _key_package(entry: object, path: Path, folder: str) -> KeyPackage:
    where = f"package {folder!r}"
    doc = _object(entry, path, where)
    items = _object(doc.get("items"), path, f"the items of {where}")
    return KeyPackage(
        annotator=_required_str(doc, "annotator", path, where),
        images_dir=_required_str(doc, "images_dir", path, where),
        items={str(stem): _key_item(item, path, f"item {stem!r} of {where}") for stem, item in items.items()},
    )


def _key_item(entry: object, path: Path, where: str) -> KeyItem:
    doc = _object(entry, path, where)
    slots = doc.get("slots")
    if not isinstance(slots, list) or not all(isinstance(slot, str) for slot in slots):
        raise PackageFileError(path, f"{where}: 'slots' is not a list of version names; {_AGAIN}")
    hashes = _object(doc.get("hashes"), path, f"the hashes of {where}")
    return KeyItem(
        stem=_required_str(doc, "stem", path, where),
        kind=_required_str(doc, "kind", path, where),
        source=_required_str(doc, "source", path, where),
        slots=tuple(slots),
        catch_slot=_optional_str(doc, "catch_slot", path, where),
        expected=_optional_str(doc, "expected", path, where),
        degradation=_optional_str(doc, "degradation", path, where),
        hashes={str(folder): str(digest) for folder, digest in hashes.items()},
    )


_AGAIN = "the file is damaged; use the copy 'hggt-data package' wrote"


def _load(path: Path, what: str) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise PackageFileError(path, f"the {what} cannot be read ({exc})") from exc


def _object(value: object, path: Path, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        shown = "missing" if value is None else f"a JSON {type(value).__name__}"
        raise PackageFileError(path, f"{where} should be a JSON object but is {shown}; {_AGAIN}")
    return value


def _required_str(doc: dict[str, Any], name: str, path: Path, where: str) -> str:
    value = doc.get(name)
    if not isinstance(value, str) or not value:
        raise PackageFileError(path, f"{where}: {name!r} is missing or not text; {_AGAIN}")
    return value


def _optional_str(doc: dict[str, Any], name: str, path: Path, where: str = "the file") -> str | None:
    value = doc.get(name)
    if value is not None and not isinstance(value, str):
        raise PackageFileError(path, f"{where}: {name!r} is not text; {_AGAIN}")
    return value


def _lenient_int(value: object) -> int | None:
    """An integer given as a number or as digits (hand-edited files), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | str) and str(value).lstrip("-").isdigit():
        return int(value)
    return None
