"""What a practice set says back once every version has a label (Qt-free)."""

from __future__ import annotations

from collections.abc import Sequence

from hggt_desktop.core.labels import Label
from hggt_desktop.core.screen_order import screen_letter


def feedback_text(
    order: Sequence[str],
    given: dict[str, Label | None],
    expected: dict[str, Label],
    reasons: dict[str, str],
) -> str:
    """One line per on-screen version: right, or what was expected and why."""
    lines, right = [], 0
    for position, version in enumerate(order):
        letter = screen_letter(position)
        label, want = given.get(version), expected.get(version)
        if want is None or label == want:
            right += 1
            lines.append(f"{letter}: {label.value if label else '-'}: right.")
        else:
            why = reasons.get(version, "")
            lines.append(f"{letter}: you said {label.value if label else '-'}, expected {want.value}. {why}")
    return f"{right} of {len(order)} as expected.\n" + "\n".join(lines)
