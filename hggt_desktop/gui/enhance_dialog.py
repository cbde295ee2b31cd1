"""Tools > Enhance a folder: start ``hggt-enhance`` as its own process, show progress, cancel it.

The runner is a separate process (QProcess) so the app never loads torch or onnxruntime (on
Windows, onnxruntime's DLLs in a process that holds Qt's have broken DLL resolution). It reports
progress as JSON lines on stdout (``--progress-json``); :class:`EnhanceJob` owns the process and
turns those lines into signals, and :class:`EnhanceDialog` only shows them.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from hggt_desktop.core.images import is_image_file
from hggt_desktop.gui.preview_window import PreviewWindow

MODEL_IDS = ("01", "02", "03", "04")
# The preview runs on the centre of the first photo: seconds even for a slow model.
PREVIEW_CROP = 512
MODEL_FILTER = (
    "Enhancement models (*.onnx *.pth *.pt *.safetensors *.toml);;"
    "External model descriptions (*.toml);;All files (*)"
)
_KILL_AFTER_MS = 15000


def runner_command() -> list[str]:
    """How to start the runner: the bundled ``hggt-enhance`` when frozen, else this Python."""
    if getattr(sys, "frozen", False):
        name = "hggt-enhance.exe" if os.name == "nt" else "hggt-enhance"
        return [str(Path(sys.executable).with_name(name))]
    return [sys.executable, "-m", "enhance.cli"]


def parse_progress_line(line: str) -> dict | None:
    """One ``--progress-json`` event, or None for anything else on stdout."""
    try:
        event = json.loads(line)
    except json.JSONDecodeError:
        return None
    return event if isinstance(event, dict) and "event" in event else None


def format_duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


# Colour and cursor codes that libraries (ONNX Runtime's logger) write for terminals.
_TERMINAL_CODES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def plain_lines(text: str) -> list[str]:
    """The readable lines of some terminal output: codes removed, progress-bar redraws
    (carriage returns) reduced to their last state, empty lines dropped."""
    lines = []
    for line in _TERMINAL_CODES.sub("", text).split("\n"):
        line = line.rsplit("\r", 1)[-1].rstrip()
        if line.strip():
            lines.append(line)
    return lines


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return ""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d} left" if hours else f"{minutes}:{secs:02d} left"


class EnhanceJob(QObject):
    """One runner process: start, cancel, and its progress as signals."""

    progress_changed = Signal(int, int, str)  # done, total, ETA text
    line_logged = Signal(str)
    running_changed = Signal(bool)
    finished = Signal(int, str)  # exit code, summary
    preview_ready = Signal(str)  # the side-by-side image written by ``hggt-enhance preview``

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.process: QProcess | None = None
        self.failed = 0
        self._summary = ""
        self._stderr_tail = ""  # the start of a line whose end has not arrived yet
        self._kill_timer = QTimer(self)
        self._kill_timer.setSingleShot(True)
        self._kill_timer.timeout.connect(self._on_kill_timeout)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.state() != QProcess.ProcessState.NotRunning

    def start(self, arguments: list[str], command: list[str] | None = None) -> None:
        """Start ``hggt-enhance`` with ``arguments`` (progress JSON is added here)."""
        if self.running:
            return
        program, *prefix = command or runner_command()
        self.failed, self._summary, self._stderr_tail = 0, "", ""
        process = QProcess(self)
        process.readyReadStandardOutput.connect(self._on_stdout)
        process.readyReadStandardError.connect(self._on_stderr)
        process.finished.connect(self._on_finished)
        process.errorOccurred.connect(self._on_error)
        self.process = process
        self.line_logged.emit("$ " + " ".join([program, *prefix, *arguments]))
        process.start(program, [*prefix, *arguments, "--progress-json"])
        self.running_changed.emit(True)

    def cancel(self) -> None:
        """Ask the runner to stop cleanly; kill it if it has not stopped after a while."""
        if not self.running:
            return
        assert self.process is not None
        self.line_logged.emit("cancelling: the runner finishes the images being written…")
        if os.name == "nt":
            # Windows console processes ignore terminate() (WM_CLOSE): the runner reads stdin.
            self.process.write(b"cancel\n")
        else:
            self.process.terminate()  # SIGTERM: the runner stops cleanly
        self._kill_timer.start(_KILL_AFTER_MS)

    def _on_kill_timeout(self) -> None:
        if self.running and self.process is not None:
            self.line_logged.emit("the runner did not stop in time; killing it")
            self.process.kill()

    def _on_stdout(self) -> None:
        assert self.process is not None
        while self.process.canReadLine():
            line = bytes(self.process.readLine().data()).decode("utf-8", "replace").strip()
            event = parse_progress_line(line)
            if event is None:
                if line:
                    self.line_logged.emit(line)
                continue
            self._on_event(event)

    def _on_event(self, event: dict) -> None:
        kind = event["event"]
        if kind == "start":
            self.progress_changed.emit(int(event.get("done", 0)), int(event.get("total", 0)), "")
        elif kind == "image":
            if not event.get("ok", True):
                self.failed += 1
            self.progress_changed.emit(
                int(event["done"]), int(event["total"]), format_eta(event.get("eta_s"))
            )
        elif kind in ("preview_model", "preview"):
            self._on_preview_event(event)
        elif kind == "done":
            self._summary = (
                f"{event.get('written', 0)} written, {event.get('skipped', 0)} already done, "
                f"{event.get('failed', 0)} failed"
            )

    def _on_preview_event(self, event: dict) -> None:
        if event["event"] == "preview":
            self._summary = f"whole folder about {format_duration(event.get('projected_s', 0))}"
            self.preview_ready.emit(str(event.get("path", "")))
        elif event.get("ok"):
            self.line_logged.emit(
                f"preview, model {event.get('model')}: {event.get('seconds', 0):.1f} s, "
                f"whole folder about {format_duration(event.get('projected_s', 0))}"
            )
        else:
            self.failed += 1
            self.line_logged.emit(f"preview, model {event.get('model')} FAILED: {event.get('message')}")

    def _on_stderr(self) -> None:
        assert self.process is not None
        text = self._stderr_tail + bytes(self.process.readAllStandardError().data()).decode(
            "utf-8", "replace"
        )
        # A read can end in the middle of a line: keep that part until the rest arrives. (The
        # runner's "engine" event is not logged: the same line comes on stderr.)
        complete, _, self._stderr_tail = text.rpartition("\n")
        for line in plain_lines(complete):
            self.line_logged.emit(line)

    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self.line_logged.emit(
                "could not start the enhancement runner (hggt-enhance is not installed here)"
            )
            self._finish(-1)

    def _on_finished(self, code: int, _status: QProcess.ExitStatus) -> None:
        self._on_stdout()
        self._on_stderr()
        for line in plain_lines(self._stderr_tail):
            self.line_logged.emit(line)
        self._stderr_tail = ""
        self._finish(code)

    def _finish(self, code: int) -> None:
        self._kill_timer.stop()
        messages = {
            0: "finished",
            1: "finished with failed images",
            2: "could not start: check the models",
            130: "stopped; start again to resume",
        }
        summary = messages.get(code, f"ended with code {code}")
        if self._summary:
            summary += f" ({self._summary})"
        self.running_changed.emit(False)
        self.finished.emit(code, summary)


def first_photo(folder: Path) -> Path | None:
    """The first photo of a folder by name (what the runner would take first), or None."""
    if not folder.is_dir():
        return None
    photos = sorted(
        p for p in folder.iterdir() if p.is_file() and is_image_file(p) and not p.name.startswith(".")
    )
    return photos[0] if photos else None


class PathRow(QWidget):
    """A line edit with a Browse button (folder or model file)."""

    def __init__(self, pick_folder: bool, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pick_folder = pick_folder
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(placeholder)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._on_browse_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(browse)

    def text(self) -> str:
        return self.edit.text().strip()

    def _on_browse_clicked(self) -> None:
        if self.pick_folder:
            path = QFileDialog.getExistingDirectory(self, "Choose a folder", self.text())
        else:
            path, _ = QFileDialog.getOpenFileName(self, "Choose a model", self.text(), MODEL_FILTER)
        if path:
            self.edit.setText(path)


class EnhanceDialog(QDialog):
    """Pick a folder of photos, an output folder and up to four models; run, watch, cancel."""

    def __init__(self, parent: QWidget | None = None, job: EnhanceJob | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Enhance a folder")
        self.job = job or EnhanceJob(self)
        self.input_row = PathRow(True, "folder of photos")
        self.output_row = PathRow(True, "output folder (original/, 01/ … 04/)")
        self.model_rows = {
            mid: PathRow(False, f"model {mid} (.onnx, .pth, .safetensors, or an external command's .toml)")
            for mid in MODEL_IDS
        }
        self.tile = QSpinBox()
        self.tile.setRange(96, 4096)
        self.tile.setSingleStep(64)
        self.tile.setValue(512)
        self.provider = QComboBox()
        self.provider.addItems(["auto", "cuda", "dml", "cpu"])
        form = QFormLayout()
        form.addRow("Photos", self.input_row)
        form.addRow("Output", self.output_row)
        for mid, row in self.model_rows.items():
            form.addRow(f"Model {mid}", row)
        form.addRow("Tile size", self.tile)
        form.addRow("Device", self.provider)
        self.progress = QProgressBar()
        self.status = QLabel("Choose the folders and at least one model.")
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(2000)
        self.preview_button = QPushButton("Preview")
        self.preview_button.setToolTip(
            "Run every model on the centre of the first photo and project the time for the folder"
        )
        self.preview_button.clicked.connect(self._on_preview_clicked)
        self.start_button = QPushButton("Start")
        self.cancel_button = QPushButton("Cancel run")
        self.cancel_button.setEnabled(False)
        self.start_button.clicked.connect(self._on_start_clicked)
        self.cancel_button.clicked.connect(self.job.cancel)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.preview_button)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.log, 1)
        layout.addLayout(buttons)
        self.job.progress_changed.connect(self._on_progress_changed)
        self.job.line_logged.connect(self.log.appendPlainText)
        self.job.running_changed.connect(self._on_running_changed)
        self.job.finished.connect(self._on_finished)
        self.job.preview_ready.connect(self._on_preview_ready)
        self.preview_window: PreviewWindow | None = None
        self.resize(760, 620)

    def arguments(self) -> list[str] | None:
        """The runner's arguments from the form, or None (with a message) when incomplete."""
        source, target = self.input_row.text(), self.output_row.text()
        models = [(mid, row.text()) for mid, row in self.model_rows.items() if row.text()]
        if not source or not target or not models:
            self.status.setText("Choose the photos folder, the output folder and at least one model.")
            return None
        args = [source, target]
        for mid, path in models:
            args += ["--model", f"{mid}={path}"]
        return [*args, "--tile", str(self.tile.value()), "--provider", self.provider.currentText()]

    def _on_start_clicked(self) -> None:
        args = self.arguments()
        if args is not None:
            self.progress.setRange(0, 0)  # busy until the runner reports its total
            self.status.setText("Starting…")
            self.job.start(args)

    def preview_arguments(self) -> list[str] | None:
        """``hggt-enhance preview`` on the first photo of the folder, or None (with a message)."""
        source = self.input_row.text()
        models = [(mid, row.text()) for mid, row in self.model_rows.items() if row.text()]
        photo = first_photo(Path(source)) if source else None
        if photo is None or not models:
            self.status.setText("Choose a folder with photos and at least one model to preview.")
            return None
        args = ["preview", str(photo), "--folder", source, "--crop", f"{PREVIEW_CROP},{PREVIEW_CROP}"]
        if self.output_row.text():
            args += ["--out", str(Path(self.output_row.text()) / ".hggt-enhance" / "preview")]
        for mid, path in models:
            args += ["--model", f"{mid}={path}"]
        return [*args, "--tile", str(self.tile.value()), "--provider", self.provider.currentText()]

    def _on_preview_clicked(self) -> None:
        args = self.preview_arguments()
        if args is not None:
            self.progress.setRange(0, 0)
            self.status.setText("Previewing every model on one photo…")
            self.job.start(args)

    def _on_preview_ready(self, path: str) -> None:
        if self.preview_window is None:
            self.preview_window = PreviewWindow(self)
        self.preview_window.show_image(Path(path))

    def _on_progress_changed(self, done: int, total: int, eta: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        failed = f", {self.job.failed} failed" if self.job.failed else ""
        self.status.setText(f"{done} of {total} outputs{failed}  {eta}")

    def _on_running_changed(self, running: bool) -> None:
        self.start_button.setEnabled(not running)
        self.preview_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)

    def _on_finished(self, code: int, summary: str) -> None:
        if self.progress.maximum() == 0:
            self.progress.setRange(0, 1)
        self.status.setText(summary)

    def reject(self) -> None:
        # Closing the dialog must not leave an invisible runner behind: stop it first.
        if self.job.running:
            self.job.cancel()
        super().reject()
