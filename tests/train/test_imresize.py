"""MATLAB-style bicubic: values worked out by hand from the kernel definition (a = -0.5, antialiased).

Halving a 4-sample signal: output 1 sits at input coordinate u = 1/0.5 + 0.5 * (1 - 2) = 1.5
(1-based); the antialiased kernel is 0.5 * cubic(0.5 * d) over taps at distances
d = 3.5, 2.5, 1.5, 0.5, -0.5, ... giving cubic(1.75) = -0.0234375, cubic(1.25) = -0.0703125,
cubic(0.75) = 0.2265625, cubic(0.25) = 0.8671875 (normalised: halved, since they sum to 2).
The taps at 1-based indices -2, -1, 0 mirror onto samples 3, 2, 1 and index 5 onto sample 4,
so out[0] = 0.546875 s0 + 0.3984375 s1 + 0.1015625 s2 - 0.046875 s3, and out[1] is its mirror.
"""

from __future__ import annotations

import numpy as np

from train.imresize import bicubic_lr, cubic, imresize

HALVE_4 = np.array([[0.546875, 0.3984375, 0.1015625, -0.046875], [-0.046875, 0.1015625, 0.3984375, 0.546875]])


def test_kernel_values_from_its_definition() -> None:
    x = np.array([0.0, 0.25, 0.75, 1.0, 1.25, 1.75, 2.0, 2.5])
    expected = [1.0, 0.8671875, 0.2265625, 0.0, -0.0703125, -0.0234375, 0.0, 0.0]
    np.testing.assert_allclose(cubic(x), expected, atol=1e-12)


def test_halving_a_row_uses_the_hand_computed_weights() -> None:
    row = np.array([[10.0, 20.0, 30.0, 40.0]])
    # 5.46875 + 7.96875 + 3.046875 - 1.875, and -0.46875 + 2.03125 + 11.953125 + 21.875
    np.testing.assert_allclose(imresize(row, 0.5), [[14.609375, 35.390625]], atol=1e-12)


def test_halving_an_image_is_separable_in_height_then_width() -> None:
    image = np.random.default_rng(0).random((4, 4, 3)) * 255
    expected = np.einsum("ah,bw,hwc->abc", HALVE_4, HALVE_4, image)
    np.testing.assert_allclose(imresize(image, 0.5), expected, atol=1e-9)


def test_flat_images_stay_flat_and_sides_round_up() -> None:
    flat = np.full((10, 7), 77.0)
    out = imresize(flat, 1 / 3)
    assert out.shape == (4, 3)
    np.testing.assert_allclose(out, 77.0, atol=1e-9)


def test_benchmark_lr_crops_to_a_multiple_of_the_factor_and_rounds() -> None:
    hr = np.random.default_rng(1).integers(0, 256, (13, 18, 3), dtype=np.uint8)
    lr = bicubic_lr(hr, 4)
    assert lr.shape == (3, 4, 3) and lr.dtype == np.uint8
    np.testing.assert_array_equal(lr, np.clip(np.round(imresize(hr[:12, :16], 0.25)), 0, 255))
