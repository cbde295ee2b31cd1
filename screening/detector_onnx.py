"""R(x) as the number of confident detections of a user's ONNX object detector.

DiverSeg's alternative to SAM counts Detic (ViT-B) detections (threshold 18 objects). Detectors
export with many interfaces; the one supported here: one float32 input ``1x3xHxW``, RGB scaled
to [0, 1] (a fixed H, W in the model is honoured by resizing, a symbolic one gets the image as
is), and an output named ``scores`` (any shape; one score per detection), or else the first
output laid out as detection rows ``[x0, y0, x1, y1, score, ...]``. R(x) = detections whose
score is at least ``score_threshold``.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from screening.sam_onnx import SamModelError, open_session

DEFAULT_SCORE = 0.5


class DetectionCounter:
    """Counts detections above a score with an ONNX detector."""

    def __init__(self, path: Path, score_threshold: float = DEFAULT_SCORE) -> None:
        self.path, self.score_threshold = path, score_threshold
        self.session = open_session(path)
        inputs = self.session.get_inputs()
        if len(inputs) != 1 or len(inputs[0].shape) != 4:
            raise SamModelError(f"{path}: not a supported detector (wants one 1x3xHxW float input)")
        self.input = inputs[0]
        names = [o.name for o in self.session.get_outputs()]
        self.output = "scores" if "scores" in names else names[0]

    def count(self, rgb: np.ndarray) -> int:
        height, width = self.input.shape[2:]
        if isinstance(height, int) and isinstance(width, int):
            rgb = cv2.resize(rgb, (width, height), interpolation=cv2.INTER_LINEAR)
        tensor = (rgb.astype(np.float32) / 255.0).transpose(2, 0, 1)[None]
        out = np.asarray(self.session.run([self.output], {self.input.name: tensor})[0], dtype=np.float64)
        if self.output != "scores":
            if out.ndim < 2 or out.shape[-1] < 5:
                raise SamModelError(
                    f"{self.path}: output {self.output!r} is neither 'scores' nor rows of [x0, y0, x1, y1, score, ...]"
                )
            out = out[..., 4]
        return int(np.count_nonzero(out >= self.score_threshold))
