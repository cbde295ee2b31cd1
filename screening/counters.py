"""The three ways to count R(x), chosen on the command line; a spec that worker processes can open.

- ``regions`` (default, no weights): the graph-segmentation proxy of :mod:`screening.regions`;
- ``sam ENCODER.onnx DECODER.onnx``: SAM's automatic masks (:mod:`screening.sam_onnx`);
- ``detector DETECTOR.onnx``: confident detections (:mod:`screening.detector_onnx`).

ONNX Runtime is imported only when a model is opened.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Each way's own keep threshold: the paper's for SAM (100 masks) and Detic (18 detections); the
# proxy's was set by hand (screening.regions).
DEFAULT_THRESHOLDS = {"regions": 80, "sam": 100, "detector": 18}


class CounterError(ValueError):
    """The counting options are not usable; the message says which option and what to give."""


@dataclass(frozen=True)
class CounterSpec:
    """Which way to count, with its model files; picklable, opened once per worker."""

    kind: str = "regions"
    files: tuple[Path, ...] = ()
    score: float = 0.5

    def default_threshold(self) -> int:
        return DEFAULT_THRESHOLDS[self.kind]

    def describe(self) -> str:
        return self.kind if not self.files else f"{self.kind} ({', '.join(p.name for p in self.files)})"

    def open(self) -> Callable[[np.ndarray], int]:
        """A function from an RGB image to R(x); model files are loaded here."""
        if self.kind == "sam":
            from screening.sam_onnx import SamMaskCounter

            return SamMaskCounter(*self.files).count
        if self.kind == "detector":
            from screening.detector_onnx import DetectionCounter

            return DetectionCounter(self.files[0], self.score).count
        from screening.regions import region_count

        return region_count


def add_counter_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--segmenter",
        nargs="+",
        metavar=("KIND", "FILE"),
        default=["regions"],
        help="'regions' (default: graph-segmentation count, no weights) or 'sam ENCODER.onnx DECODER.onnx'",
    )
    parser.add_argument("--detector", type=Path, metavar="DETECTOR.onnx", help="count detections instead")
    parser.add_argument("--score", type=float, default=0.5, help="--detector: minimum detection score (0.5)")


def counter_spec(args: argparse.Namespace) -> CounterSpec:
    """The spec the options ask for; :class:`CounterError` naming the option when they do not fit."""
    kind, *files = args.segmenter
    if args.detector is not None:
        if args.segmenter != ["regions"]:
            raise CounterError("give either --segmenter or --detector, not both")
        kind, files = "detector", [args.detector]
    elif kind == "regions" and files:
        raise CounterError("--segmenter regions takes no files")
    elif kind == "sam" and len(files) != 2:
        raise CounterError("--segmenter sam wants two files: ENCODER.onnx DECODER.onnx")
    elif kind not in ("regions", "sam"):
        raise CounterError(f"--segmenter {kind}: unknown; use 'regions' or 'sam ENCODER.onnx DECODER.onnx'")
    paths = tuple(Path(f) for f in files)
    for path in paths:
        if not path.is_file():
            raise CounterError(f"{path}: no such model file")
    return CounterSpec(kind, paths, args.score)
