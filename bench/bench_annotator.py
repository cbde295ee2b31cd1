"""Annotator benchmark: next-set switch time with and without prefetch, first show, memory, start.

    python bench/bench_annotator.py [--sets 200] [--size 512] [--dwell-ms 150] [--repeat 1]
                                    [--only-prefetch]

Runs offscreen. Generates ``--sets`` sets of ``--size`` px (original + 4 versions, textured
like photos so PNG decoding costs what it costs on real patches), then for each mode (prefetch
on, prefetch off as the baseline in the same run) labels every set through the session and
times the switch to the next set: ``session.next_set()`` plus the event processing that paints
the new images. ``--dwell-ms`` is the pause between switches (a person takes ~40 s a set; the
prefetcher needs tens of ms). ``--repeat N`` runs every mode N times and reports the medians
(the machine may be shared). "scaled in paint" counts the smooth copies the panels had to make
while painting a switch: with prefetch in fit mode the worker makes them, so it should be 0.
The new default layout (the rule's 1:1 grid) runs against today's fit layout in the same run,
with where-they-looked recording on (issue 16): each set is panned once while it is on
screen, the switch includes reporting the new set's visible parts, and the bench checks that
every record left keeps its coverage and times one report on its own.
Goals: p95 <= 16 ms (one 60 Hz frame) with prefetch, the 1:1 default no slower than fit;
memory growth < 50 MB over 1000 sets; start to first set < 2 s.
"""

from __future__ import annotations

import time

T_PROCESS = time.perf_counter()

import argparse  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from PySide6.QtCore import QPointF  # noqa: E402

from hggt_desktop.core.images import write_image  # noqa: E402
from hggt_desktop.core.labels import Label  # noqa: E402

VERSIONS = ("01", "02", "03", "04")
UNIQUE = 12  # distinct image contents; further sets reuse them under new names
REPORTS_TIMED = 1000  # visible-part reports timed on their own after each run
FRAME_MS = 16.0  # one 60 Hz frame


def rss_mb() -> float:
    """Resident memory of this process in MB (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def textured(rng: np.random.Generator, size: int) -> np.ndarray:
    """A photo-like patch: smooth shapes plus fine texture (compresses like real PNG patches)."""
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) / size
    base = np.stack([np.sin(6 * x + c) * np.cos(5 * y - c) for c in (0.0, 1.0, 2.0)], axis=2)
    noise = rng.normal(0, 0.15, (size, size, 3)).astype(np.float32)
    return np.clip((base * 0.5 + 0.5 + noise) * 255, 0, 255).astype(np.uint8)


def make_sets(root: Path, count: int, size: int) -> Path:
    images = root / "images"
    rng = np.random.default_rng(0)
    sources: list[dict[str, Path]] = []
    for k in range(UNIQUE):
        stem = f"u{k:03d}"
        original = textured(rng, size)
        paths = {"original": images / "original" / f"{stem}.png"}
        write_image(paths["original"], original)
        for j, version in enumerate(VERSIONS, start=1):
            paths[version] = images / version / f"{stem}_{version}.png"
            write_image(paths[version], np.clip(original.astype(np.int16) + j * 4, 0, 255).astype(np.uint8))
        sources.append(paths)
    for index in range(count):
        stem = f"{index:05d}-0-0"
        source = sources[index % UNIQUE]
        shutil.copyfile(source["original"], images / "original" / f"{stem}.png")
        for version in VERSIONS:
            shutil.copyfile(source[version], images / version / f"{stem}_{version}.png")
    for k in range(UNIQUE):
        for path in sources[k].values():
            path.unlink()
    return images


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def run_mode(
    app: object, images: Path, prefetch: bool, dwell_s: float, view: str, tag: str = ""
) -> dict[str, float]:
    from hggt_desktop.annotation.screen_layout import choose_layout
    from hggt_desktop.annotation.workspace import open_workspace
    from hggt_desktop.gui.annotate.keymap import KeyMap
    from hggt_desktop.gui.annotate.session import AnnotationSession
    from hggt_desktop.gui.main_window import MainWindow

    # A fresh annotator per run: every run labels the sets from the first one.
    annotator = f"bench-{view.replace(':', 'to')}-{'on' if prefetch else 'off'}{tag}"
    t0 = time.perf_counter()
    session = AnnotationSession(open_workspace(images, annotator), prefetch=prefetch)
    window = MainWindow(keymap=KeyMap(), break_interval_min=0)
    window.resize(1600, 1000)
    window.attach_session(session)
    window.show()
    app.processEvents()
    first_show = time.perf_counter() - t0
    view_widget = window.view
    assert view_widget is not None
    if view == "default":
        # The rule's layout on a 1920x1080 screen at 100%: every panel at 1:1 in full screen.
        size = session.model.loaded.images["original"].shape[1::-1] if session.model.loaded else (512, 512)
        layout = choose_layout((1920, 1080), 1.0, tuple(size), session.version_count)
        window.resize(1920, 1080)
        view_widget.apply_layout(layout, tuple(size))
    else:  # today's layout before the rule: every panel, fit, in a 1600x1000 window
        view_widget.trigger("fit")
        if session.two_panel:
            session.set_two_panel(False)
    app.processEvents()
    zoom = window.view.transform.zoom
    on_rule_grid = view_widget.grid.plan_in_use()
    panels = window.view.grid.panels()
    rescales_start = sum(getattr(panel, "paint_rescales", 0) for panel in panels)
    switches: list[float] = []
    rss_start = 0.0
    for step in range(session.count - 1):
        if view == "default":
            # Look around, then judge, as a person would (untimed): the coverage accounting
            # runs on the pan, and the labels' save writes it into the record.
            view_widget.transform.pan_by(QPointF(48.0, 32.0) * (1 if step % 2 else -1))
            app.processEvents()
        for _ in VERSIONS:
            session.give_label(Label.SIMILAR)
        end = time.perf_counter() + dwell_s
        while time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.002)
        t = time.perf_counter()
        session.next_set()
        app.processEvents()
        switches.append((time.perf_counter() - t) * 1000)
        if step == 10:
            rss_start = rss_mb()
    rss_end = rss_mb()
    rescales = sum(getattr(panel, "paint_rescales", 0) for panel in panels) - rescales_start
    # Every set left must keep where it was seen at 1:1 (0% below 1:1, never "not recorded").
    left = [p.record for p in session.model.store.sets[: len(switches)] if p.record is not None]
    shares = [share for share in (r.looked_share() for r in left) if share is not None]
    reporter = view_widget.looked_reporter
    t = time.perf_counter()
    for _ in range(REPORTS_TIMED):
        reporter.report()
    report_us = (time.perf_counter() - t) / REPORTS_TIMED * 1e6
    window.close()
    app.processEvents()
    return {
        "first_show_s": first_show,
        "p50_ms": statistics.median(switches),
        "p95_ms": percentile(switches, 95),
        "max_ms": max(switches),
        "rss_growth_mb": rss_end - rss_start,
        "rss_end_mb": rss_end,
        "switches": len(switches),
        "ready": session.model.prefetcher.hits,
        "zoom": zoom,
        "scaled_in_paint": rescales / max(len(switches), 1),
        "on_rule_grid": float(on_rule_grid),
        "coverage_sets": len(shares),
        "coverage_mean_percent": 100 * statistics.mean(shares) if shares else float("nan"),
        "report_us": report_us,
    }


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    """Each figure's median over repeated runs of one mode."""
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, default=200)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--dwell-ms", type=float, default=150.0)
    parser.add_argument("--repeat", type=int, default=1, help="runs per mode; medians are reported")
    parser.add_argument(
        "--only-prefetch", action="store_true", help="one mode only (the 1000-set memory run)"
    )
    args = parser.parse_args()

    from hggt_desktop.gui.application import make_application

    app = make_application()
    start_to_app = time.perf_counter() - T_PROCESS
    with tempfile.TemporaryDirectory(prefix="hggt-bench-") as tmp:
        t = time.perf_counter()
        images = make_sets(Path(tmp), args.sets, args.size)
        print(f"generated {args.sets} sets of {args.size}x{args.size} in {time.perf_counter() - t:.1f} s")
        modes = {
            "prefetch, fit": (True, "fit"),
            "prefetch, new default 1:1": (True, "default"),
            "no prefetch, fit (baseline)": (False, "fit"),
        }
        if args.only_prefetch:
            modes = {"prefetch, fit": modes["prefetch, fit"]}
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in modes}
        load_before = os.getloadavg()[0]
        for repeat in range(max(args.repeat, 1)):
            for name, (prefetch, view) in modes.items():
                run = run_mode(app, images, prefetch, args.dwell_ms / 1000, view, f"r{repeat}")
                runs[name].append(run)
                if args.repeat > 1:
                    print(
                        f"  run {repeat + 1} {name:<28} p50 {run['p50_ms']:5.1f}  p95 {run['p95_ms']:5.1f} ms"
                    )
    results = {name: median_of(mode_runs) for name, mode_runs in runs.items()}
    on = results["prefetch, fit"]
    print(f"process start to QApplication (imports): {start_to_app:.2f} s")
    print(f"start to first set shown (scan + lock + first decode + paint): {on['first_show_s']:.2f} s")
    print(f"start to first set, total: {start_to_app + on['first_show_s']:.2f} s   (goal < 2 s)")
    runs_note = f" (median of {args.repeat} runs)" if args.repeat > 1 else ""
    print(f"next-set switch{runs_note}")
    print(
        f"{'':<30}{'zoom':>6}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'scaled in paint':>17}{'RSS growth MB':>15}"
    )
    for name, r in results.items():
        print(
            f"{name:<30}{r['zoom']:>6.2f}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}{r['max_ms']:>9.1f}"
            f"{r['scaled_in_paint']:>17.1f}{r['rss_growth_mb']:>15.1f}"
        )
    if "prefetch, new default 1:1" in results:
        default, fit = results["prefetch, new default 1:1"], on
        print(
            f"new default 1:1 ({'on the rule grid' if default['on_rule_grid'] else 'NOT on the rule grid'}): "
            f"p95 {default['p95_ms']:.1f} ms, {'within' if default['p95_ms'] <= FRAME_MS else 'OVER'} "
            f"one 60 Hz frame ({FRAME_MS:.0f} ms); {default['p95_ms'] / fit['p95_ms']:.2f}x the p95 of fit "
            f"({'no slower' if default['p95_ms'] <= fit['p95_ms'] else 'slower'})"
        )
        print(
            f"coverage recorded on {default['coverage_sets']:.0f} of {default['switches']:.0f} sets left "
            f"(mean share seen at 1:1 {default['coverage_mean_percent']:.0f}%); one visible-part report "
            f"{default['report_us']:.0f} us"
        )
    print(
        f"CPU load average (1 min) before / after measuring: {load_before:.1f} / {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} CPUs"
    )
    print(
        f"switches per mode: {on['switches']:.0f}, dwell {args.dwell_ms:.0f} ms; "
        f"prefetched set ready at {on['ready']:.0f} switches"
    )
    print(
        "goal: p95 <= 16 ms with prefetch, 1:1 default no slower than fit; RSS growth < 50 MB over 1000 sets"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
