"""A kill between any two file changes of a save reopens with every acknowledged label (hole 4)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

import hggt_desktop.annotation.label_store as label_store
from hggt_desktop.annotation.model import AnnotationModel
from hggt_desktop.core.labels import Label, read_label_file
from hggt_desktop.core.layout import find_labels_dir
from hggt_desktop.core.record import read_record
from tests.annotation.helpers import ANNOTATOR, make_images, open_model


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs, not even ``finally`` blocks of the model."""


class KillSwitch:
    """Counts the label store's file changes and kills the process before change ``at``."""

    def __init__(self, at: int) -> None:
        self.at = at
        self.count = 0

    def step(self) -> None:
        if self.count == self.at:
            raise Killed
        self.count += 1

    def wrap(self, write: Callable[..., object]) -> Callable[..., object]:
        def wrapped(*args: object, **kwargs: object) -> object:
            self.step()
            return write(*args, **kwargs)

        return wrapped


class _OsWithKill:
    def __init__(self, switch: KillSwitch) -> None:
        self._switch = switch

    def __getattr__(self, name: str) -> object:
        return getattr(os, name)

    def unlink(self, path: object) -> None:
        self._switch.step()
        os.unlink(path)  # type: ignore[arg-type]


def _arm(monkeypatch: pytest.MonkeyPatch, switch: KillSwitch) -> None:
    for name in ("write_label_file", "write_record", "write_bytes_atomic"):
        monkeypatch.setattr(label_store, name, switch.wrap(getattr(label_store, name)))
    monkeypatch.setattr(label_store, "os", _OsWithKill(switch))


# Label a set, undo on the finished set, undo again, label again: every kind of save.
SCRIPT: list[Label | None] = [Label.POSITIVE, Label.SIMILAR, Label.NEGATIVE, Label.POSITIVE, None, None]
SCRIPT += [Label.NEGATIVE, Label.NEGATIVE]


class Journal:
    """What the user was told (acknowledged) and the one change in flight."""

    def __init__(self) -> None:
        self.acknowledged: dict[str, Label | None] = {}
        self.in_flight: tuple[str, Label | None] | None = None

    def allowed(self, version: str) -> set[Label | None]:
        allowed = {self.acknowledged.get(version)}
        if self.in_flight is not None and self.in_flight[0] == version:
            allowed.add(self.in_flight[1])  # it may or may not have reached the disk
        return allowed


def _run(model: AnnotationModel, journal: Journal) -> None:
    for action in SCRIPT:
        if action is None:
            _, version, old = model._undo[-1]
            journal.in_flight = (version, old)
            assert model.undo()
        else:
            version = model.version_at(model.selected)
            journal.in_flight = (version, action)
            assert model.give_label(action)
        journal.acknowledged[version] = journal.in_flight[1]
        journal.in_flight = None


def test_hole4_a_kill_between_any_two_steps_keeps_every_acknowledged_label(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    total: int | None = None
    at = 0
    while total is None or at <= total:
        images = make_images(tmp_path / f"kill{at}", n_sets=2)
        model = open_model(images, use_lock=False)
        switch = KillSwitch(at)
        journal = Journal()
        with monkeypatch.context() as patch:
            _arm(patch, switch)
            try:
                _run(model, journal)
                total = switch.count  # the whole script ran: that many file changes in all
            except Killed:
                pass
        reopened = open_model(images, use_lock=False)
        reopened.go_to(0)
        for version in reopened.progress.order:
            on_disk = reopened.progress.labels.get(version)
            assert on_disk in journal.allowed(version), (
                f"killed before file change {at}: version {version} is {on_disk}, "
                f"acknowledged {journal.acknowledged.get(version)}"
            )
        _assert_files_valid(images)
        at += 1
    # One change per action, two for the save that completes the set and the undo on it.
    assert total is not None and total >= len(SCRIPT) + 2


def _assert_files_valid(images: Path) -> None:
    labels = find_labels_dir(images)
    for path in (labels / ANNOTATOR).glob("*.json"):
        read_label_file(path)
    for path in (labels / ".hggt" / "records" / ANNOTATOR).glob("*.json"):
        read_record(path)
