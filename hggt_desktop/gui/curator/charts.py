"""The agreement tab: the numbers and the same charts as the report, drawn with QPainter."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from hggt_desktop.core.agreement_figures import AgreementSummary, Interval
from hggt_desktop.core.agreement_notice import flagged_sets_line, missing_files_line
from hggt_desktop.core.agreement_summary import DEFAULT_RESAMPLES
from hggt_desktop.core.palette import LABEL_COLOURS
from hggt_desktop.gui.curator.annotator_table import annotators_html
from hggt_desktop.gui.curator.session import CuratorSession

NOTICE_STYLE = "QLabel { background: #fff8e1; border: 1px solid #f0d58a; border-radius: 4px; padding: 8px; }"

LABEL_QCOLOURS = tuple((label.value, QColor(colour)) for label, colour in LABEL_COLOURS.items())
ACCENT, GRID, INK = QColor(52, 103, 194), QColor(228, 231, 235), QColor(31, 41, 51)
MUTED = QColor(123, 135, 148)
ROW, LABEL_W = 24, 120


class LabelBarsChart(QWidget):
    """100% bars split into Positive / Similar / Negative, one per row."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, dict[str, int]]] = []

    def set_rows(self, rows: Sequence[tuple[str, dict[str, int]]]) -> None:
        self._rows = list(rows)
        self.setMinimumHeight(ROW * len(self._rows) + 28)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.white)
        width = max(self.width() - LABEL_W - 12, 10)
        x = LABEL_W
        for name, colour in LABEL_QCOLOURS:  # legend
            painter.fillRect(QRectF(x, 6, 10, 10), colour)
            painter.setPen(INK)
            painter.drawText(QRectF(x + 14, 0, 80, 22), Qt.AlignmentFlag.AlignVCenter, name)
            x += 90
        for i, (name, counts) in enumerate(self._rows):
            y = 24 + i * ROW
            painter.setPen(INK)
            painter.drawText(QRectF(0, y, LABEL_W - 8, ROW - 4), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, name)  # fmt: skip
            total = sum(counts.values())
            if not total:
                painter.setPen(MUTED)
                painter.drawText(QRectF(LABEL_W, y, width, ROW - 6), Qt.AlignmentFlag.AlignVCenter, "no labels")  # fmt: skip
                continue
            left = float(LABEL_W)
            for key, colour in LABEL_QCOLOURS:
                w = counts.get(key, 0) / total * width
                painter.fillRect(QRectF(left, y, w, ROW - 6), colour)
                if w > 34:
                    painter.setPen(Qt.GlobalColor.white)
                    painter.drawText(QRectF(left, y, w, ROW - 6), Qt.AlignmentFlag.AlignCenter, f"{100 * counts.get(key, 0) / total:.0f}%")  # fmt: skip
                left += w
        painter.end()


class CoefficientChart(QWidget):
    """Horizontal bars of one coefficient per row, with 95% interval whiskers, on -0.2 .. 1."""

    LO, HI = -0.2, 1.0

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, float | None, Sequence[float | None] | None]] = []

    def set_rows(self, rows: Sequence[tuple[str, float | None, Sequence[float | None] | None]]) -> None:
        self._rows = list(rows)
        self.setMinimumHeight(ROW * len(self._rows) + 24)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.white)
        width = max(self.width() - LABEL_W - 60, 10)

        def px(v: float) -> float:
            return LABEL_W + (min(max(v, self.LO), self.HI) - self.LO) / (self.HI - self.LO) * width

        for tick in (-0.2, 0.0, 0.2, 0.4, 0.6, 0.8, 1.0):
            painter.setPen(GRID)
            painter.drawLine(int(px(tick)), 0, int(px(tick)), ROW * len(self._rows))
            painter.setPen(INK)
            painter.drawText(QRectF(px(tick) - 20, ROW * len(self._rows) + 2, 40, 16), Qt.AlignmentFlag.AlignCenter, f"{tick:.1f}")  # fmt: skip
        for i, (name, value, interval) in enumerate(self._rows):
            y = i * ROW + 3
            painter.setPen(INK)
            painter.drawText(QRectF(0, y, LABEL_W - 8, ROW - 6), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, name)  # fmt: skip
            if value is None:
                continue
            x0, x1 = sorted((px(0.0), px(value)))
            painter.fillRect(QRectF(x0, y, max(x1 - x0, 1.0), ROW - 8), ACCENT)
            right = value
            if interval and interval[0] is not None and interval[1] is not None:
                mid = int(y + (ROW - 8) / 2)
                a, b = int(px(interval[0])), int(px(interval[1]))
                painter.drawLine(a, mid, b, mid)
                painter.drawLine(a, mid - 4, a, mid + 4)
                painter.drawLine(b, mid - 4, b, mid + 4)
                right = max(value, interval[1])
            # The number goes right of the whisker, where no line crosses its minus sign.
            painter.drawText(QRectF(px(max(right, 0.0)) + 6, y, 60, ROW - 8), Qt.AlignmentFlag.AlignVCenter, f"{value:.3f}")  # fmt: skip
        painter.end()


def _fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _interval(bounds: Interval | None, digits: int) -> str:
    """ "[lo, hi]": brackets, since "-0.278–0.457" reads like a subtraction."""
    if not bounds or bounds[0] is None or bounds[1] is None:
        return ""
    return f"[{bounds[0]:.{digits}f}, {bounds[1]:.{digits}f}]"


def summary_html(summary: AgreementSummary) -> str:
    """The coefficient table (overall and per version) and the pairs, as Qt rich text."""
    names = (
        ("krippendorff_alpha_ordinal", "α ordinal", 3),
        ("krippendorff_alpha_nominal", "α nominal", 3),
        ("fleiss_kappa", "Fleiss κ", 3),
        ("gwet_ac1", "Gwet AC1", 3),
        ("percent_unanimous", "% unanimous", 1),
        ("percent_all_different", "% all different", 1),
    )
    ci = summary.confidence_intervals.overall
    head = "".join(f"<th>&nbsp;{title}&nbsp;</th>" for _, title, _ in names)
    rows = ["<tr><td><b>overall</b></td>" + "".join(
        f"<td align=right>{_fmt(summary.value(k), d)}<br><small>{_interval(ci.get(k), d)}</small></td>"  # fmt: skip
        for k, _, d in names) + "</tr>"]  # fmt: skip
    for version, row in summary.per_version.items():
        rows.append(f"<tr><td>{escape(version)}</td>" + "".join(f"<td align=right>{_fmt(row.value(k), d)}</td>" for k, _, d in names) + "</tr>")  # fmt: skip
    pairs = "".join(
        f"<tr><td>{escape(pair)}</td><td align=right>{_fmt(row.cohen_kappa)}</td><td align=right>{_fmt(row.percent_agreement, 1)}</td></tr>"  # fmt: skip
        for pair, row in summary.per_pair.items()
    )
    counts = summary.counts
    return (
        f"<p>{counts.sets} sets, {counts.items_pairable} items (one version of one set) rated "
        f"twice or more; {problems_line(summary.problems.count)}.</p>"
        + _flagged_html(summary)
        + f"<table cellspacing=0 cellpadding=3><tr><th></th>{head}</tr>{''.join(rows)}</table>"
        + (
            "<p><small>n/a: undefined here, e.g. every rating has the same label "
            "(chance agreement is 100%).</small></p>"
            if any(summary.value(k) is None for k, _, _ in names)
            else ""
        )
        + f"<p><b>Cohen's κ per pair</b></p><table cellpadding=3><tr><th>pair</th><th>κ</th><th>% agree</th></tr>{pairs}</table>"  # fmt: skip
        + annotators_html(summary)
    )


def _flagged_html(summary: AgreementSummary) -> str:
    """The sets flagged "can't judge", per rater, and that no figure counts them ("" when none)."""
    by_rater = {name: row.sets_flagged for name, row in summary.per_annotator.items()}
    labelled = {name: row.sets_labelled for name, row in summary.per_annotator.items()}
    line = flagged_sets_line(summary.counts.sets_flagged, by_rater, labelled)
    if not line:
        return ""
    # Two lines: the figures' table sets the width, and a QLabel in rich text does not wrap here.
    count, _, why = line.partition(": ")
    return f"<p>{escape(count)}:<br>{escape(why)}.</p>"


def intervals_line(summary: AgreementSummary) -> str:
    """How the 95% intervals were found: the same resamples and seed as the CLI and the report."""
    ci = summary.confidence_intervals
    if not ci.resamples:
        return f"<p><small>95% intervals: computing ({DEFAULT_RESAMPLES} resamples of sets)…</small></p>"
    return (
        f"<p><small>95% intervals: bootstrap over sets, {ci.resamples} resamples, seed {ci.seed} "
        "(as <code>hggt-data agreement</code> and the report).</small></p>"
    )


def problems_line(count: int) -> str:
    return (
        "no problems found"
        if not count
        else f"{count} problem{'s' if count != 1 else ''} (listed under the tables)"
    )


def problems_html(summary: AgreementSummary) -> str:
    """Missing label files and the problems found (files skipped), as Qt rich text."""
    problems, sets = summary.problems, summary.counts.sets
    missing = missing_files_line(problems.unlabelled_by, sets)
    parts = ["<p><b>Problems</b></p>"]
    if missing:
        parts.append(f"<p>{escape(missing)}.</p>")
    if problems.count:
        listed = "".join(f"<li>{escape(line)}</li>" for line in problems.listed)
        more = problems.count - len(problems.listed)
        parts.append(
            f"<p>{problems.count} skipped:</p><ul>{listed}</ul>"
            + (f"<p>and {more} more (<tt>hggt-data check</tt> lists them all).</p>" if more > 0 else "")
        )
    elif not missing:
        parts.append("<p>None: every set has a valid label file from every annotator.</p>")
    return "".join(parts)


class AgreementView(QScrollArea):
    """The numbers, alpha per version, and label distributions; redrawn from the session."""

    def __init__(self, session: CuratorSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet(NOTICE_STYLE)
        self.notice.hide()
        self.numbers = QLabel()
        self.numbers.setTextFormat(Qt.TextFormat.RichText)
        self.alpha_title = QLabel("<b>Krippendorff's α (ordinal) with 95% interval</b>")
        self.alpha_chart = CoefficientChart()
        self.version_bars = LabelBarsChart()
        self.annotator_bars = LabelBarsChart()
        self.problems = QLabel()
        self.problems.setTextFormat(Qt.TextFormat.RichText)
        self.problems.setWordWrap(True)
        self.problems.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(self.notice)
        layout.addWidget(self.numbers)
        layout.addWidget(self.problems)  # near the top: what was skipped matters before the charts
        layout.addWidget(self.alpha_title)
        layout.addWidget(self.alpha_chart)
        self.label_titles = (
            QLabel("<b>Labels per version (effective, then each annotator)</b>"),
            QLabel("<b>Labels per annotator</b>"),
        )
        layout.addWidget(self.label_titles[0])
        layout.addWidget(self.version_bars)
        layout.addWidget(self.label_titles[1])
        layout.addWidget(self.annotator_bars)
        layout.addStretch(1)
        self.setWidget(body)
        self.setWidgetResizable(True)
        session.dataset_loaded.connect(self._on_dataset_loaded)
        session.set_changed.connect(self._on_set_changed)
        session.summary_changed.connect(self._on_dataset_loaded)

    def _on_dataset_loaded(self) -> None:
        summary = self._session.summary
        if summary is None:
            return
        notice = summary.notice
        self.notice.setText(notice or "")
        self.notice.setVisible(bool(notice))
        # With nothing rated twice every coefficient is n/a: show the notice, not empty charts.
        measured = bool(summary.counts.items_pairable)
        for widget in (self.numbers, self.alpha_title, self.alpha_chart):
            widget.setVisible(measured)
        self.numbers.setText(summary_html(summary) + intervals_line(summary))
        self.problems.setText(problems_html(summary))
        self.alpha_chart.set_rows(summary.alpha_rows())
        self._on_set_changed("")

    def _on_set_changed(self, _stem: str) -> None:
        summary = self._session.summary
        if summary is None:
            return
        dist = summary.label_distribution
        labelled = bool(sum(dist.effective.values()))  # not a single label: no bars to draw
        for widget in (*self.label_titles, self.version_bars, self.annotator_bars):
            widget.setVisible(labelled)
        rows: list[tuple[str, dict[str, int]]] = []
        for version, row in dist.per_version.items():
            rows.append((f"{version} effective", row["effective"]))
            rows.extend(
                (f"{version} · {name}", counts) for name, counts in row.items() if name != "effective"
            )
        self.version_bars.set_rows(rows)
        self.annotator_bars.set_rows([*dist.per_annotator.items(), ("effective", dist.effective)])
