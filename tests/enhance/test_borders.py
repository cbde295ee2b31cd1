"""The runner's outputs equal one plain call of the model on the whole photo, borders included."""

from pathlib import Path

import numpy as np
import pytest
import torch

from enhance.job import ModelSpec, RunOptions, output_path
from enhance.runner import Runner
from hggt_desktop.core.images import read_image
from tests.enhance.models import LocalNet, make_folder


class LocalEngine:
    """The three-layer CNN as an engine (the runner's factory interface), two streams."""

    description = "LocalNet on the CPU"
    streams = 2

    def __init__(self) -> None:
        self.model = LocalNet().eval()

    def infer(self, batch: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return self.model(torch.from_numpy(batch)).numpy()

    def close(self) -> None:
        pass


def _plain_call(image: np.ndarray) -> np.ndarray:
    with torch.inference_mode():
        out = LocalNet().eval()(torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255.0)
    return np.clip(np.rint(out[0].permute(1, 2, 0).numpy() * 255.0), 0, 255).astype(np.uint8)


@pytest.mark.parametrize(("tile", "overlap", "batch"), [(32, 12, 1), (48, 16, 3), (128, 32, 2)])
def test_runner_output_equals_a_plain_untiled_call_at_the_borders_too(tmp_path, tile, overlap, batch):
    names = make_folder(tmp_path / "in", 3, size=(45, 70))  # 45x70, 46x70, 47x70
    spec = ModelSpec("01", Path("local.pth"), "0" * 64)
    options = RunOptions(tile=tile, overlap=overlap, batch=batch, provider="cpu")
    summary = Runner(
        tmp_path / "in", tmp_path / "out", names, [spec], options, lambda *_: LocalEngine()
    ).run()
    assert summary.done == 6 and not summary.failed
    for name in names:
        expected = _plain_call(read_image(tmp_path / "in" / name)).astype(int)
        got = read_image(output_path(tmp_path / "out", "01", name)).astype(int)
        diff = np.abs(got - expected)
        assert diff.max() <= 1
        # The outer rows and columns, where the runner used to differ (reflection vs zero padding).
        edges = np.concatenate(
            [diff[:3].ravel(), diff[-3:].ravel(), diff[:, :3].ravel(), diff[:, -3:].ravel()]
        )
        assert (edges > 0).mean() < 0.01
