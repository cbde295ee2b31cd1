"""Progress of a run for people (a tqdm bar with ETA on stderr) and for programs (JSON lines).

With ``--progress-json`` every event is one JSON object per line on stdout, which the desktop
app parses: ``start``, ``engine``, ``image``, ``done``. Messages for people stay on stderr.
"""

from __future__ import annotations

import json
import sys
import threading
import time

from tqdm import tqdm

from enhance.job import Reporter


class ProgressReporter(Reporter):
    """Draws the progress bar and, when asked, emits machine-readable events."""

    def __init__(self, json_lines: bool, show_bar: bool = True) -> None:
        self.json_lines = json_lines
        self.show_bar = show_bar and not json_lines
        self._bar: tqdm | None = None
        self._lock = threading.Lock()
        self._done = 0
        self._total = 0
        self._start = time.monotonic()
        self._counted = 0

    def emit(self, event: str, **fields) -> None:
        """Write one JSON event line (only in JSON mode)."""
        if self.json_lines:
            line = json.dumps({"event": event, **fields}, ensure_ascii=False)
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    def say(self, message: str) -> None:
        """A line for people on stderr, kept clear of the bar."""
        if self._bar is not None:
            self._bar.write(message, file=sys.stderr)
        else:
            print(message, file=sys.stderr, flush=True)

    def started(self, total: int, skipped: int) -> None:
        with self._lock:
            self._total, self._done = total, skipped
            self._start = time.monotonic()
            if self.show_bar:
                self._bar = tqdm(
                    total=total, initial=skipped, unit="img", file=sys.stderr, dynamic_ncols=True
                )
        if skipped:
            self.say(f"{skipped} of {total} outputs already done (manifest); skipping them")
        self.emit("start", total=total, done=skipped)

    def engine_opened(self, model_id: str, device: int, description: str) -> None:
        self.say(f"model {model_id} on device {device}: {description}")
        self.emit("engine", model=model_id, device=device, description=description)

    def finished_one(self, model_id: str, image: str, ok: bool, message: str = "") -> None:
        with self._lock:
            self._done += 1
            self._counted += 1
            elapsed = time.monotonic() - self._start
            remaining = self._total - self._done
            eta = elapsed / self._counted * remaining if self._counted else None
            if self._bar is not None:
                self._bar.set_postfix_str(f"{model_id} {image}", refresh=False)
                self._bar.update(1)
        if not ok:
            self.say(f"FAILED {image} [{model_id}]: {message}")
        self.emit(
            "image",
            model=model_id,
            image=image,
            ok=ok,
            message=message,
            done=self._done,
            total=self._total,
            eta_s=None if eta is None else round(eta, 1),
        )

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
