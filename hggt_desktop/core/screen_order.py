"""The blinded on-screen order of a set's versions, reproducible from annotator and set.

Position bias is real, so every set shows its versions in its own shuffled order under neutral
letters. The order is a pure function of (annotator, stem, package seed): reopening the app, or
a curator checking the record years later, gets the same order. The shuffle is a Fisher-Yates
driven by SHA-256 rather than :mod:`random`, so it is specified completely here and does not
depend on a Python version's generator.
"""

from __future__ import annotations

import hashlib
import string
from collections.abc import Sequence

NEUTRAL_LETTERS = string.ascii_uppercase


def order_seed(annotator: str, stem: str, package_seed: int | None = None) -> bytes:
    """The 32-byte seed of one set's order: SHA-256 of annotator, stem and package seed."""
    text = f"{annotator}\n{stem}\n{'' if package_seed is None else int(package_seed)}"
    return hashlib.sha256(text.encode("utf-8")).digest()


def _draw(seed: bytes, step: int, bound: int) -> int:
    """A uniform integer in ``[0, bound)`` for shuffle step ``step`` (rejection-free 64-bit mod)."""
    digest = hashlib.sha256(seed + step.to_bytes(4, "big")).digest()
    return int.from_bytes(digest[:8], "big") % bound


def screen_order(
    versions: Sequence[str], annotator: str, stem: str, package_seed: int | None = None
) -> tuple[str, ...]:
    """``versions`` (folders ``"01"``..) in the order the annotator sees them, left to right."""
    order = sorted(versions)
    seed = order_seed(annotator, stem, package_seed)
    for i in range(len(order) - 1, 0, -1):
        j = _draw(seed, i, i + 1)
        order[i], order[j] = order[j], order[i]
    return tuple(order)


def screen_letter(position: int) -> str:
    """The neutral letter of on-screen position ``position`` (0 -> ``"A"``)."""
    if not 0 <= position < len(NEUTRAL_LETTERS):
        raise ValueError(f"position must be 0..{len(NEUTRAL_LETTERS) - 1}, got {position}")
    return NEUTRAL_LETTERS[position]
