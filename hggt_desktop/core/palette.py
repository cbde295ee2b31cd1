"""The one label palette: the annotator, the curator and the report colour labels alike.

Okabe and Ito's colour-blind-safe pair (blue for Positive, vermillion for Negative) with a
neutral grey for Similar; every place also writes the label's word, so colour is never the
only cue (docs/decisions/0010-one-label-palette.md). Hex strings, so Qt code (``QColor(hex)``),
the SVG charts and the CSS all read the same values.
"""

from __future__ import annotations

from hggt_desktop.core.labels import Label

# The label's own colour: bars, badges, the annotator's buttons.
LABEL_COLOURS: dict[Label, str] = {
    Label.POSITIVE: "#0072b2",
    Label.SIMILAR: "#969696",
    Label.NEGATIVE: "#d55e00",
}
# A light tint behind dark text of the same hue (chips in the report).
LABEL_TINTS: dict[Label, str] = {
    Label.POSITIVE: "#d9ebf6",
    Label.SIMILAR: "#ececec",
    Label.NEGATIVE: "#f8e0cf",
}
LABEL_INKS: dict[Label, str] = {
    Label.POSITIVE: "#00507d",
    Label.SIMILAR: "#4b4b4b",
    Label.NEGATIVE: "#8f3f00",
}


def label_colour(name: str) -> str:
    """The colour of a label given by its word ("Positive", "Similar", "Negative")."""
    return LABEL_COLOURS[Label(name)]
