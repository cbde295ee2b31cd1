"""The fuzz corpus of damaged inputs, kept as a generator (issue 13).

Each :class:`Case` builds a tiny dataset (or package, pack, config, model) under a folder and
damages one thing in it. It says which commands must name the damaged file (``named_by``) and
whether the input is in fact valid (a 16-bit PNG, a CMYK JPEG, a UTF-8 BOM), in which case the
commands must accept it. ``xfail`` names the hole of issue 13 owned by another engineer when the
case probes it. The probes that run every command over the corpus are in ``probes.py``.
"""

from __future__ import annotations

import json
import shutil
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hggt_desktop.core.images import write_image
from hggt_desktop.core.labels import Label
from tests.datagen import make_dataset

STEMS = ("0000-0-0", "0001-16-8", "0002-32-16")
SIZE = 40  # blockiness needs 36x36 at least

# Commands that read each kind of input (names of probes in probes.py).
LABEL_READERS = frozenset({"check", "check-quick", "agreement", "export-labels", "report", "pack", "app"})
IMAGE_DECODERS = frozenset({"check", "blockiness", "pack", "app"})
HEADER_READERS = IMAGE_DECODERS | {"check-quick"}
DATASET_PROBES = (
    "check",
    "check-quick",
    "agreement",
    "export-labels",
    "report",
    "pack",
    "blockiness",
    "package",
    "select",
    "enhance",
    "app",
)


@dataclass(frozen=True)
class Case:
    """One damaged input: how to make it, which probes run, and which must name the file."""

    name: str
    damage: Callable[[Path], list[Path]]  # (dataset root) -> the damaged paths
    named_by: frozenset[str] = frozenset()
    probes: tuple[str, ...] = DATASET_PROBES
    valid: bool = False  # the input is unusual but fine: check must accept it
    xfail: dict[str, str] = field(default_factory=dict)  # probe -> "hole N: ..."
    root_name: str = "ds"


def make_base(root: Path, name: str = "ds") -> Path:
    """A labelled dataset of three 40x40 sets, 4 versions, annotators A, B, C; returns its root."""
    make_dataset(root / name, n_sets=len(STEMS), size=SIZE, label=lambda *_: Label.POSITIVE)
    return root / name


def _label(root: Path, annotator: str = "A", stem: str = STEMS[0]) -> Path:
    return root / "labels" / annotator / f"{stem}.json"


def _image(root: Path, folder: str = "01", stem: str = STEMS[1]) -> Path:
    name = f"{stem}.png" if folder == "original" else f"{stem}_{folder}.png"
    return root / "images" / folder / name


def _rewrite(path: Path, change: Callable[[str], str]) -> list[Path]:
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    return [path]


def _write(path: Path, data: bytes) -> list[Path]:
    path.write_bytes(data)
    return [path]


def bomb_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A valid PNG header claiming ``width x height`` RGB pixels, with a tiny IDAT."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1000)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _sixteen_bit(root: Path) -> list[Path]:
    import cv2

    path = _image(root)
    image = np.random.default_rng(1).integers(0, 65536, (SIZE, SIZE, 3), dtype=np.uint16)
    ok, data = cv2.imencode(".png", image)
    return _write(path, data.tobytes())


def _cmyk_jpeg(root: Path) -> list[Path]:
    from PIL import Image

    png = _image(root, "original", STEMS[2])
    jpeg = png.with_suffix(".jpg")
    Image.new("CMYK", (SIZE, SIZE), (10, 80, 160, 20)).save(jpeg, quality=95)
    png.unlink()
    return [jpeg]


def _other_size(root: Path) -> list[Path]:
    path = _image(root, "02")
    write_image(path, np.zeros((SIZE + 8, SIZE, 3), np.uint8))
    return [path]


def _missing_folder(folder: str) -> Callable[[Path], list[Path]]:
    def damage(root: Path) -> list[Path]:
        shutil.rmtree(root / "images" / folder)
        return [root / "images" / folder]

    return damage


def _link_outside(target: str) -> Callable[[Path], list[Path]]:
    """A label file that is a symbolic link to a file outside the dataset (or to nothing)."""

    def damage(root: Path) -> list[Path]:
        path = _label(root, "B", STEMS[1])
        outside = root.parent / "outside" / f"{STEMS[1]}.json"
        outside.parent.mkdir(exist_ok=True)
        if target == "label":
            shutil.copy(path, outside)
        path.unlink()
        path.symlink_to(outside if target != "nothing" else root.parent / "nowhere.json")
        return [path]

    return damage


def _image_link(target: str) -> Callable[[Path], list[Path]]:
    """A version image that is a symbolic link to a file outside the dataset (or to nothing)."""

    def damage(root: Path) -> list[Path]:
        path = _image(root, "04")
        outside = root.parent / "outside" / path.name
        outside.parent.mkdir(exist_ok=True)
        if target == "image":
            shutil.copy(path, outside)
        path.unlink()
        path.symlink_to(outside if target != "nothing" else root.parent / "nowhere.png")
        return [path]

    return damage


def _label_folder(root: Path) -> list[Path]:
    path = _label(root, "C", STEMS[2])
    path.unlink()
    path.mkdir()
    return [path]


def _non_ascii_long(root: Path) -> list[Path]:
    """Everything under a long folder of non-ASCII names; one label is then damaged (truncated)."""
    path = _label(root)
    return _write(path, path.read_bytes()[:40])


_TOTAL = '"Total": 42'
LABEL_JSON_CASES = {
    "label-nan": lambda r: _rewrite(_label(r), lambda t: t.replace(_TOTAL, '"Total": NaN')),
    "label-huge-int": lambda r: _rewrite(_label(r), lambda t: t.replace(_TOTAL, '"Total": ' + "9" * 5000)),
    "label-deep-nesting": lambda r: _write(_label(r), b"[" * 100_000),
    "label-wrong-types": lambda r: _rewrite(
        _label(r), lambda t: t.replace('"Label": "Positive"', '"Label": [1]', 1)
    ),
    "label-top-level-list": lambda r: _write(_label(r), b"[]"),
    "label-utf16": lambda r: _write(_label(r), _label(r).read_text(encoding="utf-8").encode("utf-16")),
    "label-duplicate-keys": lambda r: _rewrite(
        _label(r), lambda t: t.replace('"Picture_1"', '"Picture_2": {}, "Picture_1"', 1)
    ),
    "label-zero-byte": lambda r: _write(_label(r), b""),
    "label-truncated": lambda r: _write(_label(r), _label(r).read_bytes()[:57]),
    "label-binary": lambda r: _write(_label(r), bytes(range(256))),
}
IMAGE_CASES = {
    "image-truncated": (lambda r: _write(_image(r), _image(r).read_bytes()[:60]), IMAGE_DECODERS),
    "image-zero-byte": (lambda r: _write(_image(r), b""), HEADER_READERS),
    "image-wrong-type": (lambda r: _write(_image(r), b"this is text, not a PNG\n"), HEADER_READERS),
    "image-bomb-header": (lambda r: _write(_image(r), bomb_png()), HEADER_READERS),
    "image-other-size": (_other_size, frozenset({"check", "check-quick", "app"})),
    "original-bomb-header": (lambda r: _write(_image(r, "original"), bomb_png()), HEADER_READERS),
}


def dataset_cases() -> list[Case]:
    """Damaged datasets, run through every dataset command and the annotator's open path."""
    cases = [Case(name, damage, LABEL_READERS) for name, damage in LABEL_JSON_CASES.items()]
    cases += [Case(name, damage, frozenset(by)) for name, (damage, by) in IMAGE_CASES.items()]
    cases += [
        Case(
            "label-utf8-bom",
            lambda r: _write(_label(r), b"\xef\xbb\xbf" + _label(r).read_bytes()),
            valid=True,
        ),
        Case("image-16-bit", _sixteen_bit, valid=True),
        Case("original-cmyk-jpeg", _cmyk_jpeg, valid=True),
        Case("missing-version-folder", _missing_folder("03"), frozenset({"check", "pack"})),
        Case("missing-original-folder", _missing_folder("original"), frozenset({"check", "pack"})),
        Case("label-link-outside", _link_outside("label"), valid=True),
        Case("label-link-to-nothing", _link_outside("nothing"), frozenset({"check", "agreement"})),
        Case("label-path-is-a-folder", _label_folder, frozenset({"check"})),
        Case("image-link-outside", _image_link("image"), valid=True),
        Case("image-link-to-nothing", _image_link("nothing"), frozenset({"check", "pack", "app"})),
        Case(
            "non-ascii-long-path",
            _non_ascii_long,
            frozenset({"check", "agreement", "export-labels", "pack"}),
            root_name="Daten-ÄÖÜ-数据-" + "é" * 60 + "/" + "ü" * 100,
        ),
    ]
    return cases


def json_text(value: object) -> bytes:
    return json.dumps(value).encode("utf-8")
