"""The run's memory: one JSON line per finished (or failed) output, so a re-run skips done work.

``OUT_DIR/.hggt-enhance/manifest.jsonl``; each line records the image, the model id ("01".."0k",
or "original"), the model file's SHA-256, the options that change the pixels, and the status.
An output counts as done only when its latest record says "done" with the same model hash and
options *and* the file exists. The file format (append + fsync, torn lines ignored, a failed
write reported once) belongs to :mod:`hggt_desktop.core.jsonl_manifest`, shared with the
screening job.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from hggt_desktop.core.jsonl_manifest import JsonlManifest

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

    def to_dict(self) -> dict:
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
        return fields


class Manifest:
    """Append-only JSON-lines log of outputs; the latest line per (image, model) wins."""

    def __init__(self, out_dir: Path) -> None:
        self.file = JsonlManifest(Path(out_dir) / MANIFEST_DIR / MANIFEST_NAME)
        self.path = self.file.path
        self._latest: dict[tuple[str, str], dict] = {}
        # Every (image, model) this folder's runs ever wrote: only those files may be replaced.
        self._written: set[tuple[str, str]] = set()
        for entry in self.file.read():
            image, model = entry.get("image"), entry.get("model")
            if isinstance(image, str) and isinstance(model, str):
                self._latest[(image, model)] = entry
                if entry.get("status") == DONE:
                    self._written.add((image, model))

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
        """Append one record and push it to disk, so a crash right after keeps it.

        A failed write is reported once by the manifest file and never raised: the reader,
        engine and writer threads that call this must go on (issue 13, hole 8).
        """
        entry = record.to_dict()
        if record.status == DONE:
            # This run wrote the file, recorded or not (a failed record is reported).
            self._written.add((record.image, record.model))
        if self.file.append(entry):
            self._latest[(record.image, record.model)] = entry
