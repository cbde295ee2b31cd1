"""The HGGT label file: the one module that reads and writes it.

One JSON file per set per annotator, ``<labels>/<annotator>/<stem>.json``::

    {"Picture_1": {"Name": "<stem>.png", "File": "original", "Label": null},
     "Picture_2": {"Name": "<stem>_01.png", "File": "01", "Label": "Positive"}, ...
     "Time_cost": {"Start": "2022-08-05 16:56:06", "End": "2022-08-05 16:56:49", "Total": 42}}

``Picture_{k+1}`` is always version ``0k`` whatever the on-screen order, because the HGGT loaders
read the pictures by position. The on-disk key spelling lives in this module only.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from hggt_desktop.core.atomic import write_text_atomic

ORIGINAL_FOLDER = "original"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"

_PICTURE = "Picture_{}"
_NAME, _FILE, _LABEL = "Name", "File", "Label"
_TIME_COST, _START, _END, _TOTAL = "Time_cost", "Start", "End", "Total"
_PICTURE_KEY = re.compile(r"Picture_([1-9][0-9]*)\Z")
_VERSION_FOLDER = re.compile(r"0[1-9]\Z")


class Label(StrEnum):
    """A judgement of one enhanced version against the original."""

    POSITIVE = "Positive"
    SIMILAR = "Similar"
    NEGATIVE = "Negative"

    @property
    def rank(self) -> int:
        """Ordinal position: Negative 0 < Similar 1 < Positive 2."""
        return _RANK[self]


_RANK = {Label.NEGATIVE: 0, Label.SIMILAR: 1, Label.POSITIVE: 2}


@dataclass(frozen=True)
class TimeCost:
    """When a set was first shown, when its last label was given, and seconds of active work."""

    start: datetime
    end: datetime
    total: int


@dataclass(frozen=True)
class LabelFile:
    """One annotator's labels for one set.

    ``labels`` maps version folder (``"01"``..) to its label, in version order.
    """

    stem: str
    original_name: str
    version_names: tuple[tuple[str, str], ...]
    labels: tuple[tuple[str, Label], ...]
    time_cost: TimeCost | None = None

    @property
    def label_map(self) -> dict[str, Label]:
        """Version folder -> label."""
        return dict(self.labels)

    @property
    def versions(self) -> tuple[str, ...]:
        return tuple(version for version, _ in self.labels)


class LabelFileError(Exception):
    """A label file is unusable; ``path`` names it and ``reason`` says why."""

    kind = "invalid label file"

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class UnreadableLabelFile(LabelFileError):
    kind = "unreadable"


class MalformedLabelFile(LabelFileError):
    kind = "malformed"


class MissingLabel(LabelFileError):
    kind = "missing label"


class UnknownLabel(LabelFileError):
    kind = "unknown label"


class PositionMismatch(LabelFileError):
    kind = "position mismatch"


class UnsafeName(LabelFileError):
    kind = "unsafe name"


def is_plain_file_name(name: str) -> bool:
    """True when ``name`` names a file in its folder and cannot reach outside it."""
    if not name or name.strip() in (".", "") or ".." in name:
        return False
    return not any(ch in name for ch in ("/", "\\", ":", "\x00"))


def version_file_name(stem: str, version: str, suffix: str = ".png") -> str:
    """The file name of version ``version`` of set ``stem`` (``<stem>_<version><suffix>``)."""
    return f"{stem}_{version}{suffix}"


def make_label_file(
    stem: str,
    labels: dict[str, Label],
    time_cost: TimeCost | None = None,
    original_suffix: str = ".png",
) -> LabelFile:
    """Build a label file for ``stem`` with versions named as the set layout names them."""
    versions = sorted(labels)
    for version in versions:
        if not _VERSION_FOLDER.match(version):
            raise ValueError(f"version folder must be 01..09, got {version!r}")
    return LabelFile(
        stem=stem,
        original_name=f"{stem}{original_suffix}",
        version_names=tuple((v, version_file_name(stem, v)) for v in versions),
        labels=tuple((v, Label(labels[v])) for v in versions),
        time_cost=time_cost,
    )


def to_json_text(label_file: LabelFile) -> str:
    """Serialise exactly as the HGGT release spells it (key names and order)."""
    doc: dict[str, Any] = {
        _PICTURE.format(1): {_NAME: label_file.original_name, _FILE: ORIGINAL_FOLDER, _LABEL: None}
    }
    names = dict(label_file.version_names)
    for version, label in label_file.labels:
        doc[_PICTURE.format(int(version) + 1)] = {
            _NAME: names[version],
            _FILE: version,
            _LABEL: label.value,
        }
    if label_file.time_cost is not None:
        tc = label_file.time_cost
        doc[_TIME_COST] = {
            _START: tc.start.strftime(TIME_FORMAT),
            _END: tc.end.strftime(TIME_FORMAT),
            _TOTAL: int(tc.total),
        }
    return json.dumps(doc, ensure_ascii=False, indent=4) + "\n"


def write_label_file(path: Path, label_file: LabelFile) -> None:
    """Write atomically: a failed save leaves the previous file as it was."""
    for name in (label_file.original_name, *dict(label_file.version_names).values()):
        if not is_plain_file_name(name):
            raise UnsafeName(path, f"refusing to write name {name!r}: not a plain file name")
    write_text_atomic(Path(path), to_json_text(label_file))


def read_label_file(path: Path) -> LabelFile:
    """Read and validate one label file; raise a :class:`LabelFileError` subclass if invalid."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UnreadableLabelFile(path, f"cannot be read ({exc.strerror or exc})") from exc
    return parse_label_text(raw, path)


def parse_label_text(raw: bytes | str, path: Path | str = "<memory>") -> LabelFile:
    """Parse label JSON (bytes or text) that came from ``path``.

    A UTF-8 byte-order mark is accepted; UTF-16 and every other encoding are refused, and so
    is a key that appears twice
    (docs/decisions/0008-label-encoding-and-bad-values.md). One bad value (NaN, a 5,000-digit number, deep
    nesting, a wrong type) makes this file invalid and is reported as a :class:`LabelFileError`;
    it never escapes as a bare ``ValueError`` or ``RecursionError`` that would stop a whole tool.
    """
    path = Path(path)
    doc = _load_json(raw, path)
    try:
        return _label_file_from(doc, path)
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise MalformedLabelFile(path, f"a value has the wrong type or range ({exc})") from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a label file may hold")


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json keeps the last of two equal keys silently; in a label file that hides one of two labels.
    doc = dict(pairs)
    if len(doc) != len(pairs):
        seen: set[str] = set()
        twice = next(key for key, _ in pairs if key in seen or seen.add(key))  # type: ignore[func-returns-value]
        raise ValueError(f"the key {_short(twice)} appears twice")
    return doc


def _load_json(raw: bytes | str, path: Path) -> Any:
    if isinstance(raw, bytes) and raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise UnreadableLabelFile(path, "is UTF-16; label files must be UTF-8 (save it as UTF-8)")
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw.removeprefix("\ufeff")
        return json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_refuse_duplicates)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnreadableLabelFile(path, f"not valid UTF-8 JSON ({exc})") from exc
    except (ValueError, RecursionError, OverflowError) as exc:
        # NaN/Infinity, a number over Python's digit limit, or nesting deeper than the parser's
        # stack: the file is damaged or hostile, never a label file this tool wrote.
        if isinstance(exc, RecursionError):
            reason = "it is nested too deeply"
        elif "digits" in str(exc):
            reason = "a number has thousands of digits"
        else:
            reason = str(exc)
        raise UnreadableLabelFile(path, f"not a usable label file: {reason}") from None


def _label_file_from(doc: Any, path: Path) -> LabelFile:
    if not isinstance(doc, dict):
        raise MalformedLabelFile(path, "the top level is not a JSON object")

    pictures: dict[int, dict[str, Any]] = {}
    for key, value in doc.items():
        if key == _TIME_COST:
            continue
        match = _PICTURE_KEY.match(key)
        if not match:
            raise MalformedLabelFile(path, f"unexpected key {_short(key)}")
        if not isinstance(value, dict):
            raise MalformedLabelFile(path, f"{key} is not an object")
        pictures[int(match.group(1))] = value
    if 1 not in pictures:
        raise MalformedLabelFile(path, "Picture_1 (the original) is missing")
    count = max(pictures)
    if sorted(pictures) != list(range(1, count + 1)) or count < 2 or count > 10:
        raise MalformedLabelFile(
            path, f"pictures must be Picture_1..Picture_n with 2 <= n <= 10, found {sorted(pictures)}"
        )

    original = pictures[1]
    original_name = _check_name(path, 1, original)
    if original.get(_FILE) != ORIGINAL_FOLDER:
        raise PositionMismatch(
            path, f"Picture_1 must have File 'original', not {_short(original.get(_FILE))}"
        )
    if original.get(_LABEL) is not None:
        raise MalformedLabelFile(path, "Picture_1 is the original and must have Label null")
    stem = original_name.rsplit(".", 1)[0]

    version_names: list[tuple[str, str]] = []
    labels: list[tuple[str, Label]] = []
    for index in range(2, count + 1):
        picture = pictures[index]
        version = f"{index - 1:02d}"
        name = _check_name(path, index, picture)
        if picture.get(_FILE) != version:
            raise PositionMismatch(
                path, f"Picture_{index} must be version {version}, but File is {_short(picture.get(_FILE))}"
            )
        if name.rsplit(".", 1)[0] != f"{stem}_{version}":
            raise PositionMismatch(
                path, f"Picture_{index} Name {name!r} does not match version {version} of {stem!r}"
            )
        label = picture.get(_LABEL)
        if label is None:
            raise MissingLabel(path, f"Picture_{index} (version {version}) has no label")
        try:
            labels.append((version, Label(label)))
        except ValueError:
            raise UnknownLabel(
                path, f"Picture_{index} has label {_short(label)}; expected Positive, Similar or Negative"
            ) from None
        version_names.append((version, name))

    return LabelFile(
        stem=stem,
        original_name=original_name,
        version_names=tuple(version_names),
        labels=tuple(labels),
        time_cost=_parse_time_cost(path, doc.get(_TIME_COST)),
    )


def _short(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters, so a hostile value cannot flood a message."""
    try:
        text = repr(value)
    except ValueError:  # an int over Python's digit limit cannot even be printed
        return f"a {type(value).__name__} too large to print"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check_name(path: Path, index: int, picture: dict[str, Any]) -> str:
    name = picture.get(_NAME)
    if not isinstance(name, str) or not name:
        raise MalformedLabelFile(path, f"Picture_{index} has no Name")
    if not is_plain_file_name(name):
        raise UnsafeName(path, f"Picture_{index} Name {name!r} is not a plain file name")
    return name


def _parse_time_cost(path: Path, value: Any) -> TimeCost | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise MalformedLabelFile(path, "Time_cost is not an object")
    try:
        start = datetime.strptime(value[_START], TIME_FORMAT)
        end = datetime.strptime(value[_END], TIME_FORMAT)
        total = value[_TOTAL]
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedLabelFile(
            path, f"Time_cost must have Start/End as 'YYYY-MM-DD HH:MM:SS' and Total ({exc})"
        ) from exc
    if isinstance(total, bool) or not isinstance(total, (int, float)) or not 0 <= total < 1e12:
        raise MalformedLabelFile(path, f"Time_cost Total must be non-negative seconds, got {_short(total)}")
    return TimeCost(start=start, end=end, total=int(total))
