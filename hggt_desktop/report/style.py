"""The report's stylesheet, inlined into the page (a Python string, so bundles need no data files)."""

from hggt_desktop.core.labels import Label
from hggt_desktop.core.palette import LABEL_COLOURS, LABEL_INKS, LABEL_TINTS

_STATIC_CSS = """
:root { --ink: #1f2933; --muted: #616e7c; --line: #e4e7eb; --bg: #f5f7fa; --accent: #3467c2; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 1220px; margin: 0 auto; padding: 28px 28px 40px; }
h1 { font-size: 26px; margin: 0 0 6px; letter-spacing: -0.01em; }
h2 { font-size: 18px; margin: 0 0 14px; }
h3 { font-size: 13px; margin: 14px 0 8px; color: var(--muted); text-transform: uppercase; letter-spacing: .05em; }
.muted, .note { color: var(--muted); }
.note { font-size: 12px; margin-top: 8px; }
header { margin-bottom: 18px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 18px 20px;
  margin: 16px 0; box-shadow: 0 1px 2px rgba(31, 41, 51, .04); }
.cards { display: grid; grid-template-columns: repeat(6, 1fr); gap: 12px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; }
.card-title { font-size: 12px; color: var(--muted); }
.card-value { font-size: 28px; font-weight: 650; letter-spacing: -0.02em; margin: 2px 0; }
.card-ci { font-size: 12px; color: var(--ink); }
.card-note { font-size: 11px; color: var(--muted); min-height: 1.4em; }
.row { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
.row > div { flex: 1 1 520px; min-width: 0; }
.stack > div { flex-basis: 100%; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { padding: 6px 8px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
thead th { font-size: 12px; color: var(--muted); font-weight: 600; white-space: normal;
  vertical-align: bottom; }
td small { color: var(--muted); }
.hists { display: flex; flex-wrap: wrap; gap: 16px; }
.set { margin: 14px 0 22px; overflow-x: auto; }
.set-head { margin-bottom: 6px; display: flex; gap: 10px; align-items: center; }
.panels { display: flex; flex-wrap: wrap; gap: 8px 6px; }
.panel { margin: 0; width: 256px; max-width: 100%; font-size: 12px; }
.panel img { display: block; width: 100%; height: auto; border-radius: 4px; }
.cap { padding: 4px 2px; border-top: 3px solid transparent; }
.cap.worst { border-top-color: #f0b429; }
.eff { margin-top: 3px; color: var(--muted); }
.chip { display: inline-block; padding: 0 6px; margin: 1px 2px 1px 0; border-radius: 9px; font-size: 11px;
  font-weight: 600; background: var(--line); color: var(--ink); }
.sev { font-size: 11px; padding: 1px 8px; border-radius: 9px; font-weight: 600; }
.sev3 { background: #fbe1e0; color: #a12f2b; }
.sev2 { background: #fff3d6; color: #8a5a00; }
.sev1 { background: #e8eefb; color: #2c4f99; }
.tag { font-size: 11px; padding: 1px 8px; border-radius: 9px; background: #dcf2e5; color: #1d6b41; }
.rater-alert { background: #fdecea; border: 1px solid #f5b7b1; border-radius: 10px; padding: 10px 16px;
  margin: 12px 0; color: #611a15; }
.rater-alert ul { margin: 4px 0 0; }
.notice { background: #fff8e1; border: 1px solid #f0d58a; border-radius: 10px; padding: 12px 16px;
  margin: 12px 0; color: #5c4400; }
footer { color: var(--muted); font-size: 12px; text-align: right; }
ul { margin: 0; padding-left: 18px; }
@media print { body { background: #fff; } section { break-inside: avoid; }
  .set { break-inside: avoid; } .panel { width: 136px; } }
"""

_CLASSES = {Label.POSITIVE: "pos", Label.SIMILAR: "sim", Label.NEGATIVE: "neg"}
# The label colours come from the one palette (core.palette), as in the annotator and the curator.
_LABEL_CSS = "".join(
    f":root {{ --{name}: {LABEL_COLOURS[label]}; }}\n"
    f".chip.{name} {{ background: {LABEL_TINTS[label]}; color: {LABEL_INKS[label]}; }}\n"
    for label, name in _CLASSES.items()
)
CSS = _STATIC_CSS + _LABEL_CSS
