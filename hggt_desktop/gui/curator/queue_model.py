"""The disagreement queue as a table model: one row per contested set, worst first."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from hggt_desktop.core.disagreement import QueueEntry
from hggt_desktop.gui.curator.session import CuratorSession

COLUMNS = ("Set", "Severity", "Worst", "Labels per version", "Adjudicated", "Flagged")
LABELS_COLUMN, FLAGGED_COLUMN = 3, 5
FLAG_COLOUR = QColor(253, 236, 234)
REASON_SHOWN = 22  # characters of a reason in the cell; the tooltip and the set view show it all
# Short enough that every column fits beside the set at the default size; the tooltip and the
# set's heading say it in full (core.disagreement.SEVERITY_NAMES).
SEVERITY_SHORT = {3: "P against N", 2: "2 against 1", 1: "all differ", 0: "agreed"}
SEVERITY_COLOURS = {3: QColor(251, 225, 224), 2: QColor(255, 243, 214), 1: QColor(232, 238, 251)}

_Index = QModelIndex | QPersistentModelIndex


class DisagreementTableModel(QAbstractTableModel):
    """Reads the session's queue; resets whenever the session says the queue changed."""

    def __init__(self, session: CuratorSession) -> None:
        super().__init__(session)
        self._session = session
        session.queue_changed.connect(self._on_queue_changed)

    def entry(self, row: int) -> QueueEntry:
        return self._session.queue[row]

    def row_of(self, stem: str) -> int:
        """The row showing ``stem``, or -1."""
        for row, entry in enumerate(self._session.queue):
            if entry.stem == stem:
                return row
        return -1

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._session.queue)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._session.queue):
            return None
        entry = self._session.queue[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return entry.stem
            if column == 1:
                return SEVERITY_SHORT[entry.severity]
            if column == 2:
                return _listed(entry.worst_versions)
            if column == 3:
                return "  ".join(f"{v}:{p}" for v, p in entry.patterns if p)
            if column == 4:
                return "yes" if entry.adjudicated else ""
            return "; ".join(f"{rater}: {_shortened(reason)}" for rater, reason in entry.flags)
        if role == Qt.ItemDataRole.BackgroundRole and column == 1:
            return SEVERITY_COLOURS.get(entry.severity)
        if role == Qt.ItemDataRole.BackgroundRole and column == FLAGGED_COLUMN and entry.flags:
            return FLAG_COLOUR
        if role == Qt.ItemDataRole.ToolTipRole:
            contested = (
                f"contested versions {', '.join(entry.contested)}" if entry.contested else "the others agree"
            )
            flags = "".join(f'\nflagged "can\'t judge" by {r}: {why}' for r, why in entry.flags)
            labels = "  ".join(f"{v}:{p}" for v, p in entry.patterns if p)
            return f"{entry.stem}: {entry.severity_name}; {contested}\nlabels {labels}{flags}"
        if role == Qt.ItemDataRole.UserRole:
            return entry.stem
        return None

    def _on_queue_changed(self) -> None:
        self.beginResetModel()
        self.endResetModel()


def _shortened(reason: str) -> str:
    return reason if len(reason) <= REASON_SHOWN else reason[: REASON_SHOWN - 1].rstrip() + "…"


def _listed(versions: tuple[str, ...], shown: int = 4) -> str:
    """ "01, 02, 03 +5": nine versions must not push the other columns out of view."""
    if len(versions) <= shown:
        return ", ".join(versions)
    return ", ".join(versions[: shown - 1]) + f" +{len(versions) - shown + 1}"
