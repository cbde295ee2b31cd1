"""Scripted labelling and undo, forever, until the kill test SIGKILLs it (run as a process).

``python -m tests.annotation.kill_worker IMAGES JOURNAL SEED``. Before each change it appends
what it is about to do to JOURNAL, and ``ack`` once the model acknowledged it (saved). Lines
go straight to the kernel with ``os.write``, so a SIGKILL loses none that were written.
"""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path

from hggt_desktop.annotation.model import AnnotationModel
from hggt_desktop.annotation.workspace import open_workspace
from hggt_desktop.core.labels import Label

ANNOTATOR = "K"


def main(images: Path, journal: Path, seed: int) -> None:
    fd = os.open(journal, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def note(doc: dict | str) -> None:
        os.write(fd, ((json.dumps(doc) if isinstance(doc, dict) else doc) + "\n").encode())

    model = AnnotationModel(open_workspace(images, ANNOTATOR), prefetch=False)
    model.start()
    note("ready")
    rng = random.Random(seed)
    while True:
        roll = rng.random()
        if roll < 0.3 and model._undo:
            index, version, old = model._undo[-1]
            note(
                {
                    "stem": model.store.sets[index].stem,
                    "version": version,
                    "label": old.value if old else None,
                }
            )
            if not model.undo():
                raise SystemExit(f"undo not saved: {model.save_error}")
        elif roll < 0.45 and model.can_advance():
            if not model.next_set():
                model.go_to(rng.randrange(model.count))
            continue
        else:
            model.select(rng.randrange(model.version_count))
            label = rng.choice(list(Label))
            note(
                {
                    "stem": model.progress.stem,
                    "version": model.version_at(model.selected),
                    "label": label.value,
                }
            )
            if not model.give_label(label):
                raise SystemExit(f"label not saved: {model.save_error}")
        note("ack")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]))
