"""One image through the screen: decode check, minimum size, B(x), R(x) and the per-image keep rule.

The result is one manifest line. It holds no time or host, so that a run on one machine, a job
array or a Ray cluster writes the same line for the same image.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from hggt_desktop.core.images import ImageError, decode_image
from hggt_desktop.tools.blockiness import BlockinessUndefined, blockiness
from screening.sources import ImageRef

_JPEG_START, _JPEG_END = b"\xff\xd8", b"\xff\xd9"


@dataclass(frozen=True)
class KeepRule:
    """The per-image part of DiverSeg's rule; the source's Q(X) is checked over the whole run."""

    objects: int  # keep images with R(x) >= this
    min_side: int = 128  # the shorter side, in pixels
    max_blockiness: float | None = None  # optional per-image limit on B(x)


def decode_problem(data: bytes) -> str | None:
    """Why bytes that a decoder might still accept are damaged (a JPEG cut short), or None."""
    if data.startswith(_JPEG_START) and _JPEG_END not in data[-64:]:
        return "truncated JPEG (no end-of-image marker); the bottom of the picture is missing"
    return None


def check_image(ref: ImageRef, rule: KeepRule, count: Callable[[np.ndarray], int]) -> dict:
    """The manifest line of one image: ``path, width, height, blockiness, objects, kept, reason``."""
    line: dict = {"path": ref.key, "width": None, "height": None, "blockiness": None, "objects": None}
    try:
        data = ref.read_bytes()
        rgb = decode_image(data, ref.key)
    except OSError as exc:
        return {**line, "kept": False, "reason": f"unreadable: {exc.strerror or exc}"}
    except ImageError as exc:
        return {**line, "kept": False, "reason": f"unreadable: {exc.reason}"}
    line["height"], line["width"] = int(rgb.shape[0]), int(rgb.shape[1])
    problem = decode_problem(data)
    if problem:
        return {**line, "kept": False, "reason": f"damaged: {problem}"}
    if min(rgb.shape[:2]) < rule.min_side:
        return {
            **line,
            "kept": False,
            "reason": f"too small: shorter side {min(rgb.shape[:2])} < {rule.min_side}",
        }
    try:
        line["blockiness"] = round(blockiness(rgb), 6)
    except BlockinessUndefined as exc:
        return {**line, "kept": False, "reason": f"no blockiness: {exc}"}
    try:
        line["objects"] = int(count(rgb))
    except Exception as exc:  # a model failing on one image must not end a run of millions
        return {**line, "kept": False, "reason": f"count failed: {type(exc).__name__}: {str(exc)[:200]}"}
    if rule.max_blockiness is not None and line["blockiness"] > rule.max_blockiness:
        return {
            **line,
            "kept": False,
            "reason": f"blocky: B {line['blockiness']:.2f} > {rule.max_blockiness:g}",
        }
    if line["objects"] < rule.objects:
        return {**line, "kept": False, "reason": f"few objects: R {line['objects']} < {rule.objects}"}
    return {**line, "kept": True, "reason": "kept"}
