"""The run's memory: one JSON line per finished (or failed) output, so a re-run skips done work.

``OUT_DIR/.hggt-enhance/manifest.jsonl``; each line records the image, the model id ("01".."0k",
or "original"), the model file's SHA-256, the options that change the pixels, and the status.
An output counts as done only when its latest record says "done" with the same model hash and
options *and* the file exists. A line torn by a crash is ignored, so that work is simply redone.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

MANIFEST_DIR = ".hggt-enhance"
MANIFEST_NAME = "manifest.jsonl"
DONE = "done"
FAILED = "failed"


@dataclass(frozen=True)
class Record:
    """One line of the manifest."""

    image: str
    model: str
    model_sha256: str
    options: dict
    status: str
    output: str = ""
    message: str = ""

    def to_json(self) -> str:
        fields = {
            "image": self.image,
            "model": self.model,
            "model_sha256": self.model_sha256,
            "options": self.options,
            "status": self.status,
            "output": self.output,
            "time": round(time.time(), 3),
        }
        if self.message:
            fields["message"] = self.message
        return json.dumps(fields, ensure_ascii=False, sort_keys=True)


class Manifest:
    """Append-only JSON-lines log of outputs; the latest line per (image, model) wins."""

    def __init__(self, out_dir: Path) -> None:
        self.path = Path(out_dir) / MANIFEST_DIR / MANIFEST_NAME
        self._lock = threading.Lock()
        self._latest: dict[tuple[str, str], dict] = {}
        # Every (image, model) this folder's runs ever wrote: only those files may be replaced.
        self._written: set[tuple[str, str]] = set()
        self._load()

    def _load(self) -> None:
        if not self.path.is_file():
            return
        with open(self.path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                try:
                    entry = json.loads(line)
                    self._latest[(entry["image"], entry["model"])] = entry
                    if entry.get("status") == DONE:
                        self._written.add((entry["image"], entry["model"]))
                except (json.JSONDecodeError, KeyError, TypeError):
                    log.warning(
                        "%s line %d is incomplete (interrupted write); ignoring it", self.path, number
                    )

    def is_done(self, image: str, model: str, model_sha256: str, options: dict, output: Path) -> bool:
        """Whether this output was finished with the same model and options and still exists."""
        entry = self._latest.get((image, model))
        return (
            entry is not None
            and entry.get("status") == DONE
            and entry.get("model_sha256") == model_sha256
            and entry.get("options") == options
            and output.is_file()
        )

    def wrote(self, image: str, model: str) -> bool:
        """Whether a run into this folder ever wrote this output (so it may be replaced)."""
        return (image, model) in self._written

    def record(self, record: Record) -> None:
        """Append one record and push it to disk, so a crash right after keeps it."""
        line = record.to_json() + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # One write() on an O_APPEND file: lines from several shard processes do not interleave.
            with open(self.path, "a", encoding="utf-8") as handle:
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())
            self._latest[(record.image, record.model)] = json.loads(line)
            if record.status == DONE:
                self._written.add((record.image, record.model))
