"""Tiling: tiled output equals untiled output for local models, and RCAN shows no seam."""

import numpy as np
import pytest

from enhance.tiling import TilingError, plan_tiles, run_untiled, tile_image
from tests.enhance.models import LocalNet, smooth_image, tiny_rcan, torch_infer


@pytest.mark.parametrize(
    ("size", "tile", "overlap", "batch"),
    [
        ((70, 90), 32, 12, 1),  # many tiles, odd last positions
        ((70, 90), 48, 16, 3),  # batches with a short last batch
        ((53, 61), 40, 12, 4),
        ((30, 20), 64, 16, 1),  # tile larger than the image
        ((9, 13), 32, 12, 2),  # tile much larger than a tiny image
        ((101, 37), 36, 12, 2),
    ],
)
def test_tiled_equals_untiled_when_receptive_field_fits_in_overlap(size, tile, overlap, batch):
    assert LocalNet.RADIUS <= overlap // 4
    infer = torch_infer(LocalNet().eval())
    image = smooth_image(*size)
    tiled = tile_image(image, tile, overlap, infer, batch=batch)
    untiled = run_untiled(image, overlap, infer)
    assert tiled.shape == image.shape
    assert np.abs(tiled.astype(int) - untiled.astype(int)).max() <= 1


def test_every_tile_has_the_same_shape_and_covers_the_image():
    plan = plan_tiles(70, 90, 32, 12)
    assert plan.count > 4
    for index in range(plan.count):
        y, x = plan.origin(index)
        assert 0 <= y <= plan.canvas_height - 32 and 0 <= x <= plan.canvas_width - 32
    ys = sorted(set(plan.starts_y))
    assert all(b - a <= 32 - 12 for a, b in zip(ys, ys[1:], strict=False))


def test_tile_not_larger_than_twice_the_overlap_is_refused():
    with pytest.raises(TilingError):
        plan_tiles(100, 100, 32, 16)


def test_rcan_tiled_shows_no_visible_seam():
    # Channel attention sees the whole tile, so tiles cannot be exact; blending must hide it.
    infer = torch_infer(tiny_rcan())
    image = smooth_image(96, 120)
    tiled = tile_image(image, 48, 16, infer).astype(int)
    untiled = run_untiled(image, 16, infer).astype(int)
    diff = np.abs(tiled - untiled)
    assert diff.max() <= 3
    # No seam: the step across any column is no rougher than in the untiled output.
    jump_tiled = np.abs(np.diff(tiled, axis=1)).mean(axis=(0, 2))
    jump_untiled = np.abs(np.diff(untiled, axis=1)).mean(axis=(0, 2))
    assert np.max(jump_tiled - jump_untiled) <= 1.0


def test_overlap_smaller_than_receptive_field_shows_seams():
    # Control for the test above: with a dead zone (overlap // 4) below the receptive radius,
    # tile edges leak into the blend, so the equality above is a real check.
    infer = torch_infer(LocalNet().eval())
    image = smooth_image(70, 90)
    tiled = tile_image(image, 32, 4, infer).astype(int)
    assert np.abs(tiled - run_untiled(image, 4, infer).astype(int)).max() > 1
