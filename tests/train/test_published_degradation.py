"""The published degradation choices (BasicSR's DiffJPEG, Poisson levels, resize by scale factor),
each against values computed by hand from its definition, and their alternatives."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from train.config import Config
from train.degradations import add_noise, degrade, draw_kernel, jpeg_quality, poisson_levels, random_resize
from train.jpeg import diffjpeg_batch, jpeg_batch, published_tables, quality_tables


def test_published_tables_are_transposed_and_scaled_without_rounding() -> None:
    luma, chroma = published_tables(torch.tensor([75.0, 80.5, 40.0]))
    # q = 75: factor (200 - 150) / 100 = 0.5; BasicSR's table is the standard one transposed,
    # so [0, 1] is the standard [1][0] = 12 and [1, 0] the standard [0][1] = 11.
    assert luma[0, 0, 0].item() == 8.0 and luma[0, 0, 1].item() == 6.0 and luma[0, 1, 0].item() == 5.5
    # q = 80.5: factor 0.39, kept unrounded: 16 * 0.39 = 6.24 (libjpeg at 80 would store 6)
    assert luma[1, 0, 0].item() == pytest.approx(6.24)
    assert chroma[1, 0, 3].item() == pytest.approx(47 * 0.39) and chroma[1, 3, 0].item() == pytest.approx(
        47 * 0.39
    )
    # below 50: factor 5000 / q / 100 = 1.25 at q = 40, and no clamp to 255
    assert chroma[2, 7, 7].item() == pytest.approx(99 * 1.25)
    assert quality_tables(torch.tensor([80]))[0][0, 0, 0].item() == 6.0


def test_a_flat_image_comes_back_as_its_quantised_dc_by_hand() -> None:
    # Flat gray 200: the DC coefficient of an orthonormal 8x8 DCT is 8 * (200 - 128) = 576.
    image = torch.full((1, 3, 16, 16), 200 / 255)
    # q = 77.3: factor 0.454, table 16 * 0.454 = 7.264; round(576 / 7.264) = 79 -> 79 * 7.264 / 8 + 128.
    expected = (79 * 7.264 / 8 + 128) / 255
    out = diffjpeg_batch(image, torch.tensor([77.3]))
    assert out.shape == image.shape
    assert torch.allclose(out, torch.full_like(out, expected), atol=1e-5)
    # libjpeg at 77 stores floor((16 * 46 + 50) / 100) = 7: round(576 / 7) = 82 -> 82 * 7 / 8 + 128.
    libjpeg = jpeg_batch(image, torch.tensor([77]))
    assert torch.allclose(libjpeg, torch.full_like(libjpeg, (82 * 7 / 8 + 128) / 255), atol=1e-5)


def test_diffjpeg_keeps_odd_sizes_and_stays_close_to_a_real_codec() -> None:
    yy, xx = torch.meshgrid(torch.arange(20.0), torch.arange(27.0), indexing="ij")
    smooth = torch.stack([0.5 + 0.3 * torch.sin(xx / 5 + k) * torch.cos(yy / 7) for k in range(3)])
    image = torch.stack([smooth, smooth.flip(-1)])  # (2, 3, 20, 27): padded to 32x32 inside
    out = diffjpeg_batch(image, torch.tensor([75.0, 95.0]))
    assert out.shape == image.shape and 0 <= out.min() and out.max() <= 1
    errors = (out - image).abs().mean(dim=(1, 2, 3))
    assert errors[1] < errors[0] < 0.02  # higher quality, closer to the input
    libjpeg = jpeg_batch(image, torch.tensor([75, 95]))
    assert (out - libjpeg).abs().mean() < 0.02


def test_published_quality_is_a_continuous_draw_in_the_range() -> None:
    cfg = Config()
    quality = jpeg_quality(cfg, 1000, torch.Generator().manual_seed(3), torch.device("cpu"))
    by_hand = torch.rand(1000, generator=torch.Generator().manual_seed(3)) * 20 + 75
    assert torch.equal(quality, by_hand)
    assert 75 <= quality.min() and quality.max() <= 95 and (quality != quality.round()).float().mean() > 0.99
    whole = jpeg_quality(Config(jpeg="libjpeg"), 1000, torch.Generator().manual_seed(3), torch.device("cpu"))
    assert torch.equal(whole, whole.round()) and set(whole.tolist()) <= set(range(75, 96))


@pytest.mark.parametrize(("distinct", "levels"), [(1, 1), (2, 2), (3, 4), (100, 128), (129, 256), (256, 256)])
def test_poisson_levels_are_the_next_power_of_two_of_the_distinct_values(distinct: int, levels: int) -> None:
    values = torch.arange(distinct, dtype=torch.float32) / 255.0
    image = values.repeat(3 * 16 * 16 // distinct + 1)[: 3 * 16 * 16].view(1, 3, 16, 16)
    assert poisson_levels(image).view(-1).tolist() == [float(levels)]
    assert levels == 2 ** math.ceil(math.log2(distinct))


def test_published_poisson_noise_uses_those_levels() -> None:
    # Two values only: 2 levels, so the noise of 0.5 is poisson(0.5 * 2 / 255 ... ) / 2: steps of 1/2.
    image = torch.zeros(1, 3, 32, 32)
    image[..., 16:] = 1.0
    cfg = Config(gaussian_noise_prob=0.0, gray_noise_prob=0.0, poisson_scale=[1.0, 1.0])
    noisy = add_noise(image, cfg, torch.Generator().manual_seed(0), torch.Generator().manual_seed(0))
    # poisson(1.0 * 2) / 2 - 1.0 is a multiple of 1/2; clipped to [0, 1], so 0, 0.5 or 1.
    assert set(noisy[..., 16:].unique().tolist()) <= {0.0, 0.5, 1.0} and noisy[..., 16:].min() < 1.0
    assert noisy[..., :16].abs().max() == 0  # poisson(0) is 0
    eight_bit = add_noise(
        image,
        Config(gaussian_noise_prob=0.0, gray_noise_prob=0.0, poisson_scale=[1.0, 1.0], poisson_levels="8bit"),
        torch.Generator().manual_seed(0),
        torch.Generator().manual_seed(0),
    )
    assert len(eight_bit[..., 16:].unique()) > 3  # steps of 1/255


@pytest.mark.parametrize("scale", [0.8, 0.83, 0.9, 0.95, 0.999, 1.0, 1.05, 1.11, 1.2])
@pytest.mark.parametrize("width", [512, 133, 37])
def test_resize_by_scale_factor_samples_where_basicsr_does(scale: float, width: int) -> None:
    # A horizontal ramp: bilinear interpolation of a line is exact, so each output pixel holds
    # the input coordinate it sampled (clamped at the borders).
    ramp = torch.arange(width, dtype=torch.float64).view(1, 1, 1, width).expand(1, 1, 4, width)
    out_w = math.floor(width * scale)
    for by, step in (("published", 1 / scale), ("size", width / out_w)):
        out = random_resize(ramp, scale, "bilinear", by)
        assert out.shape[-1] == out_w
        coords = np.clip((np.arange(out_w) + 0.5) * step - 0.5, 0, width - 1)
        np.testing.assert_allclose(out[0, 0, 0].numpy(), coords, atol=1e-9)
    for mode in ("area", "bicubic"):
        assert random_resize(ramp, scale, mode, "published").shape[-1] == out_w


def test_degrade_runs_with_either_choice_and_they_differ() -> None:
    originals = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    out = {}
    for name, cfg in (
        ("published", Config()),
        ("own", Config(jpeg="libjpeg", poisson_levels="8bit", random_resize="size")),
    ):
        kernels = torch.from_numpy(np.stack([draw_kernel(np.random.default_rng(1), cfg) for _ in range(2)]))
        out[name] = degrade(
            originals, kernels, cfg, torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
        )
        assert out[name].shape == (2, 3, 16, 16)
    assert not torch.equal(out["published"], out["own"])
