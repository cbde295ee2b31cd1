"""The curator's report: one self-contained HTML page (inline SVG and base64 PNG, no scripts)."""

from __future__ import annotations

from datetime import datetime
from html import escape
from pathlib import Path

import numpy as np

from hggt_desktop.core.agreement_figures import AgreementSummary, Interval, describe_looked
from hggt_desktop.core.agreement_notice import flagged_sets_line, missing_files_line
from hggt_desktop.core.agreement_summary import summarize_agreement
from hggt_desktop.core.atomic import write_text_atomic
from hggt_desktop.core.dataset import Dataset
from hggt_desktop.core.disagreement import disagreement_queue
from hggt_desktop.core.output_file import OutputKind, read_head
from hggt_desktop.core.rating_table import LETTERS_BY_RANK, RatingTable, rating_table
from hggt_desktop.report import svg
from hggt_desktop.report.rater_banner import rater_banners_html
from hggt_desktop.report.style import CSS
from hggt_desktop.report.thumbnails import GAP, THUMB, strip_data_uri
from hggt_desktop.version import __version__

WORST_SHOWN = 12
_TITLE = "<title>HGGT labels report</title>"
PAGE_WIDTH = 1120  # pixels inside a section (main is 1220 wide, minus paddings)
_LETTER_CLASS = {"P": "pos", "S": "sim", "N": "neg"}


def _num(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _interval(bounds: Interval | None, digits: int = 3) -> str:
    if not bounds or bounds[0] is None or bounds[1] is None:
        return ""
    return f"{bounds[0]:.{digits}f} – {bounds[1]:.{digits}f}"


def _strength(alpha: float | None) -> str:
    """Krippendorff's own reading of alpha (2004): >= .800 reliable, >= .667 tentative."""
    if alpha is None:
        return "undefined"
    if alpha >= 0.8:
        return "reliable"
    if alpha >= 0.667:
        return "tentative conclusions only"
    return "below Krippendorff's .667 threshold"


def _cards(summary: AgreementSummary) -> str:
    ci = summary.confidence_intervals.overall
    cards = [
        (
            "Krippendorff α (ordinal)",
            summary.krippendorff_alpha_ordinal,
            ci.get("krippendorff_alpha_ordinal"),
            3,
            _strength(summary.krippendorff_alpha_ordinal),
        ),  # fmt: skip
        (
            "Krippendorff α (nominal)",
            summary.krippendorff_alpha_nominal,
            ci.get("krippendorff_alpha_nominal"),
            3,
            "",
        ),
        ("Fleiss κ", summary.fleiss_kappa, ci.get("fleiss_kappa"), 3, ""),
        ("Gwet AC1", summary.gwet_ac1, ci.get("gwet_ac1"), 3, ""),
        ("Unanimous", summary.percent_unanimous, ci.get("percent_unanimous"), 1, "% of items"),
        (
            "All different",
            summary.percent_all_different,
            ci.get("percent_all_different"),
            1,
            "% of items (P, S and N)",
        ),
    ]
    html = []
    for title, value, bounds, digits, note in cards:
        interval = _interval(bounds, digits)
        html.append(
            f'<div class="card"><div class="card-title">{escape(title)}</div>'
            f'<div class="card-value">{_num(value, digits)}</div>'
            f'<div class="card-ci">{"95% CI " + interval if interval else "&nbsp;"}</div>'
            f'<div class="card-note">{escape(note)}</div></div>'
        )
    return f'<div class="cards">{"".join(html)}</div>'


def _version_table(summary: AgreementSummary) -> str:
    ci = summary.confidence_intervals.per_version
    rows = []
    for version, row in summary.per_version.items():
        rows.append(
            f"<tr><th>{escape(version)}</th><td>{row.items}</td>"
            f"<td>{_num(row.krippendorff_alpha_ordinal)} <small>{_interval(ci.get(version, {}).get('krippendorff_alpha_ordinal'))}</small></td>"  # fmt: skip
            f"<td>{_num(row.krippendorff_alpha_nominal)}</td><td>{_num(row.fleiss_kappa)}</td>"
            f"<td>{_num(row.gwet_ac1)}</td><td>{_num(row.percent_unanimous, 1)}</td>"
            f"<td>{_num(row.percent_all_different, 1)}</td></tr>"
        )
    return (
        "<table><thead><tr><th>version</th><th>items</th><th>α ordinal (95% CI)</th><th>α nominal</th>"
        "<th>Fleiss κ</th><th>Gwet AC1</th><th>% unanimous</th><th>% all different</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _annotator_table(summary: AgreementSummary) -> str:
    rows = []
    for name, row in summary.per_annotator.items():
        time_row, lines = row.seconds_per_set, row.straight_lining
        bias = row.position_bias
        share = lines.share_most_frequent
        rows.append(
            f"<tr><th>{escape(name)}</th><td>{row.sets_labelled}</td><td>{row.sets_missing}</td>"
            f"<td>{row.sets_flagged}</td>"
            f"<td>{_num(row.agreement_with_majority_of_others, 1)}</td>"
            f"<td>{_num(row.mean_cohen_kappa_with_others)}</td>"
            f"<td>{_num(time_row.median, 0)}</td><td>{_num(time_row.q1, 0)}–{_num(time_row.q3, 0)}</td>"
            f"<td>{escape(lines.most_frequent or 'n/a')} {'' if share is None else f'{100 * share:.0f}%'}</td>"
            f"<td>{_num(lines.share_sets_one_label and 100 * lines.share_sets_one_label, 1)}</td>"
            f"<td>{lines.longest_run}</td>"
            f"<td>{'no record' if bias is None else _num(bias.mean_rank_spread, 2)}</td>"
            f"<td>{escape(describe_looked(row.looked_1to1))}</td></tr>"
        )
    table_html = (
        "<table><thead><tr><th>annotator</th><th>sets</th><th>missing</th>"
        "<th>flagged “can't judge”</th><th>% agree with majority of others</th>"
        "<th>mean κ with others</th><th>median s / set</th><th>IQR s</th><th>most frequent label</th>"
        "<th>% sets one label</th><th>longest run</th><th>position spread</th>"
        "<th>looked at 1:1 (mean share of patches, sets)</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    return table_html + _trials_table(summary)


def _trials_table(summary: AgreementSummary) -> str:
    """Answers on hidden-reference, degraded and repeated trials, for raters that had them."""
    rows = []
    for name, row in summary.per_annotator.items():
        trials = row.trials
        if not trials:
            continue
        cells = []
        for tally in (trials.hidden_reference, trials.degraded):
            flagged = f", {tally.flagged} flagged “can't judge” (not answered)" if tally.flagged else ""
            cells.append(
                f"<td>{tally.as_expected} / {tally.trials} ({_num(tally.percent_as_expected, 0)}%){flagged}</td>"
            )
        repeat = trials.repeat
        cells.append(
            f"<td>{repeat.trials} sets, {repeat.same_label} / {repeat.versions_compared} versions "
            f"({_num(repeat.percent_same_label, 0)}%)</td>"
        )
        rows.append(f"<tr><th>{escape(name)}</th>{''.join(cells)}</tr>")
    if not rows:
        return '<p class="note">No catch or repeated trials in these labels (they come from work packages made with trials).</p>'
    return (
        "<h3>Catch and repeated trials</h3><table><thead><tr><th>annotator</th>"
        "<th>hidden reference answered Similar</th><th>degraded answered Negative</th>"
        "<th>repeated sets: same label again</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _worst(dataset: Dataset, table: RatingTable, limit: int) -> str:
    queue = disagreement_queue(table)[:limit]
    if not queue:
        if not ((table.ratings >= 0).sum(axis=-1) >= 2).any():
            return '<p class="muted">None yet: no version of a set is labelled by two annotators.</p>'
        return '<p class="muted">No disagreements: every version labelled twice or more is unanimous.</p>'
    by_stem = {s.stem: s for s in dataset.sets}
    index = {stem: i for i, stem in enumerate(table.stems)}
    blocks = []
    for entry in queue:
        image_set, s = by_stem[entry.stem], index[entry.stem]
        columns = len(image_set.versions) + 1
        cells = ['<div class="cap"><b>original</b></div>']
        for version in image_set.version_ids:
            v = table.versions.index(version)
            letters = []
            for r, rater in enumerate(table.raters):
                rank = int(table.ratings[s, v, r])
                letter = LETTERS_BY_RANK[rank] if rank >= 0 else "–"
                letters.append(
                    f'<span class="chip {_LETTER_CLASS.get(letter, "")}">{escape(rater)} {letter}</span>'
                )
            eff = int(table.effective[s, v])
            eff_letter = LETTERS_BY_RANK[eff] if eff >= 0 else "–"
            votes = int(table.votes[s, v])
            mark = (
                " adjudicated"
                if table.adjudicated[s, v]
                else (f" {votes} votes" if votes else " no majority")
            )
            worst = " worst" if version in entry.worst_versions else ""
            cells.append(
                f'<div class="cap{worst}"><b>{escape(version)}</b> {"".join(letters)}'
                f'<div class="eff">effective <span class="chip {_LETTER_CLASS.get(eff_letter, "")}">{eff_letter}</span>{mark}</div></div>'  # fmt: skip
            )
        # Five panels fill the page at full size; more (up to nine versions) shrink to fit.
        thumb = min(THUMB, (PAGE_WIDTH - (columns - 1) * GAP) // columns)
        width = columns * thumb + (columns - 1) * GAP
        blocks.append(
            f'<div class="set"><div class="set-head"><b>{escape(entry.stem)}</b>'
            f'<span class="sev sev{entry.severity}">{escape(entry.severity_name)}</span>'
            f"{'<span class=tag>adjudicated</span>' if entry.adjudicated else ''}</div>"
            f'<img src="{strip_data_uri(image_set.paths(), thumb)}" width="{width}" height="{thumb}" alt="{escape(entry.stem)}">'
            f'<div class="caps" style="grid-template-columns: repeat({columns}, {thumb}px); gap: 0 {GAP}px">'
            f"{''.join(cells)}</div></div>"
        )
    return "".join(blocks)


def render_report(
    dataset: Dataset, table: RatingTable, summary: AgreementSummary, worst: int = WORST_SHOWN
) -> str:
    """The whole page as one string."""
    dist = summary.label_distribution
    version_rows: list[tuple[str, dict[str, int]]] = []
    for version, row in dist.per_version.items():
        version_rows.append((f"{version} effective", row["effective"]))
        version_rows.extend((f"{version} · {rater}", row[rater]) for rater in table.raters)
    annotator_rows = [(name, counts) for name, counts in dist.per_annotator.items()]
    annotator_rows.append(("effective", dist.effective))
    ci = summary.confidence_intervals
    alpha_rows = summary.alpha_rows()
    # By index, not by splitting "A-B": annotator ids may contain hyphens ("anno-01").
    kappas = {
        (table.raters[a], table.raters[b]): summary.per_pair[name].cohen_kappa
        for (a, b), name in zip(table.pairs, table.pair_names(), strict=True)
    }
    pair_rows = [(pair, row.cohen_kappa, ci.per_pair.get(pair, {}).get("cohen_kappa")) for pair, row in summary.per_pair.items()]  # fmt: skip
    finite_times = table.seconds[np.isfinite(table.seconds)]
    upper = float(np.percentile(finite_times, 99)) if finite_times.size else None
    histograms = "".join(
        svg.histogram(
            [float(x) for x in table.seconds[:, r] if np.isfinite(x) and x <= (upper or 0)],
            f"{rater}: seconds per set",
            upper=upper,
        )  # fmt: skip
        for r, rater in enumerate(table.raters)
    )
    bias = {
        name: [p.mean_rank for p in row.position_bias.by_position]
        for name, row in summary.per_annotator.items()
        if row.position_bias
    }
    bias_html = (
        svg.position_lines(bias, "Mean label by on-screen position")
        if bias
        else '<p class="muted">No annotation records beside the labels, so the on-screen order is unknown '
        "(labels from the HGGT release or another tool).</p>"
    )
    counts, problems = summary.counts, summary.problems
    problem_html = "".join(f"<li>{escape(p)}</li>" for p in problems.listed)
    more = problems.count - len(problems.listed)
    missing = missing_files_line(problems.unlabelled_by, counts.sets)
    notice = f'<p class="notice">{escape(summary.notice)}</p>' if summary.notice else ""
    flagged = flagged_sets_line(
        counts.sets_flagged, {name: row.sets_flagged for name, row in summary.per_annotator.items()}
    )
    if flagged:
        notice += f'<p class="note">{escape(flagged)}.</p>'
    if counts.items_pairable:
        agreement_html = f"""<section><h2>Agreement by version</h2><div class="row">
<div>{svg.interval_bars(alpha_rows, "Krippendorff alpha (ordinal) with 95% interval")}</div>
<div><p class="note">Krippendorff's α, ordinal (Negative &lt; Similar &lt; Positive), with its 95% bootstrap
interval over sets. His own guide: .800 and above is reliable; .667 to .800 allows tentative conclusions only.</p>
<p class="note">Fleiss κ uses the {counts.items_fleiss} items rated by exactly {counts.fleiss_raters} annotators;
{counts.items_left_out_of_fleiss} others are left out. α and Gwet's AC1 use every item rated twice or more.
"All different" counts items where Positive, Similar and Negative were all given.</p></div></div>
<div class="scroll">{_version_table(summary)}</div></section>
<section><h2>Agreement between annotators</h2><div class="row">
<div>{svg.heatmap(list(table.raters), kappas, "Cohen's kappa per pair")}</div>
<div>{svg.interval_bars(pair_rows, "Cohen's kappa per pair with 95% interval")}</div></div></section>"""
    else:
        # Empty charts and a column of n/a read as a broken page: say why instead.
        agreement_html = (
            '<section><h2>Agreement</h2><p class="muted">Nothing to compare yet: no version of a set '
            "is labelled by two annotators.</p></section>"
        )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">{_TITLE}
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head>
<body><main>
<header><h1>How far the annotators agree</h1>
<p class="muted">{escape(str(dataset.images_dir))} · {counts.sets} sets · {counts.items_pairable} items
(one version of one set) rated by two or more of {len(table.raters)} annotators{f" ({escape(', '.join(table.raters))})" if table.raters else ""} ·
labels Negative &lt; Similar &lt; Positive · 95% intervals from {ci.resamples} bootstrap resamples of sets (seed {ci.seed})</p>
{notice}{rater_banners_html(summary)}</header>
{_cards(summary)}
{agreement_html}
<section><h2>Label distribution</h2><div class="row">
<div><h3>per version</h3>{svg.stacked_label_bars(version_rows, "Labels per version and annotator")}</div>
<div><h3>per annotator</h3>{svg.stacked_label_bars(annotator_rows, "Labels per annotator")}</div></div></section>
<section><h2>Annotators</h2>{_annotator_table(summary)}
<h3>Time per set</h3><div class="hists">{histograms}</div>
<h3>Position bias</h3>{bias_html}</section>
<section><h2>Worst disagreements</h2>
<p class="muted">Ordered by severity: Positive against Negative, then two against one, then all different.</p>
{_worst(dataset, table, worst)}</section>
<section><h2>Problems</h2>{f"<p>{escape(missing)}.</p>" if missing else ""}
{f"<ul>{problem_html}</ul>" if problem_html else '<p class="muted">None: every label file was valid.</p>'}
{f'<p class="muted">and {more} more (run hggt-data check).</p>' if more > 0 else ""}</section>
<footer>hggt-desktop {escape(__version__)} · {datetime.now():%Y-%m-%d %H:%M}</footer>
</main></body></html>
"""


def is_report(path: Path) -> bool:
    """True when ``path`` is an earlier report (its title near the top), which a new one may replace."""
    return _TITLE.encode() in read_head(path, 512)


REPORT_HTML = OutputKind("an HGGT labels report", "report.html", is_report)


def write_report(
    dataset: Dataset, out: Path, resamples: int = 1000, seed: int = 0, worst: int = WORST_SHOWN
) -> AgreementSummary:
    """Compute the summary, render the page and write it atomically; return the summary."""
    table = rating_table(dataset)
    summary = summarize_agreement(dataset, resamples=resamples, seed=seed, table=table)
    write_text_atomic(Path(out), render_report(dataset, table, summary, worst))
    return summary
