"""Run the README's workflow block as printed, in a temporary folder, and check every step.

    python scripts/walkthrough.py [--keep DIR]

The block is read from README.md (the fenced block after the walkthrough marker) and each
command runs with bash in a fresh folder that holds links to the checkout's ``resources/`` and
``scripts/``, so the README's paths are real paths. Each command is paired with a step below,
which knows the exit status it must give and checks what it wrote; a README command without a
matching step, or a step without its command, stops the run before anything starts (and
``tests/test_walkthrough.py`` fails). Prints each step's time and the total.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = "<!-- walkthrough: scripts/walkthrough.sh runs this block as printed -->"
W = Path("walkthrough")  # where the README's block writes everything


class WalkthroughError(Exception):
    """A step gave the wrong exit status or wrote the wrong thing; the message says which."""


def read_block(readme: Path = ROOT / "README.md") -> list[str]:
    """The commands of the README's walkthrough block: comments and blank lines dropped,
    continued lines (ending in a backslash) joined."""
    text = readme.read_text(encoding="utf-8")
    if text.count(MARKER) != 1:
        raise WalkthroughError(f"{readme}: expected the marker {MARKER!r} exactly once")
    after = text.split(MARKER, 1)[1].lstrip("\n")
    match = re.match(r"```bash\n(.*?)\n```", after, re.S)
    if match is None:
        raise WalkthroughError(f"{readme}: the walkthrough marker must be followed by a ```bash block")
    commands: list[str] = []
    pending = ""
    for line in match[1].splitlines():
        line = line.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        commands.append((pending + line).split("  #")[0].strip())
        pending = ""
    return commands


# --- what each step must do ----------------------------------------------------------------------


def _count(folder: Path, pattern: str = "*.png") -> int:
    return len(list(folder.glob(pattern))) if folder.is_dir() else 0


def _sets(work: Path) -> int:
    return _count(work / W / "Sets" / "original")


def _expect(condition: bool, what: str) -> None:
    if not condition:
        raise WalkthroughError(what)


def check_blockiness(work: Path, out: str) -> None:
    _expect("4 images" in out and "dataset quality Q" in out, "blockiness: no score for the 4 photos")


def check_enhance(work: Path, out: str) -> None:
    for folder in ("original", "01", "02", "03", "04"):
        _expect(_count(work / W / "EnhancedGT" / folder) == 4, f"enhance: {folder}/ does not hold 4 images")
    _expect("20 written, 0 already done, 0 failed" in out, "enhance: not all 20 outputs were written")


def check_select(work: Path, out: str) -> None:
    _expect(_sets(work) >= 6, f"select: only {_sets(work)} crops (expected at least 6)")
    for folder in ("01", "02", "03", "04"):
        _expect(_count(work / W / "Sets" / folder) == _sets(work), f"select: {folder}/ misses crops")


def check_package(work: Path, out: str) -> None:
    for annotator in "ABC":
        _expect(
            (work / W / "Packages" / annotator / "package.json").is_file(), f"package: no package {annotator}"
        )


def check_annotate(work: Path, out: str) -> None:
    for annotator in "ABC":
        _expect(
            f"{annotator}: {_sets(work) * 4} labels" in out, f"annotate: {annotator} did not label every set"
        )


def check_merge(work: Path, out: str) -> None:
    dataset = work / W / "Dataset"
    _expect(_count(dataset / "images" / "original") == _sets(work), "merge: Dataset lacks the images")
    for annotator in "ABC":
        labels = _count(dataset / "labels" / annotator, "*.json")
        _expect(labels == _sets(work), f"merge: {labels} labels of {annotator}, expected {_sets(work)}")
    _expect("every packaged set has all its annotators' labels" in out, "merge: labels are missing")


def check_check(work: Path, out: str) -> None:
    _expect(
        "no problems found" in out and f"sets:       {_sets(work)}" in out, "check: problems in the dataset"
    )


def check_agreement(work: Path, out: str) -> None:
    report = json.loads(out[out.index("{") :])
    _expect(isinstance(report, dict) and "problems" in report, "agreement: not the JSON report")
    _expect(report["problems"]["count"] == 0, "agreement: problems in the labels")


def check_report(work: Path, out: str) -> None:
    html = (work / W / "report.html").read_text(encoding="utf-8")
    _expect(
        html.lstrip().lower().startswith("<!doctype html") and len(html) > 10_000, "report: no HTML report"
    )


def check_export_labels(work: Path, out: str) -> None:
    with open(work / W / "labels.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    _expect(len(rows) == _sets(work) * 4, f"export-labels: {len(rows)} rows, expected {_sets(work) * 4}")


def check_pack(work: Path, out: str) -> None:
    match = re.search(r"\((\d+) train, (\d+) val\)", out)
    _expect(match is not None and int(match[1]) >= 2 and int(match[2]) >= 1, "pack: no train and val split")


def check_fit(work: Path, out: str) -> None:
    weights = work / W / "runs" / "tiny" / "models" / "net_g_00000020.safetensors"
    _expect(weights.is_file() and "iter 20/20" in out, "fit: the tiny run did not finish 20 iterations")


def check_eval_pack(work: Path, out: str) -> None:
    _expect(re.search(r"psnr: \d+\.\d+", out) is not None, "eval --pack: no PSNR")


def check_export(work: Path, out: str) -> None:
    _expect((work / W / "tiny_x4.onnx").stat().st_size > 10_000, "export: no ONNX model")


def check_super_resolve(work: Path, out: str) -> None:
    results = sorted((work / W / "results").glob("*_x4.png"))
    _expect(len(results) == _sets(work), f"enhance --scale 4: {len(results)} outputs, expected {_sets(work)}")


def check_eval_sr(work: Path, out: str) -> None:
    _expect(f"{_sets(work)} images" in out and "psnr:" in out, "eval --sr: not every image was measured")


@dataclass(frozen=True)
class Step:
    """A README command (recognised by how it starts), the exit status it gives, its check."""

    starts: str
    exit_code: int
    check: Callable[[Path, str], None]


STEPS = (
    Step("hggt-data blockiness", 1, check_blockiness),  # 1: rocket.jpg is flagged (a JPEG)
    Step("hggt-enhance resources/photos", 0, check_enhance),
    Step("hggt-data select", 0, check_select),
    Step("hggt-data package", 0, check_package),
    Step("python scripts/simulate_annotators.py", 0, check_annotate),
    Step("hggt-data merge", 0, check_merge),
    Step("hggt-data check", 0, check_check),
    Step("hggt-data agreement", 0, check_agreement),
    Step("hggt-data report", 0, check_report),
    Step("hggt-data export-labels", 0, check_export_labels),
    Step("hggt-data pack", 0, check_pack),
    Step("hggt-train fit", 0, check_fit),
    Step("hggt-train eval --pack", 0, check_eval_pack),
    Step("hggt-train export", 0, check_export),
    Step("hggt-enhance walkthrough/Dataset", 0, check_super_resolve),
    Step("hggt-train eval --dataset", 0, check_eval_sr),
)


def pair(commands: list[str]) -> list[tuple[str, Step]]:
    """Each README command with its step, in order; raise when they do not match one to one."""
    if len(commands) != len(STEPS):
        raise WalkthroughError(
            f"the README's block has {len(commands)} commands but scripts/walkthrough.py checks "
            f"{len(STEPS)} steps; update STEPS to match the README"
        )
    for number, (command, step) in enumerate(zip(commands, STEPS, strict=True), 1):
        if not command.startswith(step.starts):
            raise WalkthroughError(
                f"README command {number} {command!r} is not the step scripts/walkthrough.py "
                f"expects ({step.starts!r} ...); update STEPS to match the README"
            )
    return list(zip(commands, STEPS, strict=True))


def run(work: Path) -> float:
    """Run every step in ``work``; the total time in seconds."""
    steps = pair(read_block())
    for name in ("resources", "scripts"):
        (work / name).symlink_to(ROOT / name, target_is_directory=True)
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen", PYTHONUNBUFFERED="1")
    started = time.perf_counter()
    for number, (command, step) in enumerate(steps, 1):
        print(f"[{number}/{len(steps)}] $ {command}", flush=True)
        begun = time.perf_counter()
        done = subprocess.run(
            ["bash", "-c", command], cwd=work, env=env, capture_output=True, text=True, check=False
        )
        output = done.stdout + done.stderr
        # The last lines, without progress bars (they are for a terminal).
        lines = [
            line for line in re.split(r"[\r\n]", output) if line.strip() and not re.search(r"\d+%\|", line)
        ]
        print("\n".join(f"    {line}" for line in lines[-8:]), flush=True)
        if done.returncode != step.exit_code:
            raise WalkthroughError(f"step {number} exited {done.returncode}, expected {step.exit_code}")
        step.check(work, done.stdout if step.check is check_agreement else output)
        print(f"    ok ({time.perf_counter() - begun:.0f} s)", flush=True)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--keep", type=Path, help="run in this new folder and keep it (default: a temporary one)"
    )
    args = parser.parse_args(argv)
    try:
        if args.keep is not None:
            args.keep.mkdir(parents=True)
            total = run(args.keep.resolve())
        else:
            with tempfile.TemporaryDirectory(prefix="hggt-walkthrough-") as folder:
                total = run(Path(folder))
    except WalkthroughError as exc:
        print(f"walkthrough FAILED: {exc}", file=sys.stderr)
        return 1
    print(f"walkthrough: all {len(STEPS)} steps of the README's workflow passed in {total:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
