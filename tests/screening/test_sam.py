"""R(x) with SAM's automatic mask generator: numpy filters and NMS, and an ONNX pair with SAM's names."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from screening.detector_onnx import DetectionCounter
from screening.sam_masks import (
    MaskCandidates,
    MaskGeneratorSettings,
    box_nms,
    mask_boxes,
    point_grid,
    stability_scores,
)
from screening.sam_onnx import SamMaskCounter, SamModelError, encoder_input
from tests.screening.onnx_models import write_detector, write_quadrant_decoder, write_sam_encoder

DEFAULTS = MaskGeneratorSettings()


def test_point_grid_is_sams_cell_centres_x_fastest() -> None:
    assert point_grid(2).tolist() == [[0.25, 0.25], [0.75, 0.25], [0.25, 0.75], [0.75, 0.75]]
    assert point_grid(32).shape == (1024, 2)


def test_stability_is_the_iou_of_the_masks_at_plus_and_minus_the_offset() -> None:
    logits = np.full((3, 4, 4), -5.0)
    logits[0, :2, :2] = 5.0  # sharp: 4 pixels above +1, the same 4 above -1 -> 1.0
    logits[1, 0, :] = [2.0, 0.5, 0.5, -0.5]  # 1 above +1, 4 above -1 -> 0.25
    # logits[2]: nothing above -1 -> 0 (SAM divides 0 by 0: NaN, never kept)
    assert stability_scores(logits, 0.0, 1.0).tolist() == [1.0, 0.25, 0.0]


def test_mask_boxes_are_inclusive_pixel_extents() -> None:
    masks = np.zeros((2, 5, 6), dtype=bool)
    masks[0, 1:3, 2:5] = True
    assert mask_boxes(masks).tolist() == [[2, 1, 4, 2], [0, 0, 0, 0]]


def test_box_nms_by_hand() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [0, 0, 10, 9]], dtype=float)
    scores = np.array([0.9, 0.95, 0.8])
    # B (0.95) first; A overlaps B by 81/119 = 0.68 <= 0.7: kept; C overlaps A by 90/100: dropped.
    assert box_nms(boxes, scores, 0.7).tolist() == [1, 0]
    assert box_nms(boxes, scores, 0.6).tolist() == [1]


def test_filters_run_in_order_on_one_batch() -> None:
    logits = np.full((1, 3, 8, 8), -10.0)
    logits[0, 0, :4, :4] = 10.0  # kept
    logits[0, 1, :4, 4:] = 10.0  # predicted IoU too low
    logits[0, 2, 4:, :] = 0.5  # unstable
    candidates = MaskCandidates.empty()
    candidates.add(logits, np.array([[0.9, 0.5, 0.99]]), DEFAULTS)
    assert candidates.boxes.tolist() == [[0, 0, 3, 3]] and candidates.count(DEFAULTS) == 1


def test_encoder_input_is_resized_normalised_and_padded() -> None:
    tensor, scale = encoder_input(np.full((50, 100, 3), 124, dtype=np.uint8))
    assert tensor.shape == (1, 3, 1024, 1024) and scale.tolist() == [10.24, 10.24]
    assert tensor[0, 0, 0, 0] == pytest.approx((124 - 123.675) / 58.395, rel=1e-5)
    assert tensor[0, :, 512:, :].max() == 0.0  # padding below the 512 resized rows


@pytest.fixture(scope="module")
def sam_pair(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("sam")
    return write_sam_encoder(folder / "encoder.onnx"), write_quadrant_decoder(folder / "decoder.onnx")


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (DEFAULTS, 4),  # the four quadrants, each found by 256 points, one each after NMS
        (replace(DEFAULTS, pred_iou_thresh=0.4), 5),  # + the whole image (IoU with a quadrant 0.25)
        (replace(DEFAULTS, stability_score_thresh=0.0), 6),  # + the two soft halves (0.48 < 0.7)
        (replace(DEFAULTS, box_nms_thresh=1.0), 1024),  # no suppression: every point's quadrant
    ],
)
def test_the_onnx_pair_counts_the_known_masks(sam_pair, settings, expected) -> None:
    image = np.random.default_rng(0).integers(0, 256, (48, 64, 3), dtype=np.uint8)
    assert SamMaskCounter(*sam_pair, settings=settings).count(image) == expected


def test_a_decoder_with_sams_fixed_point_batch_is_run_point_by_point(tmp_path, sam_pair) -> None:
    decoder = write_quadrant_decoder(tmp_path / "decoder1.onnx", batch=1)
    counter = SamMaskCounter(sam_pair[0], decoder, settings=replace(DEFAULTS, points_per_side=4))
    assert counter.batch == 1
    assert counter.count(np.zeros((40, 30, 3), dtype=np.uint8)) == 4


def test_files_that_are_not_a_sam_pair_are_named(tmp_path, sam_pair) -> None:
    encoder, decoder = sam_pair
    with pytest.raises(SamModelError, match="decoder.onnx.*not a SAM image encoder"):
        SamMaskCounter(decoder, decoder)
    with pytest.raises(SamModelError, match="encoder.onnx: not a SAM decoder"):
        SamMaskCounter(encoder, encoder)
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"not onnx")
    with pytest.raises(SamModelError, match="junk.onnx: not a loadable ONNX model"):
        SamMaskCounter(encoder, junk)


@pytest.mark.parametrize("rows", [False, True])
def test_detector_counts_detections_above_the_score(tmp_path, rows) -> None:
    path = write_detector(tmp_path / "det.onnx", [0.9, 0.6, 0.5, 0.4, 0.1], rows=rows)
    image = np.zeros((30, 50, 3), dtype=np.uint8)
    assert DetectionCounter(path).count(image) == 3
    assert DetectionCounter(path, score_threshold=0.65).count(image) == 1
