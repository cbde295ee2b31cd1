"""R(x) with a user's SAM encoder/decoder ONNX pair, run by ONNX Runtime (imported only here).

The interface is that of SAM's own ONNX exporter (``scripts/export_onnx_model.py`` with
``return_single_mask=False``): the decoder takes ``image_embeddings``, ``point_coords``,
``point_labels``, ``mask_input``, ``has_mask_input`` and ``orig_im_size`` and returns ``masks``
(logits at the original size), ``iou_predictions`` and ``low_res_masks``, three masks per point.
The encoder (exported separately) takes one ``1x3x1024x1024`` float input: the image resized to
a 1024 px long side, normalised with SAM's pixel mean and deviation, padded bottom-right with 0,
and returns ``1x256x64x64`` embeddings. Points are given in the 1024 frame, each with SAM's
padding point (0, 0) labelled -1, as SAM's ONNX example does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np

from screening.sam_masks import MaskCandidates, MaskGeneratorSettings, point_grid

ENCODER_SIDE = 1024
PIXEL_MEAN = np.array([123.675, 116.28, 103.53], dtype=np.float32)
PIXEL_STD = np.array([58.395, 57.12, 57.375], dtype=np.float32)
DECODER_INPUTS = (
    "image_embeddings",
    "point_coords",
    "point_labels",
    "mask_input",
    "has_mask_input",
    "orig_im_size",
)


class SamModelError(RuntimeError):
    """The ONNX files are missing, unreadable or do not have SAM's interface; the message names the file."""


def open_session(path: Path) -> Any:
    """An ONNX Runtime CPU (or CUDA, where present) session, with the file named on failure."""
    try:
        import onnxruntime as ort
    except ImportError as exc:
        raise SamModelError(
            "ONNX Runtime is not installed: pip install onnxruntime (or the project's [enhance] extra)"
        ) from exc
    if not Path(path).is_file():
        raise SamModelError(f"{path}: no such model file")
    providers = [
        p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in ort.get_available_providers()
    ]
    try:
        return ort.InferenceSession(str(path), providers=providers)
    except Exception as exc:  # ONNX Runtime raises its own types for every kind of bad file
        raise SamModelError(f"{path}: not a loadable ONNX model ({str(exc).splitlines()[0][:200]})") from exc


def encoder_input(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(1, 3, 1024, 1024)`` float32 encoder input, and the ``(x, y)`` scale from the image to the
    1024 frame (SAM's ResizeLongestSide: sides rounded, each axis scaled by its own ratio)."""
    height, width = rgb.shape[:2]
    scale = ENCODER_SIDE / max(height, width)
    new_h, new_w = int(height * scale + 0.5), int(width * scale + 0.5)
    resized = cv2.resize(rgb, (new_w, new_h), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    padded = np.zeros((ENCODER_SIDE, ENCODER_SIDE, 3), dtype=np.float32)
    padded[:new_h, :new_w] = (resized - PIXEL_MEAN) / PIXEL_STD
    return padded.transpose(2, 0, 1)[None], np.array([new_w / width, new_h / height])


class SamMaskCounter:
    """Counts SAM's automatic masks of an image with an encoder/decoder ONNX pair."""

    def __init__(self, encoder: Path, decoder: Path, settings: MaskGeneratorSettings | None = None) -> None:
        self.settings = settings = settings or MaskGeneratorSettings()
        self.encoder = open_session(encoder)
        self.decoder = open_session(decoder)
        names = {i.name for i in self.decoder.get_inputs()}
        missing = [n for n in DECODER_INPUTS if n not in names]
        if missing:
            raise SamModelError(
                f"{decoder}: not a SAM decoder (inputs {sorted(names)}; missing {missing}); export it with "
                "SAM's scripts/export_onnx_model.py --return-single-mask off, or samexporter"
            )
        encoder_inputs = self.encoder.get_inputs()
        if len(encoder_inputs) != 1 or len(encoder_inputs[0].shape) != 4:
            raise SamModelError(f"{encoder}: not a SAM image encoder (wants one 1x3x1024x1024 input)")
        self.encoder_input = encoder_inputs[0].name
        outputs = [o.name for o in self.decoder.get_outputs()]
        self.outputs = (
            ["masks", "iou_predictions"] if {"masks", "iou_predictions"} <= set(outputs) else outputs[:2]
        )
        # SAM's own exporter fixes the point batch at 1; a symbolic first axis takes a batch of points.
        batch_axis = next(i for i in self.decoder.get_inputs() if i.name == "point_coords").shape[0]
        self.batch = settings.points_per_batch if not isinstance(batch_axis, int) else 1

    def embeddings(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        tensor, scale = encoder_input(rgb)
        return self.encoder.run(None, {self.encoder_input: tensor})[0], scale

    def count(self, rgb: np.ndarray) -> int:
        """R(x): masks kept by the filters and box NMS with the settings' defaults."""
        height, width = rgb.shape[:2]
        embeddings, scale = self.embeddings(rgb)
        points = point_grid(self.settings.points_per_side) * np.array([width, height]) * scale
        candidates = MaskCandidates.empty()
        fixed = {
            "image_embeddings": embeddings.astype(np.float32),
            "mask_input": np.zeros((1, 1, 256, 256), dtype=np.float32),
            "has_mask_input": np.zeros(1, dtype=np.float32),
            "orig_im_size": np.array([height, width], dtype=np.float32),
        }
        for start in range(0, len(points), self.batch):
            batch = points[start : start + self.batch]
            # (B, 2, 2): the grid point (label 1) and SAM's padding point (0, 0) with label -1.
            coords = np.zeros((len(batch), 2, 2), dtype=np.float32)
            coords[:, 0] = batch
            labels = np.tile(np.array([[1, -1]], dtype=np.float32), (len(batch), 1))
            masks, iou = self.decoder.run(
                self.outputs, {**fixed, "point_coords": coords, "point_labels": labels}
            )
            candidates.add(np.asarray(masks), np.asarray(iou), self.settings)
        return candidates.count(self.settings)
