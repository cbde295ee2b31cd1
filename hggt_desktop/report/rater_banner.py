"""The report's banner per flagged rater: what was found, against what, on how much evidence."""

from __future__ import annotations

from html import escape

from hggt_desktop.core.agreement_figures import AgreementSummary


def rater_banners_html(summary: AgreementSummary) -> str:
    """One banner per rater with alerts (core/rater_alerts.py), and a note per excluded rater."""
    blocks = []
    for name, figures in summary.per_annotator.items():
        if not figures.alerts:
            continue
        items = "".join(
            f"<li><b>{escape(alert.message)}</b><br><small>{escape(alert.figure)}: {alert.value:g} · "
            f"{escape(alert.reference)} · evidence: {escape(alert.evidence)}</small></li>"
            for alert in figures.alerts
        )
        blocks.append(
            f'<div class="rater-alert"><p><b>Check rater {escape(name)}</b> '
            f"({len(figures.alerts)} alert{'s' if len(figures.alerts) != 1 else ''}; "
            "how each is decided: docs/curator.md, “Rater alerts”)</p>"
            f"<ul>{items}</ul></div>"
        )
    for name, reason in summary.excluded_raters.items():
        blocks.append(
            f'<p class="notice">Left out: <b>{escape(name)}</b> (excluded by the curator: {escape(reason)}); '
            "their labels are kept but count nowhere in this report.</p>"
        )
    return "".join(blocks)
