"""What a run is: the models, the options, where outputs go, and what it reports back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from enhance.engines.base import Engine, EngineOptions
from enhance.external import ExternalModel
from hggt_desktop.core.labels import ORIGINAL_FOLDER

# The folder of the unenhanced copies: the set layout names it, the core owns the name.
ORIGINAL = ORIGINAL_FOLDER


@dataclass(frozen=True)
class ModelSpec:
    """One enhancer of the run: its id ("01".."04"), file and content hash.

    For an external command (``external`` set), ``path`` is where it was described and
    ``sha256`` the description's digest.
    """

    model_id: str
    path: Path
    sha256: str
    external: ExternalModel | None = None


@dataclass(frozen=True)
class RunOptions:
    """Everything about a run except the folders and models."""

    tile: int = 512
    overlap: int = 32
    batch: int = 1
    precision: str = "fp32"
    provider: str = "auto"
    devices: tuple[int, ...] = (0,)
    streams: int = 0  # concurrent engine calls per device on the CPU; 0: the engine chooses
    scale: int = 1  # the models' scale; > 1: super-resolution outputs in one flat folder
    from_ground_truth: bool = False  # shrink each photo by ``scale`` before the model
    readers: int = 2
    writers: int = 2
    queue_size: int = 3

    def pixel_options(self) -> dict:
        """The options that change output pixels (what the manifest compares)."""
        options: dict = {"tile": self.tile, "overlap": self.overlap, "precision": self.precision}
        if self.scale != 1:  # absent at scale 1, so manifests of earlier runs still match
            options.update(scale=self.scale, from_ground_truth=self.from_ground_truth)
        return options


@dataclass
class RunSummary:
    """What a run did, for the exit code and the benchmark."""

    done: int = 0
    skipped: int = 0
    failed: list[tuple[str, str, str]] = field(default_factory=list)
    fatal: list[str] = field(default_factory=list)
    interrupted: bool = False
    engine_busy_s: float = 0.0
    megapixels: float = 0.0


class Reporter:
    """Receives progress from the worker threads; the CLI draws a bar and/or JSON lines."""

    def started(self, total: int, skipped: int) -> None: ...

    def engine_opened(self, model_id: str, device: int, description: str) -> None: ...

    def finished_one(self, model_id: str, image: str, ok: bool, message: str = "") -> None: ...


EngineFactory = Callable[[Path, EngineOptions], Engine]


def output_path(out_dir: Path, model_id: str, image_name: str, flat: bool = False) -> Path:
    """Where an output goes: ``original/<stem>.png`` or ``<id>/<stem>_<id>.png``; ``flat`` (the
    super-resolution outputs of ``--scale N``): ``<stem>_<id>.png`` in ``out_dir`` itself."""
    stem = Path(image_name).stem
    if flat:
        return out_dir / f"{stem}_{model_id}.png"
    if model_id == ORIGINAL:
        return out_dir / ORIGINAL / f"{stem}.png"
    return out_dir / model_id / f"{stem}_{model_id}.png"
