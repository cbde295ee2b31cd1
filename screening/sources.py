"""What a screening job reads: a folder of images, a file list, or webdataset tar shards.

Each image is an :class:`ImageRef`: a stable key (the manifest's ``path``), the file that holds
it and, for a tar member, where its bytes start. Tar shards are read in place (no extraction):
an uncompressed tar stores each member's bytes contiguously, so one seek reads one image.
"""

from __future__ import annotations

import os
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from hggt_desktop.core.images import IMAGE_SUFFIXES, is_image_file

LIST_SUFFIXES = (".txt", ".lst")


class SourceError(ValueError):
    """The source cannot be listed; the message names it and says what to give instead."""


@dataclass(frozen=True)
class ImageRef:
    """One image of a source: ``key`` names it in the manifest; ``size < 0`` means the whole file."""

    key: str
    file: str
    offset: int = 0
    size: int = -1

    def read_bytes(self) -> bytes:
        with open(self.file, "rb") as handle:
            if self.size < 0:
                return handle.read()
            handle.seek(self.offset)
            return handle.read(self.size)

    @property
    def in_tar(self) -> bool:
        return self.size >= 0

    def list_entry(self, list_folder: Path) -> str:
        """The image's path for a kept list in ``list_folder``: relative where possible."""
        target = f"{self.file}/{self.key.split('/', 1)[1]}" if self.in_tar else self.file
        try:
            return Path(os.path.relpath(target, list_folder)).as_posix()
        except ValueError:  # another drive on Windows
            return Path(target).as_posix()


def folder_images(folder: Path) -> list[ImageRef]:
    paths = sorted(
        p for p in folder.rglob("*") if p.is_file() and is_image_file(p) and ".hggt" not in p.parts
    )
    return [ImageRef(p.relative_to(folder).as_posix(), str(p)) for p in paths]


def listed_images(list_file: Path) -> list[ImageRef]:
    """One path per line, relative to the list's folder or absolute; blank and ``#`` lines skipped."""
    try:
        lines = list_file.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"{list_file}: cannot read the file list ({exc}); give a UTF-8 text file") from exc
    refs = []
    for line in lines:
        entry = line.strip()
        if entry and not entry.startswith("#"):
            refs.append(ImageRef(entry, str(list_file.parent / entry)))
    return refs


def tar_images(shard: Path) -> list[ImageRef]:
    """The image members of one uncompressed tar shard, in the shard's order."""
    try:
        with tarfile.open(shard, "r:") as archive:
            members = [
                m
                for m in archive.getmembers()
                if m.isfile() and Path(m.name).suffix.lower() in IMAGE_SUFFIXES
            ]
    except (OSError, tarfile.TarError) as exc:
        raise SourceError(
            f"{shard}: not a readable uncompressed tar shard ({exc}); decompress .tar.gz shards first"
        ) from exc
    return [ImageRef(f"{shard.name}/{m.name}", str(shard), m.offset_data, m.size) for m in members]


def source_images(source: Path) -> list[ImageRef]:
    """Every image of a source: a ``.tar`` shard, a file list, or a folder (of images, or of shards)."""
    if source.is_file():
        if source.suffix.lower() == ".tar":
            return tar_images(source)
        if source.suffix.lower() in LIST_SUFFIXES:
            return listed_images(source)
        raise SourceError(f"{source}: give a folder of images, a file list (.txt) or a tar shard (.tar)")
    if not source.is_dir():
        raise SourceError(f"{source}: no such folder or file")
    images = folder_images(source)
    if images:
        return images
    shards = sorted(source.glob("*.tar"))
    return [ref for shard in shards for ref in tar_images(shard)]


def parse_shard(text: str) -> tuple[int, int]:
    """``"i/n"`` (0 <= i < n) as ``(i, n)``; ValueError with what to give."""
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        index, count = -1, 0
    if count < 1 or not 0 <= index < count:
        raise ValueError(f"--shard {text}: give INDEX/COUNT with 0 <= INDEX < COUNT, e.g. 0/4 .. 3/4")
    return index, count


def in_shard(ref: ImageRef, index: int, count: int) -> bool:
    """Whether an image belongs to shard ``index`` of ``count``: by a hash of its key, so shards
    stay the same when images are added to the source."""
    return zlib.crc32(ref.key.encode("utf-8")) % count == index
