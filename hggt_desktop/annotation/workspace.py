"""What the annotator opens: an images folder, a released split or a work package.

Qt-free: it resolves the path, finds the labels folder, reads a work package's
``package.json`` (its annotator is the default id, its seed salts the on-screen order) and
scans the sets, marking those that cannot be labelled as a whole (a missing version, sizes
that differ, an unreadable PNG header) so the screen can show them as broken.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from hggt_desktop.core.labels import is_plain_file_name
from hggt_desktop.core.layout import LayoutError, find_labels_dir, resolve_images_dir
from hggt_desktop.core.package_files import MANIFEST_NAME, PackageFileError, read_manifest
from hggt_desktop.core.sets import ImageSet, Problem, SetLayoutError, find_sets

log = logging.getLogger(__name__)


class WorkspaceError(Exception):
    """The path cannot be opened for annotation; the message says why and what to do."""


@dataclass(frozen=True)
class Workspace:
    """The sets one annotator labels, and where their labels and records go."""

    images_dir: Path
    labels_dir: Path
    annotator: str
    sets: tuple[ImageSet, ...]
    version_folders: tuple[str, ...]
    package_seed: int | None = None
    package_dir: Path | None = None
    broken: dict[str, str] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class PackageInfo:
    """The parts of a work package's ``package.json`` the annotator needs."""

    path: Path
    annotator: str | None
    seed: int | None


def read_package(folder: Path) -> PackageInfo | None:
    """``folder/package.json`` if there is one (None otherwise); raise when it is unreadable."""
    path = Path(folder) / MANIFEST_NAME
    if not path.is_file():
        return None
    try:
        manifest = read_manifest(path, complete=False)
    except PackageFileError as exc:
        raise WorkspaceError(str(exc)) from exc
    return PackageInfo(path=path, annotator=manifest.annotator, seed=manifest.seed)


def check_annotator_id(annotator: str) -> str:
    """The id, stripped; raise when it cannot name a labels folder."""
    annotator = annotator.strip()
    if not annotator or not is_plain_file_name(annotator) or annotator.startswith((".", "_")):
        raise WorkspaceError(
            f"{annotator!r} cannot be an annotator id: use letters, digits or '-', "
            "without '/', '\\', ':' or a leading '.' or '_'."
        )
    return annotator


def open_workspace(path: Path | str, annotator: str | None = None) -> Workspace:
    """Resolve ``path`` and scan its sets; ``annotator`` defaults to the package's."""
    path = Path(path).expanduser()
    if not path.exists():
        raise WorkspaceError(f"{path} does not exist; choose the images folder or work package to label.")
    package = read_package(path)
    if package is None:
        # The images folder inside a package: its parent's description counts, but an
        # unrelated package.json above a plain images folder must not stop anything.
        try:
            package = read_package(path.parent)
        except WorkspaceError as exc:
            log.info("ignoring %s", exc)
    try:
        images_dir = resolve_images_dir(path)
    except LayoutError as exc:
        raise WorkspaceError(str(exc)) from exc
    if annotator is None or not annotator.strip():
        if package is None or package.annotator is None:
            raise WorkspaceError("No annotator id given: pass --annotator ID (e.g. your initials).")
        annotator = package.annotator
    annotator = check_annotator_id(annotator)
    try:
        scan = find_sets(images_dir)
    except SetLayoutError as exc:
        raise WorkspaceError(str(exc)) from exc
    if not scan.sets:
        raise WorkspaceError(
            f"{images_dir} holds no image sets (original/<stem>.png with 01/<stem>_01.png ..)."
        )
    return Workspace(
        images_dir=images_dir,
        labels_dir=find_labels_dir(images_dir),
        annotator=annotator,
        sets=scan.sets,
        version_folders=scan.version_folders,
        package_seed=package.seed if package else None,
        package_dir=package.path.parent if package else None,
        broken=_broken_sets(scan.sets, scan.version_folders, scan.problems),
        problems=scan.problems,
    )


def _broken_sets(
    sets: tuple[ImageSet, ...], folders: tuple[str, ...], problems: tuple[Problem, ...]
) -> dict[str, str]:
    """Stem -> why the set cannot be labelled, from what the scan found."""
    broken: dict[str, str] = {}
    by_path = {path: image_set.stem for image_set in sets for path in image_set.paths()}
    for image_set in sets:
        missing = [v for v in folders if v not in image_set.version_ids]
        if missing:
            files = ", ".join(f"{v}/{image_set.stem}_{v}.png" for v in missing)
            broken[image_set.stem] = f"version {', '.join(missing)} is missing ({files} not found)"
    for problem in problems:
        stem = by_path.get(problem.path)
        if stem is not None and stem not in broken:
            broken[stem] = f"{problem.path.parent.name}/{problem.path.name} {problem.reason}"
    return broken
