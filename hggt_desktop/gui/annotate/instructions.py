"""The instructions page: what to judge, the three labels, example pairs, then practice or work."""

from __future__ import annotations

import html
import logging
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from hggt_desktop.core.images import ImageError, read_image
from hggt_desktop.core.labels import Label
from hggt_desktop.gui.annotate.keymap import KeyMap
from hggt_desktop.gui.annotate.practice import PracticeMaterial
from hggt_desktop.gui.viewer.qimage import to_qimage

log = logging.getLogger(__name__)

EXAMPLE_SIZE = 220


def instructions_html(keymap: KeyMap) -> str:
    """The instructions, naming the keys this annotator actually uses (keys.json included)."""

    def key(action: str) -> str:
        return f"<b>{html.escape(keymap.describe(action)) or '(no key)'}</b>"

    return f"""
<h1>How to label</h1>
<p>Each set shows an <b>original</b> image and several enhanced <b>versions</b> of it, under
neutral letters (A, B, C ...). The letters and positions are shuffled for every set: which
method made which version is hidden on purpose.</p>
<p>Judge every version <b>against the original</b>:</p>
<ul>
<li><b>Positive</b> ({key("positive")}): better. Clearer, more natural detail; better overall
quality.</li>
<li><b>Similar</b> ({key("similar")}): no clear difference, or better in some places and worse
in others.</li>
<li><b>Negative</b> ({key("negative")}): worse. Artifacts, false or unpleasant detail, halos,
over-sharpening, colour shifts.</li>
</ul>
<p>Look closely: press {key("one_to_one")} for a true 1:1 view, zoom with the wheel, and hold
{key("swap")} to see the original in place of the selected version ({key("swap_all")}: all
versions). After each label the next unlabelled version is selected for you. When every
version has a label, {key("next_set")} goes to the next set. {key("help")} lists every key.
Every label is saved at once; you can stop at any time and the app reopens where you
stopped.</p>
<p>Take a short break about every 30 minutes: the app reminds you.</p>
"""


def _thumbnail(image_path: Path) -> QPixmap | None:
    try:
        image = read_image(image_path)
    except ImageError as exc:
        log.warning("example image unusable: %s", exc)
        return None
    return QPixmap.fromImage(to_qimage(image)).scaled(
        EXAMPLE_SIZE,
        EXAMPLE_SIZE,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )


class InstructionsPage(QWidget):
    """Read once before the first set; reachable later from the Help menu."""

    practice_requested = Signal()
    work_requested = Signal()

    def __init__(
        self, practice: PracticeMaterial | None, keymap: KeyMap, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        text = QLabel(instructions_html(keymap))
        self.text = text
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.RichText)
        content = QWidget()
        column = QVBoxLayout(content)
        column.addWidget(text)
        examples = self._examples(practice)
        if examples is not None:
            column.addWidget(examples)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)

        self.practice_button = QPushButton("Start the practice (known answers)")
        self.practice_button.setEnabled(practice is not None)
        if practice is None:
            self.practice_button.setToolTip("This copy of the app has no practice sets.")
        self.practice_button.clicked.connect(self.practice_requested)
        self.work_button = QPushButton("Skip to the real work")
        self.work_button.clicked.connect(self.work_requested)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.practice_button)
        buttons.addWidget(self.work_button)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)

    def _examples(self, practice: PracticeMaterial | None) -> QWidget | None:
        """One example pair per label, taken from the practice answers."""
        if practice is None:
            return None
        sets = {s.stem: s for s in practice.workspace.sets}
        chosen: dict[Label, tuple[Path, Path]] = {}
        for stem, versions in practice.answers.items():
            for version, label in versions.items():
                if label not in chosen and stem in sets and version in sets[stem].version_ids:
                    chosen[label] = (sets[stem].original, sets[stem].version_path(version))
        if not chosen:
            return None
        box = QWidget()
        grid = QGridLayout(box)
        grid.setColumnStretch(3, 1)
        grid.addWidget(QLabel("<h2>Examples</h2>"), 0, 0, 1, 3)
        for row, label in enumerate((Label.POSITIVE, Label.SIMILAR, Label.NEGATIVE), start=1):
            if label not in chosen:
                continue
            for column, path in enumerate(chosen[label]):
                picture = QLabel()
                pixmap = _thumbnail(path)
                if pixmap is not None:
                    picture.setPixmap(pixmap)
                grid.addWidget(picture, row, column)
            why = self._reason(practice, chosen[label])
            caption = QLabel(f"Original (left) and a version judged <b>{label.value}</b>.<br>{why}")
            caption.setWordWrap(True)
            grid.addWidget(caption, row, 2)
        return box

    @staticmethod
    def _reason(practice: PracticeMaterial, pair: tuple[Path, Path]) -> str:
        """The practice answer's explanation for the version in ``pair``."""
        stem = pair[0].stem
        version = pair[1].parent.name
        return practice.reasons.get(stem, {}).get(version, "")
