"""Tiling: tiled output equals untiled output for local models, and RCAN shows no seam."""

import numpy as np
import pytest
import torch

from enhance.tiling import TilingError, make_canvas, plan_tiles, run_untiled, tile_image
from tests.enhance.models import LocalNet, smooth_image, tiny_rcan, torch_infer


def _plain_call(model, image: np.ndarray) -> np.ndarray:
    """The model run once on the whole image, as a user would without the tiler."""
    with torch.inference_mode():
        batch = torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255.0
        out = model(batch)[0].permute(1, 2, 0).numpy()
    return np.clip(np.rint(out * 255.0), 0, 255).astype(np.uint8)


@pytest.mark.parametrize(
    ("size", "tile", "overlap", "batch"),
    [
        ((70, 90), 32, 12, 1),  # many tiles, odd last positions
        ((70, 90), 48, 16, 3),  # batches with a short last batch
        ((53, 61), 40, 12, 4),
        ((30, 20), 64, 16, 1),  # tile larger than the image
        ((9, 13), 32, 12, 2),  # tile much larger than a tiny image
        ((101, 37), 36, 12, 2),
        ((33, 200), 32, 12, 2),  # one pixel longer than a tile, many tiles the other way
        ((128, 128), 64, 24, 1),  # sides that are exact multiples of the alignment
        ((1, 50), 32, 12, 1),  # a one-pixel-high image
    ],
)
def test_tiled_equals_a_plain_untiled_call_borders_included(size, tile, overlap, batch):
    # Regression (issue 17): the tiler padded the image by reflection where the model, run
    # untiled, pads every layer with zeros, so the borders were 2 levels off on this network.
    model = LocalNet().eval()
    assert LocalNet.RADIUS <= overlap // 4
    image = smooth_image(*size)
    tiled = tile_image(image, tile, overlap, torch_infer(model), batch=batch)
    plain = _plain_call(model, image)
    assert tiled.shape == image.shape
    diff = np.abs(tiled.astype(int) - plain.astype(int))
    assert diff.max() <= 1
    r = LocalNet.RADIUS
    border = np.ones(size, bool)
    border[r:-r, r:-r] = False
    # Float sums in another order may round a few pixels the other way; no more than that.
    assert (diff[border] > 0).mean() < 0.01
    assert np.array_equal(run_untiled(image, torch_infer(model)), plain)


def test_fixed_shape_tiles_are_exact_on_images_at_least_one_tile_large():
    model = LocalNet().eval()
    image = smooth_image(70, 90)
    plan = plan_tiles(70, 90, 32, 12, fixed=True)
    assert (plan.tile_height, plan.tile_width) == (32, 32)
    tiled = tile_image(image, 32, 12, torch_infer(model), fixed=True)
    assert np.abs(tiled.astype(int) - _plain_call(model, image).astype(int)).max() <= 1


def test_fixed_shape_pads_a_small_image_to_one_tile():
    plan = plan_tiles(9, 40, 32, 12, fixed=True)
    assert (plan.tile_height, plan.tile_width, plan.canvas_height) == (32, 32, 32)
    image = smooth_image(9, 40)
    canvas = make_canvas(image, plan)
    assert canvas.shape == (32, 40, 3) and np.array_equal(canvas[:9], image)
    tiled = tile_image(image, 32, 12, torch_infer(LocalNet().eval()), fixed=True)
    assert tiled.shape == image.shape


def test_every_tile_has_the_same_shape_and_covers_the_image():
    plan = plan_tiles(70, 90, 32, 12)
    assert plan.count > 4 and plan.tile_height <= 32 and plan.tile_width <= 32
    th, tw = plan.tile_height, plan.tile_width
    for index in range(plan.count):
        y, x = plan.origin(index)
        assert 0 <= y <= plan.canvas_height - th and 0 <= x <= plan.canvas_width - tw
    assert plan.starts_y[-1] + th == plan.canvas_height and plan.starts_x[-1] + tw == plan.canvas_width
    ys, xs = plan.starts_y, plan.starts_x
    assert all(b - a <= th - 12 for a, b in zip(ys, ys[1:], strict=False))
    assert all(b - a <= tw - 12 for a, b in zip(xs, xs[1:], strict=False))


@pytest.mark.parametrize(("height", "width"), [(1365, 2048), (2048, 2048), (1080, 1920), (1356, 2040)])
def test_tiles_shrink_to_fit_so_little_is_computed_twice(height, width):
    # The fewest tiles of at most 512 that overlap by 32, each shrunk to fit: a 2K photo must not
    # pay for a last row/column of full 512 tiles (the fixed 512 x 512 grid computed 1.4x).
    plan = plan_tiles(height, width, 512, 32)
    rows = -(-(height + 32 - 32) // (512 - 32))
    cols = -(-(width + 32 - 32) // (512 - 32))
    assert (len(plan.starts_y), len(plan.starts_x)) == (max(rows, 1), max(cols, 1))
    assert plan.tile_height <= 512 and plan.tile_width <= 512
    assert plan.tile_height % 16 == 0 and plan.tile_width % 16 == 0
    computed = plan.count * plan.tile_height * plan.tile_width
    assert computed <= 1.25 * height * width


def test_tile_not_larger_than_twice_the_overlap_is_refused():
    with pytest.raises(TilingError):
        plan_tiles(100, 100, 32, 16)


def test_rcan_tiled_shows_no_visible_seam():
    # Channel attention sees the whole tile, so tiles cannot be exact; blending must hide it.
    infer = torch_infer(tiny_rcan())
    image = smooth_image(96, 120)
    tiled = tile_image(image, 48, 16, infer).astype(int)
    untiled = run_untiled(image, infer).astype(int)
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
    assert np.abs(tiled - run_untiled(image, infer).astype(int)).max() > 1
