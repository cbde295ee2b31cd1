"""SAM's automatic mask generator in numpy: the point grid, the two filters and box NMS.

What DiverSeg counts as R(x) (screening.md): a ``points_per_side`` x ``points_per_side`` grid of
single foreground points, three masks per point, kept when the predicted IoU is at least
``pred_iou_thresh`` and the stability score at least ``stability_score_thresh``, then
non-maximum suppression on the masks' boxes at ``box_nms_thresh``, highest predicted IoU first.
Defaults are SAM 1's (``SamAutomaticMaskGenerator``); one crop, no small-region removal, as there.
The official code uses ``torchvision.ops.batched_nms``; this is the same greedy NMS in numpy.
These functions are pure (arrays in, arrays out); :mod:`screening.sam_onnx` runs the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MaskGeneratorSettings:
    """SAM 1's ``SamAutomaticMaskGenerator`` defaults (SAM 2 uses pred_iou_thresh 0.8)."""

    points_per_side: int = 32
    points_per_batch: int = 64
    pred_iou_thresh: float = 0.88
    stability_score_thresh: float = 0.95
    stability_score_offset: float = 1.0
    mask_threshold: float = 0.0
    box_nms_thresh: float = 0.7


def point_grid(points_per_side: int) -> np.ndarray:
    """``(n*n, 2)`` points ``(x, y)`` in [0, 1], cell centres, x varying fastest (SAM's build_point_grid)."""
    offset = 1 / (2 * points_per_side)
    one_side = np.linspace(offset, 1 - offset, points_per_side)
    xs = np.tile(one_side[None, :], (points_per_side, 1))
    ys = np.tile(one_side[:, None], (1, points_per_side))
    return np.stack([xs, ys], axis=-1).reshape(-1, 2)


def stability_scores(logits: np.ndarray, mask_threshold: float, offset: float) -> np.ndarray:
    """IoU of each mask thresholded at ``threshold + offset`` and at ``threshold - offset``.

    ``logits``: ``(N, H, W)``. The first mask lies inside the second, so the IoU is a ratio of
    areas. An empty second mask scores 0 (SAM's division gives NaN, which no filter keeps).
    """
    inner = np.count_nonzero(logits > mask_threshold + offset, axis=(1, 2))
    outer = np.count_nonzero(logits > mask_threshold - offset, axis=(1, 2))
    return np.divide(inner, outer, out=np.zeros(len(logits)), where=outer > 0)


def mask_boxes(masks: np.ndarray) -> np.ndarray:
    """``(N, 4)`` boxes ``x0, y0, x1, y1`` (inclusive pixel indices) of boolean ``(N, H, W)`` masks.

    An empty mask gets ``[0, 0, 0, 0]``, as SAM's ``batched_mask_to_box``.
    """
    boxes = np.zeros((len(masks), 4), dtype=np.float64)
    rows, cols = masks.any(axis=2), masks.any(axis=1)  # (N, H), (N, W)
    for index in range(len(masks)):
        ys, xs = np.flatnonzero(rows[index]), np.flatnonzero(cols[index])
        if ys.size:
            boxes[index] = (xs[0], ys[0], xs[-1], ys[-1])
    return boxes


def box_iou(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    """IoU of one ``x0, y0, x1, y1`` box with each of ``others`` (areas as torchvision's box_area)."""
    x0 = np.maximum(box[0], others[:, 0])
    y0 = np.maximum(box[1], others[:, 1])
    x1 = np.minimum(box[2], others[:, 2])
    y1 = np.minimum(box[3], others[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1])
    union = area + areas - inter
    return np.divide(inter, union, out=np.zeros(len(others)), where=union > 0)


def box_nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Indices kept by greedy NMS, highest score first; a box goes when its IoU with a kept one exceeds the threshold."""
    order = np.argsort(-scores, kind="stable")
    kept: list[int] = []
    while order.size:
        best = int(order[0])
        kept.append(best)
        rest = order[1:]
        order = rest[box_iou(boxes[best], boxes[rest]) <= iou_threshold]
    return np.asarray(kept, dtype=np.int64)


@dataclass
class MaskCandidates:
    """The masks that passed both filters so far: boxes and predicted IoUs, one row each."""

    boxes: np.ndarray
    iou_predictions: np.ndarray

    @classmethod
    def empty(cls) -> MaskCandidates:
        return cls(np.zeros((0, 4)), np.zeros(0))

    def add(self, logits: np.ndarray, iou_predictions: np.ndarray, settings: MaskGeneratorSettings) -> None:
        """Filter one batch: ``logits`` ``(B, 3, H, W)`` and ``iou_predictions`` ``(B, 3)``."""
        logits = logits.reshape(-1, *logits.shape[-2:])
        predicted = iou_predictions.reshape(-1)
        keep = predicted >= settings.pred_iou_thresh
        logits, predicted = logits[keep], predicted[keep]
        stable = (
            stability_scores(logits, settings.mask_threshold, settings.stability_score_offset)
            >= settings.stability_score_thresh
        )
        logits, predicted = logits[stable], predicted[stable]
        boxes = mask_boxes(logits > settings.mask_threshold)
        self.boxes = np.concatenate([self.boxes, boxes])
        self.iou_predictions = np.concatenate([self.iou_predictions, predicted])

    def count(self, settings: MaskGeneratorSettings) -> int:
        """The number of masks left after box NMS: R(x)."""
        return len(box_nms(self.boxes, self.iou_predictions, settings.box_nms_thresh))
