"""Labels, flags and undo on the set on screen (Qt-free; a part of ``AnnotationModel``)."""

from __future__ import annotations

from typing import cast

from hggt_desktop.annotation.practice_feedback import feedback_text
from hggt_desktop.annotation.state import AnnotationState
from hggt_desktop.core.labels import Label


class Labelling(AnnotationState):
    """Selecting a version, labelling it, flagging the set, and taking either back."""

    def missing_count(self) -> int:
        return sum(1 for p in range(self.version_count) if self.label_at(p) is None)

    def can_advance(self) -> bool:
        progress = self.progress
        return progress.broken_reason is not None or progress.complete or progress.flagged

    def done_count(self) -> int:
        return self.store.done_count()

    def unsaved_sets(self) -> set[int]:
        """Sets whose last save failed (retried with the next action)."""
        return set(self.store.dirty)

    def has_any_label(self) -> bool:
        """True once anything was labelled here (a first visit shows the instructions)."""
        return self.store.done_count() > 0 or any(p.labels for p in self.store.sets)

    def give_label(self, label: Label) -> bool:
        """Label the selected version, save, then select the next unlabelled version.

        True means the label is on disk (acknowledged); False: refused or not saved yet.
        """
        self.note_input()
        if self.progress.broken_reason is not None:
            self.events.message("This set cannot be labelled; press → to skip it.")
            return False
        if self.selected < 0:
            self._select(self._next_unlabelled_position(-1))
        version = self.version_at(self.selected)
        old = self.progress.labels.get(version)
        self._undo.append((self.index, version, old))
        self._change_label(version, label)
        if self.progress.complete and self.save_error is None:
            self.events.message("Every version has a label: press → for the next set.")
            self._give_feedback()
        self._select(self._next_unlabelled_position(self.selected))
        return self.save_error is None

    def undo(self) -> bool:
        """Take back the last label given (going back to its set if needed)."""
        self.note_input()
        if not self._undo:
            self.events.message("Nothing to undo.")
            return False
        index, version, old = self._undo[-1]
        if index != self.index and not self.go_to(index):
            return False
        self._undo.pop()
        # A Label is a StrEnum, so the entry's kind is told by its version, never by isinstance(old, str).
        if version is None:
            reason = cast(str, old)
            self._change_flag(reason)
            self.events.message(
                f"Undone: the set is {'flagged ' + reason if reason else 'not flagged'} again."
            )
            return self.save_error is None
        old = cast("Label | None", old)
        self._change_label(version, old)
        self._select(self.progress.order.index(version))
        self.events.message(
            f"Undone: version {self.letter(self.selected)} is {old.value if old else 'unlabelled'} again."
        )
        return self.save_error is None

    def flag(self, reason: str) -> bool:
        """Mark the set "can't judge" for ``reason`` ("" unflags); its labels move into the record.

        The HGGT format has no such value, so a flagged set has no label file: labels already
        given are kept in the record and come back on unflag or undo. True: saved.
        """
        self.note_input()
        record = self.store.record(self.index)
        if reason == record.flag:
            return True
        self._undo.append((self.index, None, record.flag))
        self._change_flag(reason)
        if reason:
            self.events.message(f"Flagged as can't judge ({reason}): press → for the next set.")
        else:
            self.events.message("Flag removed: the labels given before are back.")
        return self.save_error is None

    def _change_flag(self, reason: str) -> None:
        self.recorder.harvest(self.index)
        record = self.store.record(self.index)
        record.flag = reason
        record.last_label = self._wall_clock()
        self.store.dirty.add(self.index)
        self._save(self.index)
        self.events.labels_changed()
        self.events.progress_changed()

    def _change_label(self, version: str, label: Label | None) -> None:
        self.recorder.harvest(self.index)
        self.store.set_label(self.index, version, label, self._wall_clock())
        self._save(self.index)
        self.events.labels_changed()
        self.events.progress_changed()

    def _give_feedback(self) -> None:
        if self.answers is None:
            return
        given = {self.version_at(p): self.label_at(p) for p in range(self.version_count)}
        stem = self.progress.stem
        self.events.feedback(
            feedback_text(self.progress.order, given, self.answers.get(stem, {}), self.reasons.get(stem, {}))
        )
