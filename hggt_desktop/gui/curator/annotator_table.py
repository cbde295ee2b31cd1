"""Per-annotator figures in the agreement tab: the same columns as the report's table."""

from __future__ import annotations

from html import escape

from hggt_desktop.core.agreement_figures import AgreementSummary


def _fmt(value: float | None, digits: int = 1, suffix: str = "") -> str:
    return "n/a" if value is None else f"{value:.{digits}f}{suffix}"


def annotators_html(summary: AgreementSummary) -> str:
    """Sets, agreement with the others, time per set and straight-lining per annotator (rich text)."""
    heads = (
        "annotator",
        "sets",
        "missing",
        "% agree with<br>majority of others",
        "mean κ<br>with others",
        "median<br>s / set",
        "most frequent<br>label",
        "longest<br>run",
    )
    rows = []
    for name, row in summary.per_annotator.items():
        lines, seconds = row.straight_lining, row.seconds_per_set
        share = lines.share_most_frequent
        frequent = "n/a" if share is None else f"{lines.most_frequent} {100 * share:.0f}%"
        cells = (
            f"<b>{escape(name)}</b>",
            str(row.sets_labelled),
            str(row.sets_missing),
            _fmt(row.agreement_with_majority_of_others),
            _fmt(row.mean_cohen_kappa_with_others, 3),
            _fmt(seconds.median, 0),
            escape(frequent),
            str(lines.longest_run),
        )
        rows.append("<tr>" + "".join(f"<td align=right>{c}</td>" for c in cells) + "</tr>")
    if not rows:
        return ""
    head = "".join(f"<th>&nbsp;{h}&nbsp;</th>" for h in heads)
    return (
        f"<p><b>Annotators</b></p><table cellspacing=0 cellpadding=3><tr>{head}</tr>{''.join(rows)}</table>"
    )
