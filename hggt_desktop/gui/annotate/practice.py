"""The practice block: sets with known answers, labelled before real work, never saved with it.

``resources/practice/`` holds an images folder in the set layout and ``answers.json``
(``{stem: {version: label}}``). The practice session writes into a temporary labels folder, so
nothing from practice can reach the annotator's real labels.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hggt_desktop.annotation.workspace import Workspace, WorkspaceError, open_workspace
from hggt_desktop.core.labels import Label
from hggt_desktop.resources import resource_path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PracticeMaterial:
    """The practice workspace (labels in a temporary folder) and its known answers."""

    workspace: Workspace
    answers: dict[str, dict[str, Label]]
    reasons: dict[str, dict[str, str]]
    temp_dir: tempfile.TemporaryDirectory[str]


def read_answers(path: Path) -> tuple[dict[str, dict[str, Label]], dict[str, dict[str, str]]]:
    """``answers.json`` as stem -> version -> label, and stem -> version -> why."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    answers: dict[str, dict[str, Label]] = {}
    reasons: dict[str, dict[str, str]] = {}
    for stem, versions in doc.items():
        if not isinstance(versions, dict):
            continue
        why = versions.get("why", {})
        if isinstance(why, dict):
            reasons[str(stem)] = {str(v): str(text) for v, text in why.items()}
        for version, label in versions.items():
            if version == "why":
                continue
            try:
                answers.setdefault(str(stem), {})[str(version)] = Label(label)
            except ValueError:
                log.warning("practice answer %s/%s: unknown label %r", stem, version, label)
    return answers, reasons


def load_practice(annotator: str, root: Path | None = None) -> PracticeMaterial | None:
    """The practice block, or None when the app ships none (the practice is then skipped)."""
    root = root or resource_path("practice")
    answers_path = root / "answers.json"
    if not answers_path.is_file():
        return None
    try:
        answers, reasons = read_answers(answers_path)
        workspace = open_workspace(root, annotator)
    except (OSError, ValueError, WorkspaceError) as exc:
        log.warning("practice material in %s is unusable: %s", root, exc)
        return None
    temp_dir = tempfile.TemporaryDirectory(prefix="hggt-practice-")
    # Labels go to a throw-away folder: practice answers must never mix with real work.
    workspace = dataclasses.replace(workspace, labels_dir=Path(temp_dir.name) / "labels")
    return PracticeMaterial(workspace, answers, reasons, temp_dir)
