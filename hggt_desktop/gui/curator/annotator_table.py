"""Per-annotator figures in the agreement tab: the same columns as the report's table."""

from __future__ import annotations

from html import escape

from hggt_desktop.core.agreement_figures import AgreementSummary, describe_looked
from hggt_desktop.core.rater_alerts import catch_cell

FLAGGED_ROW = "#fdecea"  # the report's alert banner colour


def _fmt(value: float | None, digits: int = 1, suffix: str = "") -> str:
    return "n/a" if value is None else f"{value:.{digits}f}{suffix}"


def annotators_html(summary: AgreementSummary) -> str:
    """Per annotator: sets, agreement, time, straight-lining, position, trials and alerts (rich text).

    A rater with alerts has their row highlighted, and each alert is listed under the table
    with the figure, the reference it is held against and the evidence (core/rater_alerts.py).
    """
    heads = (
        "annotator",
        "sets",
        "missing",
        "flagged<br>can't judge",
        "% agree with<br>majority of others",
        "mean κ<br>with others",
        "median<br>s / set",
        "most frequent<br>label",
        "longest<br>run",
        "% sets<br>one label",
        "position<br>spread",
        "hidden ref<br>(Similar)",
        "degraded<br>(Negative)",
        "repeats:<br>same label",
        "looked at<br>1:1",
        "alerts",
    )
    rows = []
    for name, row in summary.per_annotator.items():
        lines, seconds = row.straight_lining, row.seconds_per_set
        share = lines.share_most_frequent
        frequent = "n/a" if share is None else f"{lines.most_frequent} {100 * share:.0f}%"
        one_label = lines.share_sets_one_label
        trials = row.trials
        repeat = trials.repeat if trials else None
        cells = (
            f"<b>{escape(name)}</b>",
            str(row.sets_labelled),
            str(row.sets_missing),
            str(row.sets_flagged),
            _fmt(row.agreement_with_majority_of_others),
            _fmt(row.mean_cohen_kappa_with_others, 3),
            _fmt(seconds.median, 0),
            escape(frequent),
            str(lines.longest_run),
            _fmt(None if one_label is None else 100 * one_label, 0),
            "no record" if row.position_bias is None else _fmt(row.position_bias.mean_rank_spread, 2),
            catch_cell(trials.hidden_reference if trials else None),
            catch_cell(trials.degraded if trials else None),
            f"{repeat.same_label}/{repeat.versions_compared}"
            if repeat and repeat.versions_compared
            else "n/a",
            escape(describe_looked(row.looked_1to1)),
            f"<b>{len(row.alerts)}</b>" if row.alerts else "–",
        )
        shade = f" bgcolor='{FLAGGED_ROW}'" if row.alerts else ""
        rows.append(f"<tr{shade}>" + "".join(f"<td align=right>{c}</td>" for c in cells) + "</tr>")
    if not rows:
        return ""
    head = "".join(f"<th>&nbsp;{h}&nbsp;</th>" for h in heads)
    return (
        f"<p><b>Annotators</b></p><table cellspacing=0 cellpadding=3><tr>{head}</tr>{''.join(rows)}</table>"
        + alerts_html(summary)
    )


def alerts_html(summary: AgreementSummary) -> str:
    """Every alert with its evidence, one list per flagged rater (empty when there is none)."""
    parts = []
    for name, row in summary.per_annotator.items():
        if not row.alerts:
            continue
        items = "".join(
            f"<li>{escape(alert.message)}<br><small>{escape(alert.figure)}: {alert.value:g}; "
            f"{escape(alert.reference)}; evidence: {escape(alert.evidence)}</small></li>"
            for alert in row.alerts
        )
        parts.append(f"<p><b>Check rater {escape(name)}</b></p><ul>{items}</ul>")
    for name, reason in summary.excluded_raters.items():
        parts.append(f"<p>Left out: <b>{escape(name)}</b> ({escape(reason)})</p>")
    return "".join(parts)
