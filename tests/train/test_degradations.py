"""The degradation pipeline: kernels, batched JPEG and the LR it produces."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from train.config import Config
from train.degradations import degrade, draw_kernel
from train.jpeg import jpeg_batch


def test_kernels_are_9x9_normalised_and_reproducible() -> None:
    cfg = Config()
    for seed in range(50):
        kernel = draw_kernel(np.random.default_rng(seed), cfg)
        assert kernel.shape == (9, 9) and abs(kernel.sum() - 1) < 1e-5
        np.testing.assert_array_equal(kernel, draw_kernel(np.random.default_rng(seed), cfg))
    sinc = draw_kernel(np.random.default_rng(0), Config(sinc_prob=1.0))
    assert (sinc < 0).any()  # a jinc has negative lobes, Gaussians do not


def test_batched_jpeg_is_close_to_libjpeg_per_sample_quality() -> None:
    yy, xx = np.mgrid[0:40, 0:56]
    image = np.stack([(xx * 4) % 256, (yy * 6) % 256, ((xx + yy) * 3) % 256], -1).astype(np.uint8)
    batch = torch.from_numpy(image).permute(2, 0, 1)[None].float().repeat(2, 1, 1, 1) / 255
    ours = jpeg_batch(batch, torch.tensor([75, 95]))
    for i, quality in enumerate((75, 95)):
        _, encoded = cv2.imencode(
            ".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality]
        )
        reference = cv2.cvtColor(cv2.imdecode(encoded, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB).astype(
            np.float64
        )
        mine = ours[i].permute(1, 2, 0).numpy() * 255
        mse = np.mean((mine - reference) ** 2)
        assert 10 * np.log10(255**2 / mse) > 35  # same codec up to rounding details
    assert not torch.equal(ours[0], ours[1])


@pytest.mark.slow
def test_degrade_gives_quarter_size_8bit_and_is_deterministic() -> None:
    cfg = Config()
    originals = torch.rand(3, 3, 64, 48)
    kernels = torch.from_numpy(np.stack([draw_kernel(np.random.default_rng(i), cfg) for i in range(3)]))

    def run() -> torch.Tensor:
        return degrade(
            originals, kernels, cfg, torch.Generator().manual_seed(1), torch.Generator().manual_seed(2)
        )

    lr = run()
    assert lr.shape == (3, 3, 16, 12)
    torch.testing.assert_close(lr * 255, torch.round(lr * 255), rtol=0, atol=1e-4)
    assert torch.equal(lr, run())
