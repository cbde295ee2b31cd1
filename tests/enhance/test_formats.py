"""Inputs the image policy covers (non-ASCII, 16-bit, gray, alpha) and models beyond scale 1."""

import cv2
import numpy as np
import torch

from enhance.checkpoints import build_model
from enhance.engines.torch_engine import TorchEngine
from enhance.job import ModelSpec, RunOptions, output_path
from enhance.manifest import Manifest
from enhance.runner import Runner
from enhance.tiling import run_untiled, tile_image
from hggt_desktop.core.hashing import sha256_file
from hggt_desktop.core.images import png_info, read_image
from tests.enhance.models import save_pth, smooth_image, tiny_rcan, torch_infer


def test_policy_inputs_are_enhanced_and_transparent_ones_reported(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    rgb = smooth_image(40, 48)
    cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))[1].tofile(str(src / "фото_写真.png"))
    cv2.imencode(".png", (rgb[:, :, ::-1].astype(np.uint16) * 257))[1].tofile(str(src / "deep16.png"))
    cv2.imencode(".png", rgb[:, :, 0])[1].tofile(str(src / "gray.png"))
    rgba = np.dstack([rgb[:, :, ::-1], np.full(rgb.shape[:2], 255, np.uint8)])
    cv2.imencode(".png", rgba)[1].tofile(str(src / "opaque_alpha.png"))
    rgba[0, 0, 3] = 10
    cv2.imencode(".png", rgba)[1].tofile(str(src / "transparent.png"))
    path = save_pth(tiny_rcan(), tmp_path / "rcan.pth")
    names = sorted(p.name for p in src.iterdir())
    spec = ModelSpec("01", path, sha256_file(path))
    options = RunOptions(tile=32, overlap=8, provider="cpu")
    summary = Runner(src, tmp_path / "out", names, [spec], options, TorchEngine.from_checkpoint).run()
    assert {name for _, name, _ in summary.failed} == {"transparent.png"}
    for name in set(names) - {"transparent.png"}:
        copy = output_path(tmp_path / "out", "original", name)
        original = read_image(copy)
        assert np.array_equal(original, read_image(src / name))
        assert read_image(output_path(tmp_path / "out", "01", name)).shape == original.shape
        # The copies are 8-bit RGB PNGs whatever the input was; an 8-bit RGB PNG is copied as is.
        info = png_info(copy)
        assert info is not None and (info.bit_depth, info.color_type) == (8, 2), name
        assert (copy.read_bytes() == (src / name).read_bytes()) == (name == "фото_写真.png"), name
    assert "flatten it" in Manifest(tmp_path / "out")._latest[("transparent.png", "01")]["message"]


def test_two_cpu_workers_give_the_same_outputs_as_one(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for i in range(4):
        cv2.imencode(".png", smooth_image(36, 44, seed=i))[1].tofile(str(src / f"i{i}.png"))
    path = save_pth(tiny_rcan(), tmp_path / "rcan.pth")
    spec = ModelSpec("01", path, sha256_file(path))
    names = sorted(p.name for p in src.iterdir())
    for out, devices in (("one", (0,)), ("two", (0, 1))):
        options = RunOptions(tile=32, overlap=8, provider="cpu", devices=devices)
        assert (
            Runner(src, tmp_path / out, names, [spec], options, TorchEngine.from_checkpoint).run().done == 8
        )
    for name in names:
        one = read_image(output_path(tmp_path / "one", "01", name))
        assert np.array_equal(one, read_image(output_path(tmp_path / "two", "01", name)))


def test_rrdbnet_x4_checkpoint_is_tiled_at_its_scale(tmp_path):
    from enhance.archs.rrdbnet import RRDBNet

    torch.manual_seed(0)
    model = RRDBNet(num_feat=8, num_block=1, num_grow_ch=4).eval()
    loaded, arch, config = build_model(save_pth(model, tmp_path / "rrdb.pth"))
    assert arch == "rrdbnet" and config["num_block"] == 1
    image = smooth_image(30, 44)
    tiled = tile_image(image, 32, 12, torch_infer(loaded), batch=2)
    assert tiled.shape == (120, 176, 3)
    untiled = run_untiled(image, torch_infer(loaded))
    assert np.abs(tiled.astype(int) - untiled.astype(int)).mean() < 1.0
