"""The screening job: every image of a source through :func:`check_image`, one manifest line each.

Files in OUT (``-shard-I-of-N`` inserted before the suffix with ``--shard``):

- ``manifest.jsonl``: one line per image, in the source's order (the JSON-lines format of
  :mod:`hggt_desktop.core.jsonl_manifest`). A re-run skips every image that a manifest in OUT
  already holds, so a killed run resumes, and a run without ``--shard`` after a job array reads
  all the shards' manifests and writes the whole kept list;
- ``kept.txt``: the kept images, one path per line, relative to OUT where possible; empty when
  the source's Q(X) is below the minimum (DiverSeg rejects such a source as a whole);
- ``summary.json``: counts, Q(X) and the settings.

Local workers are processes, each opening the counter (and its model) once; lines are written
by this process in the source's order, so any number of workers writes the same file.
"""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from hggt_desktop.core.atomic import write_text_atomic
from hggt_desktop.core.jsonl_manifest import JsonlManifest
from screening.counters import CounterSpec
from screening.image_check import KeepRule, check_image
from screening.sources import ImageRef

CHUNK = 4  # images handed to a worker at once: small, so the order costs little waiting


@dataclass(frozen=True)
class ScreenPlan:
    """Everything a run needs besides the images."""

    out: Path
    rule: KeepRule
    counter: CounterSpec = CounterSpec()
    min_quality: float = 0.9
    shard: tuple[int, int] | None = None
    basis: Path | None = None

    def file_name(self, stem: str, suffix: str) -> str:
        return (
            f"{stem}{suffix}"
            if self.shard is None
            else f"{stem}-shard-{self.shard[0]}-of-{self.shard[1]}{suffix}"
        )

    @property
    def manifest_path(self) -> Path:
        return self.out / self.file_name("manifest", ".jsonl")


@dataclass
class ScreenSummary:
    images: int = 0
    skipped: int = 0  # already in a manifest
    kept: int = 0
    unreadable: int = 0
    quality: float | None = None
    quality_note: str = ""
    reasons: dict[str, int] = field(default_factory=dict)
    manifest_write_error: str | None = None

    @property
    def source_rejected(self) -> bool:
        return bool(self.quality_note) and self.quality_note.startswith("rejected")


class ScreenSettingsError(Exception):
    """OUT holds verdicts made with other settings; the message names them and what to do."""


def check_same_settings(plan: ScreenPlan) -> None:
    """Refuse to resume into an OUT screened with another counter or keep rule: its recorded
    verdicts would be kept as they are, and the summary would claim settings they were not
    made with."""
    path = plan.out / plan.file_name("summary", ".json")
    try:
        before = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # no summary yet (a first run, or one killed before the end): nothing to compare
    now = {"counter": plan.counter.describe(), "rule": asdict(plan.rule)}
    changed = [
        f"{key} {before[key]} (now {value})"
        for key, value in now.items()
        if key in before and before[key] != value
    ]
    if changed:
        raise ScreenSettingsError(
            f"{path}: {plan.out} was screened with {'; '.join(changed)}; a re-run only screens new "
            "images, so give another OUT to screen again with these settings, or the same settings "
            "to add images"
        )


def recorded_lines(out: Path) -> dict[str, dict]:
    """The latest line per image over every manifest in OUT (all shards')."""
    lines: dict[str, dict] = {}
    for path in sorted(out.glob("manifest*.jsonl")):
        for entry in JsonlManifest(path).read():
            if isinstance(entry.get("path"), str):
                lines[entry["path"]] = entry
    return lines


_worker: dict = {}


def _open_worker(spec: CounterSpec, rule: KeepRule) -> None:
    _worker["count"], _worker["rule"] = spec.open(), rule


def _check_in_worker(ref: ImageRef) -> dict:
    return check_image(ref, _worker["rule"], _worker["count"])


def checked_lines(refs: list[ImageRef], spec: CounterSpec, rule: KeepRule, workers: int) -> Iterator[dict]:
    """Manifest lines of ``refs`` in their order, from ``workers`` processes (1: this one)."""
    if workers <= 1 or len(refs) <= 1:
        count = spec.open()
        for ref in refs:
            yield check_image(ref, rule, count)
        return
    with multiprocessing.get_context().Pool(workers, _open_worker, (spec, rule)) as pool:
        yield from pool.imap(_check_in_worker, refs, chunksize=CHUNK)


def run_screen(
    refs: list[ImageRef],
    plan: ScreenPlan,
    lines: Callable[[list[ImageRef]], Iterable[dict]],
    advance: Callable[[int], object] = lambda n: None,
) -> ScreenSummary:
    """Screen the images not yet recorded, then write the kept list and the summary.

    ``lines`` turns the images left into their manifest lines in order (local workers or Ray).
    """
    from hggt_desktop.tools.blockiness_quality import QualityError, dataset_quality, load_basis

    basis = load_basis(plan.basis)  # a bad basis fails before any work
    check_same_settings(plan)
    plan.out.mkdir(parents=True, exist_ok=True)
    recorded = recorded_lines(plan.out)
    todo = [ref for ref in refs if ref.key not in recorded]
    summary = ScreenSummary(images=len(refs), skipped=len(refs) - len(todo))
    advance(summary.skipped)
    manifest = JsonlManifest(plan.manifest_path)
    for line in lines(todo):
        manifest.append(line)
        recorded[line["path"]] = line
        advance(1)
    summary.manifest_write_error = manifest.write_error
    mine = [recorded[ref.key] for ref in refs if ref.key in recorded]
    for line in mine:
        reason = line["reason"].split(":")[0]
        summary.reasons[reason] = summary.reasons.get(reason, 0) + 1
    summary.unreadable = summary.reasons.get("unreadable", 0) + summary.reasons.get("damaged", 0)
    scores = [line["blockiness"] for line in mine if line.get("blockiness") is not None]
    try:
        summary.quality = dataset_quality(scores, basis)
    except QualityError as exc:
        summary.quality_note = f"undefined: {exc}"
    kept = [ref for ref in refs if recorded.get(ref.key, {}).get("kept")]
    if summary.quality is not None and summary.quality < plan.min_quality:
        summary.quality_note = (
            f"rejected: the source's Q(X) {summary.quality:.3f} is below {plan.min_quality:g} "
            "(DiverSeg keeps sources with Q >= 0.9); nothing kept"
        )
        kept = []
    summary.kept = len(kept)
    kept_text = "".join(ref.list_entry(plan.out) + "\n" for ref in kept)
    write_text_atomic(plan.out / plan.file_name("kept", ".txt"), kept_text)
    doc = {
        **{k: v for k, v in asdict(summary).items() if k != "manifest_write_error"},
        "counter": plan.counter.describe(),
        "rule": asdict(plan.rule),
        "min_quality": plan.min_quality,
        "shard": list(plan.shard) if plan.shard else None,
        "median_blockiness": float(np.median(scores)) if scores else None,
    }
    write_text_atomic(plan.out / plan.file_name("summary", ".json"), json.dumps(doc, indent=1) + "\n")
    return summary
