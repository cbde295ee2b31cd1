"""Running one command over one damaged input, in-process, and judging what it did.

Every probe calls a ``main(argv)`` (hggt-data, hggt-enhance, hggt-train) or the annotator's open
path in this process and returns the exit status and everything it said (stdout, stderr, the
log, and for ``report`` the HTML page, where problems are listed). :func:`judge` then asserts the
promises of issue 13: no traceback, the damaged file named, no file that existed before changed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

Probe = Callable[[Path, Path, "Context"], int | None]


@dataclass
class Context:
    """What a probe needs besides the dataset: the identity model and the pytest fixtures."""

    model: Path
    qtbot: object | None = None
    said: list[str] | None = None  # extra text a probe collects (the report page, the app's reasons)


def _data(*argv: str | Path) -> Callable[[Path, Path, Context], int]:
    from hggt_desktop.cli.data import main

    def probe(root: Path, out: Path, ctx: Context) -> int:
        images = root / "images"
        return main([str(a).format(images=images, out=out, root=root) for a in argv])

    return probe


def _report(root: Path, out: Path, ctx: Context) -> int:
    from hggt_desktop.cli.data import main

    html = out / "report.html"
    argv = ["report", root / "images", "--out", html, "--csv", out / "l.csv", "--bootstrap", "5"]
    code = main([str(a) for a in argv])
    if html.is_file() and ctx.said is not None:
        ctx.said.append(html.read_text(encoding="utf-8"))
    return code


def _enhance(root: Path, out: Path, ctx: Context) -> int:
    from enhance.cli import main

    model = root / "model.onnx" if (root / "model.onnx").exists() else ctx.model
    out_dir = root / "enhanced" if (root / "enhanced").exists() else out / "enhanced"
    argv = [root / "images" / "original", out_dir, "--model", f"01={model}", "--provider", "cpu"]
    return main([str(a) for a in argv])


def _export(tool: str) -> Callable[[Path, Path, Context], int]:
    def probe(root: Path, out: Path, ctx: Context) -> int:
        if tool == "enhance":
            from enhance.cli import main
        else:
            from train.cli import main
        checkpoint = next(p for p in sorted(root.iterdir()) if p.name.startswith("checkpoint"))
        return main(["export", str(checkpoint), str(out / "model.onnx")])

    return probe


def _train_fit(root: Path, out: Path, ctx: Context) -> int:
    from train.cli import main

    argv = ["fit", "--pack", root / "pack.h5", "--out", out / "run", "total_iter=1", "device=cpu"]
    if (root / "train.toml").exists():
        argv += ["--config", root / "train.toml"]
    return main([str(a) for a in argv])


def _merge(root: Path, out: Path, ctx: Context) -> int:
    from hggt_desktop.cli.data import main

    packages = sorted(p for p in (root / "packages").iterdir() if not p.name.startswith("."))
    return main(["merge", *map(str, packages), "--into", str(root / "images")])


def _app(root: Path, out: Path, ctx: Context) -> int:
    """The annotator's open path: open the dataset for annotator A, read every set, close."""
    from hggt_desktop.annotation.prefetch import load_set
    from hggt_desktop.gui.main_window import MainWindow

    window = MainWindow(break_interval_min=0)
    ctx.qtbot.addWidget(window)  # type: ignore[union-attr]
    opened = window.open_path(root / "images", "A", instructions=False)
    said = [window.start_screen.error.text(), window.statusBar().currentMessage()]
    if opened:
        for progress in window.session.model.store.sets:
            said.append(f"{progress.invalid_reason} {progress.broken_reason}")
            said.append(str(load_set(progress.image_set).broken_reason))
        window.close_session()
    if ctx.said is not None:
        ctx.said.extend(said)
    window.close()
    return 0 if opened else 2


PROBES: dict[str, Probe] = {
    "check": _data("check", "{images}"),
    "check-quick": _data("check", "{images}", "--quick"),
    "agreement": _data("agreement", "{images}"),
    "export-labels": _data("export-labels", "{images}", "--out", "{out}/labels.csv"),
    "report": _report,
    "pack": _data("pack", "{images}", "{out}/pack.h5"),
    "pack-check": _data("pack", "--check", "{root}/pack.h5"),
    "blockiness": _data("blockiness", "{images}", "--workers", "1"),
    "package": _data("package", "{images}", "{out}/packages", "--annotators", "X,Y", "--overlap", "1"),
    "select": _data(
        "select", "{images}", "{out}/sets", "--crop", "16", "--step", "16", "--seed", "0", "--workers", "1"
    ),
    "merge": _merge,
    "enhance": _enhance,
    "enhance-export": _export("enhance"),
    "train-export": _export("train"),
    "train-fit": _train_fit,
    "app": _app,
}


def snapshot(root: Path, skip: Path) -> dict[str, str]:
    """Path -> content hash of every file under ``root`` except under ``skip`` (links: their target)."""
    hashes: dict[str, str] = {}
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        if here == skip or skip in here.parents:
            continue
        for name in files + [d for d in dirs if (here / d).is_symlink()]:
            path = here / name
            if path.is_symlink():
                hashes[str(path)] = "link:" + os.readlink(path)
            else:
                hashes[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return hashes


@dataclass
class Outcome:
    code: int | None
    text: str
    crash: str | None  # the traceback of an exception that escaped the command


def run_probe(name: str, root: Path, out: Path, ctx: Context, capsys, caplog) -> Outcome:
    ctx.said = []
    capsys.readouterr()
    caplog.clear()
    crash = None
    thread_crashes: list[str] = []
    previous_hook = threading.excepthook
    # A worker thread's exception never reaches the caller: catch it here, it is a traceback too.
    threading.excepthook = lambda args: thread_crashes.append(
        "".join(traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback))
    )
    try:
        with caplog.at_level(logging.INFO):
            code = PROBES[name](root, out, ctx)
    except SystemExit as exc:  # argparse: a usage error is a clean exit 2
        code = int(exc.code or 0)
    except Exception:
        code, crash = None, traceback.format_exc()
    finally:
        threading.excepthook = previous_hook
    if thread_crashes and crash is None:
        crash = "in a worker thread:\n" + thread_crashes[0]
    captured = capsys.readouterr()
    logged = "\n".join(
        record.getMessage()
        + ("\n" + "".join(traceback.format_exception(*record.exc_info)) if record.exc_info else "")
        for record in caplog.records
    )
    return Outcome(code, "\n".join([captured.out, captured.err, logged, *ctx.said]), crash)


def judge(outcome: Outcome, damaged: list[Path], must_name: bool, before: dict, after: dict) -> None:
    """The promises: no traceback, the damaged file named, no pre-existing file changed."""
    assert outcome.crash is None, f"an exception escaped:\n{outcome.crash}"
    assert "Traceback" not in outcome.text, outcome.text[-3000:]
    if must_name:
        for path in damaged:
            assert path.name in outcome.text, f"{path.name} not named in:\n{outcome.text[-2000:]}"
    changed = sorted(p for p, h in before.items() if after.get(p) != h)
    assert not changed, f"pre-existing files changed or removed: {changed}"


def xfail_if(reason: str | None) -> None:
    if reason:
        pytest.xfail(reason)
