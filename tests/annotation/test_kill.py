"""50+ SIGKILLs at random moments during scripted labelling and undo (issue 13's kill test).

Each round starts a worker process (``kill_worker``) that labels and undoes as fast as it can
through the Qt-free model, kills it at a random moment (while it starts, takes the lock over,
writes or renames), then opens the labels as the app would and checks: every acknowledged
label is there (the one change in flight may or may not be), every file is valid, and no
temporary file is left.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hggt_desktop.annotation.label_store import LabelStore
from hggt_desktop.annotation.workspace import open_workspace
from hggt_desktop.core.instance_lock import LEFTOVER_AGE_S
from hggt_desktop.core.labels import Label, read_label_file
from hggt_desktop.core.layout import find_labels_dir, records_dir
from hggt_desktop.core.record import read_record
from tests.annotation.kill_worker import ANNOTATOR
from tests.datagen import make_dataset

REPO = Path(__file__).resolve().parents[2]
KILLS = 60

Key = tuple[str, str]  # (stem, version)


def _read_journal(path: Path) -> tuple[dict[Key, Label | None], tuple[Key, Label | None] | None, bool]:
    """The acknowledged changes of one run, the change in flight when it died, and if it got going."""
    acknowledged: dict[Key, Label | None] = {}
    in_flight: tuple[Key, Label | None] | None = None
    ready = False
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    for line in lines:
        if line == "ready":
            ready = True
        elif line == "ack":
            assert in_flight is not None
            acknowledged[in_flight[0]] = in_flight[1]
            in_flight = None
        else:
            doc = json.loads(line)
            in_flight = ((doc["stem"], doc["version"]), Label(doc["label"]) if doc["label"] else None)
    return acknowledged, in_flight, ready


def _open_as_the_app_would(images: Path) -> dict[Key, Label]:
    store = LabelStore(open_workspace(images, ANNOTATOR))
    store.load()
    return {(p.stem, v): label for p in store.sets for v, label in p.labels.items()}


def _temp_files(images: Path) -> list[str]:
    labels = find_labels_dir(images)
    folders = (labels / ANNOTATOR, records_dir(labels, ANNOTATOR), labels / ".hggt" / "locks")
    return [
        p.name for folder in folders if folder.is_dir() for p in folder.iterdir() if p.name.endswith(".tmp")
    ]


def _wait_out_a_killed_takeover(images: Path) -> None:
    """A copy killed while taking over a stale lock leaves its takeover guard; until the guard is
    LEFTOVER_AGE_S old the next copy rightly answers "taking over at this moment; try again".
    Wait as the annotator told to try again would."""
    locks = find_labels_dir(images) / ".hggt" / "locks"
    guards = list(locks.glob(".*.takeover.claim")) if locks.is_dir() else []
    for guard in guards:
        age = time.time() - guard.stat().st_mtime
        time.sleep(max(0.0, LEFTOVER_AGE_S - age + 0.5))


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_kill_labelling_and_undo_at_random_moments_loses_no_acknowledged_label(tmp_path: Path) -> None:
    images = make_dataset(tmp_path, n_sets=6, annotators=(), size=16)
    rng = random.Random(13)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    expected: dict[Key, Label | None] = {}
    acknowledged_total = 0
    left_by_kill = 0  # kills that left a temporary file for the next open to settle
    for kill in range(KILLS):
        _wait_out_a_killed_takeover(images)
        journal = tmp_path / f"journal-{kill}.txt"
        worker = subprocess.Popen(
            [sys.executable, "-m", "tests.annotation.kill_worker", str(images), str(journal), str(kill)],
            cwd=REPO,
            env=env,
            stderr=subprocess.PIPE,
        )
        if rng.random() < 0.15:  # while it starts: reading, settling leftovers, taking the lock over
            time.sleep(rng.uniform(0.0, 0.6))
        else:
            deadline = time.monotonic() + 60
            while not _read_journal(journal)[2]:
                assert worker.poll() is None, worker.communicate()[1]
                assert time.monotonic() < deadline, "the worker never got going"
                time.sleep(0.01)
            time.sleep(rng.uniform(0.0, 0.3))
        assert worker.poll() is None, f"the worker stopped by itself: {worker.communicate()[1]!r}"
        worker.send_signal(signal.SIGKILL)
        worker.wait()

        acknowledged, in_flight, _ = _read_journal(journal)
        acknowledged_total += len(acknowledged)
        expected.update(acknowledged)
        left_by_kill += bool(_temp_files(images))
        on_disk = _open_as_the_app_would(images)
        for key in {*expected, *on_disk}:
            allowed = {expected.get(key)}
            if in_flight is not None and in_flight[0] == key:
                allowed.add(in_flight[1])
            assert on_disk.get(key) in allowed, (
                f"kill {kill}: {key} is {on_disk.get(key)}, expected {allowed}"
            )
        if in_flight is not None:
            expected[in_flight[0]] = on_disk.get(in_flight[0])  # what the next run starts from
        labels = find_labels_dir(images)
        for path in (labels / ANNOTATOR).glob("*.json"):
            read_label_file(path)
        for path in records_dir(labels, ANNOTATOR).glob("*.json"):
            read_record(path)
        assert _temp_files(images) == [], f"kill {kill}: temporary files left after opening"
    assert acknowledged_total >= KILLS, "the kills must land while labelling, not only at start"
    print(
        f"{KILLS} kills, {acknowledged_total} acknowledged changes, all present after reopening; "
        f"{left_by_kill} kills left a temporary file, none was left after the next open"
    )
