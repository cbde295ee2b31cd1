"""Images for degraded catch trials: visibly worse copies of an original (expected Negative)."""

from __future__ import annotations

import cv2
import numpy as np


def degrade(rgb: np.ndarray, kind: str, seed: int) -> np.ndarray:
    """A clearly damaged copy of ``rgb``: ``blur``, ``noise`` or ``jpeg``; deterministic per seed.

    Strong enough that a careful annotator calls it worse than the original at a glance, so a
    Positive or Similar on it means the annotator was not looking.
    """
    if kind == "blur":
        return cv2.GaussianBlur(rgb, (0, 0), sigmaX=2.5)
    if kind == "noise":
        rng = np.random.default_rng(seed)
        noisy = rgb.astype(np.float32) + rng.normal(0.0, 18.0, rgb.shape).astype(np.float32)
        return np.clip(np.rint(noisy), 0, 255).astype(np.uint8)
    if kind == "jpeg":
        bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
        ok, encoded = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 12])
        if not ok:
            raise ValueError("JPEG encoding failed")
        return cv2.cvtColor(cv2.imdecode(encoded, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    raise ValueError(f"unknown degradation {kind!r}; expected blur, noise or jpeg")
