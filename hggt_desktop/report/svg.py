"""Small inline SVG charts for the HTML report: no JavaScript, no external fonts or files."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from hggt_desktop.core.palette import LABEL_COLOURS as PALETTE

LABEL_COLOURS = {label.value: colour for label, colour in PALETTE.items()}
INK, MUTED, GRID, ACCENT = "#1f2933", "#616e7c", "#e4e7eb", "#3467c2"
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"'


def _text(x: float, y: float, text: str, size: int = 12, anchor: str = "start", colour: str = INK, weight: str = "normal") -> str:  # fmt: skip
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{colour}" '
        f'font-weight="{weight}">{escape(text)}</text>'
    )


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}" {FONT}>'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def stacked_label_bars(rows: Sequence[tuple[str, Mapping[str, int]]], title: str, width: int = 560) -> str:
    """One 100% bar per row, split into Positive / Similar / Negative with their shares."""
    label_w, bar_h, gap, top = 110, 22, 8, 26
    bar_w = width - label_w - 16
    height = top + len(rows) * (bar_h + gap) + 8
    body = []
    x = float(label_w)
    for name, colour in LABEL_COLOURS.items():  # legend
        body.append(f'<rect x="{x}" y="4" width="12" height="12" rx="2" fill="{colour}"/>')
        body.append(_text(x + 16, 14, name, 11, colour=MUTED))
        x += 90
    for i, (name, counts) in enumerate(rows):
        y = top + i * (bar_h + gap)
        total = sum(counts.get(k, 0) for k in LABEL_COLOURS)
        body.append(_text(label_w - 8, y + bar_h * 0.7, name, 12, "end"))
        if total == 0:
            body.append(f'<rect x="{label_w}" y="{y}" width="{bar_w}" height="{bar_h}" fill="{GRID}"/>')
            body.append(_text(label_w + 6, y + bar_h * 0.7, "no labels", 11, colour=MUTED))
            continue
        x = float(label_w)
        for key, colour in LABEL_COLOURS.items():
            share = counts.get(key, 0) / total
            w = share * bar_w
            body.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}"/>')
            if w > 34:
                body.append(
                    _text(x + w / 2, y + bar_h * 0.7, f"{100 * share:.0f}%", 11, "middle", "#fff", "600")
                )
            x += w
    return _svg(width, height, body, title)


def interval_bars(
    rows: Sequence[tuple[str, float | None, Sequence[float | None] | None]],
    title: str,
    lo: float = -0.2,
    hi: float = 1.0,
    width: int = 560,
) -> str:
    """Horizontal bars of a coefficient per row with a 95% interval whisker."""
    label_w, bar_h, gap, top = 110, 18, 10, 22
    plot_w = width - label_w - 60
    height = top + len(rows) * (bar_h + gap) + 18

    def px(v: float) -> float:
        return label_w + (min(max(v, lo), hi) - lo) / (hi - lo) * plot_w

    body = []
    for tick in (lo, 0.0, 0.2, 0.4, 0.6, 0.8, hi):
        if lo <= tick <= hi:
            body.append(f'<line x1="{px(tick):.1f}" y1="{top - 6}" x2="{px(tick):.1f}" y2="{height - 16}" stroke="{GRID}"/>')  # fmt: skip
            body.append(_text(px(tick), height - 4, f"{tick:.1f}", 10, "middle", MUTED))
    for i, (name, value, interval) in enumerate(rows):
        y = top + i * (bar_h + gap)
        body.append(_text(label_w - 8, y + bar_h * 0.75, name, 12, "end"))
        if value is None:
            body.append(_text(label_w + 4, y + bar_h * 0.75, "undefined", 11, colour=MUTED))
            continue
        x0, x1 = sorted((px(0.0), px(value)))
        body.append(f'<rect x="{x0:.1f}" y="{y}" width="{max(x1 - x0, 1):.1f}" height="{bar_h}" rx="2" fill="{ACCENT}" opacity="0.85"/>')  # fmt: skip
        if interval and interval[0] is not None and interval[1] is not None:
            a, b, mid = px(interval[0]), px(interval[1]), y + bar_h / 2
            body.append(
                f'<line x1="{a:.1f}" y1="{mid}" x2="{b:.1f}" y2="{mid}" stroke="{INK}" stroke-width="1.5"/>'
            )
            for end in (a, b):
                body.append(f'<line x1="{end:.1f}" y1="{mid - 5}" x2="{end:.1f}" y2="{mid + 5}" stroke="{INK}" stroke-width="1.5"/>')  # fmt: skip
        # Right of the bar, the whisker and zero: a negative bar grows left from 0 and would cover it.
        right = max(value, interval[1] if interval and interval[1] is not None else value, 0.0)
        body.append(_text(px(right) + 6, y + bar_h * 0.75, f"{value:.3f}", 11))
    return _svg(width, height, body, title)


def _heat_colour(value: float | None) -> str:
    """White at 0 or below, deep blue at 1."""
    if value is None:
        return GRID
    t = min(max(value, 0.0), 1.0)
    r, g, b = (int(255 + (c - 255) * t) for c in (0x24, 0x5A, 0xB0))
    return f"rgb({r},{g},{b})"


def heatmap(names: Sequence[str], values: Mapping[tuple[str, str], float | None], title: str) -> str:
    """A symmetric matrix of pairwise values (Cohen's kappa), diagonal left blank."""
    cell, left, top = 64, 80, 40
    n = len(names)
    width, height = left + n * cell + 10, top + n * cell + 10
    body = []
    for i, name in enumerate(names):
        body.append(_text(left + i * cell + cell / 2, top - 10, name, 12, "middle", weight="600"))
        body.append(_text(left - 10, top + i * cell + cell / 2 + 4, name, 12, "end", weight="600"))
        for j, other in enumerate(names):
            x, y = left + j * cell, top + i * cell
            if i == j:
                body.append(f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" fill="#f5f7fa"/>')
                continue
            value = values.get((name, other), values.get((other, name)))
            body.append(f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" rx="3" fill="{_heat_colour(value)}"/>')  # fmt: skip
            text = "n/a" if value is None else f"{value:.2f}"
            colour = "#fff" if value is not None and value > 0.55 else INK
            body.append(_text(x + cell / 2 - 1, y + cell / 2 + 4, text, 13, "middle", colour, "600"))
    return _svg(width, height, body, title)


def histogram(values: Sequence[float], title: str, bins: int = 20, width: int = 270, upper: float | None = None) -> str:  # fmt: skip
    """Counts of ``values`` in equal bins from 0 to ``upper`` (the largest value if not given)."""
    height, left, bottom, top = 130, 8, 20, 22
    plot_w, plot_h = width - 2 * left, height - top - bottom
    body = [_text(left, 14, title, 12, weight="600")]
    if not values:
        body.append(_text(width / 2, height / 2, "no times recorded", 11, "middle", MUTED))
        return _svg(width, height, body, title)
    top_value = upper or max(values) or 1.0
    counts = [0] * bins
    for v in values:
        counts[min(int(v / top_value * bins), bins - 1)] += 1
    peak = max(counts) or 1
    bar_w = plot_w / bins
    for i, c in enumerate(counts):
        h = c / peak * plot_h
        body.append(f'<rect x="{left + i * bar_w + 0.5:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" fill="{ACCENT}" opacity="0.8"/>')  # fmt: skip
    body.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - left}" y2="{top + plot_h}" stroke="{MUTED}"/>'
    )
    body.append(_text(left, height - 5, "0 s", 10, colour=MUTED))
    body.append(_text(width - left, height - 5, f"{top_value:.0f} s", 10, "end", MUTED))
    return _svg(width, height, body, title)


def position_lines(series: Mapping[str, Sequence[float | None]], title: str, width: int = 560) -> str:
    """Mean label rank (Negative 0 .. Positive 2) against on-screen position, one line per rater."""
    height, left, right, top, bottom = 210, 52, 90, 16, 34
    positions = max((len(v) for v in series.values()), default=0)
    plot_w, plot_h = width - left - right, height - top - bottom
    palette = ("#3467c2", "#e07b00", "#7b4fb8", "#168a8a", "#b83280", "#5c6f2b")

    def px(i: int) -> float:
        return left + 16 + (i / max(positions - 1, 1)) * (plot_w - 32)  # clear of the axis labels

    def py(v: float) -> float:
        return top + (1 - v / 2) * plot_h

    body = []
    for v, name in ((0.0, "Negative"), (1.0, "Similar"), (2.0, "Positive")):
        body.append(
            f'<line x1="{left}" y1="{py(v):.1f}" x2="{left + plot_w}" y2="{py(v):.1f}" stroke="{GRID}"/>'
        )
        body.append(_text(left - 6, py(v) + 4, name, 10, "end", MUTED))
    for i in range(positions):
        body.append(_text(px(i), height - 14, f"{i + 1}", 11, "middle", MUTED))
    body.append(
        _text(left + plot_w / 2, height - 1, "on-screen position (left to right)", 10, "middle", MUTED)
    )
    for k, (name, means) in enumerate(series.items()):
        colour = palette[k % len(palette)]
        points = [(px(i), py(m)) for i, m in enumerate(means) if m is not None]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"/>')
        for x, y in points:
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>')
        body.append(
            f'<rect x="{width - right + 14}" y="{top + k * 18}" width="12" height="12" rx="2" fill="{colour}"/>'
        )
        body.append(_text(width - right + 30, top + k * 18 + 10, name, 11))
    return _svg(width, height, body, title)
