"""The annotator's keys: the actions' default keys, and remapping them from a settings file.

A person labelling 1000 sets wants keys that suit their hands and keyboard layout, so every
action can be given other keys in ``keys.json`` (in the app's config folder)::

    {"positive": ["J"], "negative": ["L"], "next_set": ["Right", "Return", "D"]}

Unknown actions or unparsable keys are reported, not fatal. Matching compares portable
``QKeySequence`` strings, so ``"Ctrl+Z"`` in the file means the same as on screen.

Action names never change, so a ``keys.json`` keeps working as actions are added. A new
action's default key may be one the annotator had already taken in their file: their key
stays theirs, and the clash is reported (a :attr:`KeyMap.clashes` entry, which the window says
once, not at every start), never silently overridden either way.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from PySide6.QtCore import QKeyCombination, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence

from hggt_desktop.gui.annotate.actions import ACTION_NAMES, ACTIONS

log = logging.getLogger(__name__)

KEYS_FILE = "keys.json"


def normalise_key(text: str) -> str | None:
    """The portable string of one key sequence, or None when Qt cannot parse it."""
    sequence = QKeySequence.fromString(text.strip(), QKeySequence.SequenceFormat.PortableText)
    if sequence.isEmpty() or sequence.count() != 1:
        return None
    return sequence.toString(QKeySequence.SequenceFormat.PortableText)


class KeyMap:
    """Action name <-> keys, with user overrides applied."""

    def __init__(self, overrides: dict[str, list[str]] | None = None) -> None:
        self.keys: dict[str, tuple[str, ...]] = {a.name: a.keys for a in ACTIONS}
        self.problems: list[str] = []
        # The problems that are a key of the file taking an action's default: said only once.
        self.clashes: list[str] = []
        for name, keys in (overrides or {}).items():
            if name not in self.keys:
                self.problems.append(f"unknown action {name!r} (known: {', '.join(ACTION_NAMES)})")
                continue
            parsed = [normalise_key(k) for k in (keys if isinstance(keys, list) else [keys])]
            if not parsed or any(p is None for p in parsed):
                self.problems.append(f"cannot read the keys {keys!r} for {name!r}")
                continue
            self.keys[name] = tuple(p for p in parsed if p)
        self._by_key: dict[str, str] = {}
        # The annotator's own keys first: a key they chose wins over a default, and a default
        # it takes away (a new action's key, say) is reported once, not silently dropped.
        chosen = [n for n in self.keys if overrides and n in overrides]
        for name in [*chosen, *(n for n in self.keys if n not in chosen)]:
            for key in self.keys[name]:
                normal = normalise_key(key)
                if not normal:
                    continue
                owner = self._by_key.setdefault(normal, name)
                if owner == name or owner not in chosen:
                    continue
                # The key does the owner's action only: the screen must not offer it for this one.
                self.keys[name] = tuple(k for k in self.keys[name] if normalise_key(k) != normal)
                if name in chosen:
                    self.problems.append(
                        f"{normal!r} is given to both {owner!r} and {name!r}; it does {owner!r}: "
                        f"give {name!r} another key in {KEYS_FILE}"
                    )
                else:
                    clash = (
                        f"{normal!r} is yours for {owner!r}, so it no longer does {name!r} "
                        f"(its default); give {name!r} another key in {KEYS_FILE} if you use it"
                    )
                    self.problems.append(clash)
                    self.clashes.append(clash)

    @classmethod
    def from_file(cls, path: Path) -> KeyMap:
        """Defaults with the overrides in ``path`` (missing file: defaults; bad file: reported)."""
        if not path.is_file():
            return cls()
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(doc, dict):
                raise ValueError("the top level is not a JSON object")
        except (OSError, ValueError) as exc:
            keymap = cls()
            keymap.problems.append(f"{path}: cannot be read ({exc}); using the default keys")
            return keymap
        keymap = cls(doc)
        keymap.problems = [f"{path}: {p}" for p in keymap.problems]
        keymap.clashes = [f"{path}: {p}" for p in keymap.clashes]
        return keymap

    def to_report(self, told: set[str]) -> list[str]:
        """The problems to tell the annotator now: every one, except clashes in ``told`` already."""
        return [problem for problem in self.problems if problem not in told or problem not in self.clashes]

    def action_for(self, event: QKeyEvent) -> str | None:
        """The action a key event triggers, or None."""
        key = event.key()
        if key in (Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_Meta, 0):
            return None
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        candidates = [modifiers]
        # '?' needs Shift on most layouts; a key file saying "?" should still match.
        if modifiers & Qt.KeyboardModifier.ShiftModifier and not Qt.Key.Key_A <= key <= Qt.Key.Key_Z:
            if key not in (Qt.Key.Key_Space, Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
                candidates.append(modifiers & ~Qt.KeyboardModifier.ShiftModifier)
        if key == Qt.Key.Key_Backtab:
            key = Qt.Key.Key_Tab
            candidates.append(modifiers & ~Qt.KeyboardModifier.ShiftModifier)
        for mods in candidates:
            text = QKeySequence(QKeyCombination(mods, Qt.Key(key))).toString(
                QKeySequence.SequenceFormat.PortableText
            )
            if text in self._by_key:
                return self._by_key[text]
        return None

    def describe(self, name: str) -> str:
        """The keys of ``name`` as shown to a person (``"Right / Return"``)."""
        return " / ".join(
            QKeySequence.fromString(k, QKeySequence.SequenceFormat.PortableText).toString(
                QKeySequence.SequenceFormat.NativeText
            )
            for k in self.keys.get(name, ())
        )

    def first_key(self, name: str) -> str:
        keys = self.keys.get(name, ())
        return keys[0] if keys else ""
