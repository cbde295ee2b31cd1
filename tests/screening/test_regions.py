"""The default R(x): a graph-segmentation count steady across resolution, higher for clutter than sky."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from hggt_desktop.cli.data import main
from hggt_desktop.core.images import read_image, write_image
from hggt_desktop.resources import resource_path
from screening.regions import RegionCountError, region_count


def at_long_side(rgb: np.ndarray, side: int) -> np.ndarray:
    height, width = rgb.shape[:2]
    scale = side / max(height, width)
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return cv2.resize(rgb, (round(width * scale), round(height * scale)), interpolation=interpolation)


def sky(height: int = 384, width: int = 512) -> np.ndarray:
    """A blue gradient with two soft clouds and faint sensor noise."""
    rows = np.linspace(0, 1, height)[:, None, None]
    image = (1 - rows) * np.array([70, 120, 200]) + rows * np.array([160, 200, 240])
    image = np.broadcast_to(image, (height, width, 3)).copy()
    for cx, cy, r in ((140, 110, 60), (360, 160, 80)):
        yy, xx = np.mgrid[:height, :width]
        image += 40 * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r**2))[..., None]
    image += np.random.default_rng(0).normal(0, 1.5, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def street(height: int = 384, width: int = 512) -> np.ndarray:
    """Clutter: many overlapping objects of different colours and sizes."""
    rng = np.random.default_rng(1)
    image = np.full((height, width, 3), 90, np.uint8)
    for _ in range(150):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        w, h = int(rng.integers(8, 60)), int(rng.integers(8, 60))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            cv2.rectangle(image, (x, y), (x + w, y + h), colour, -1)
        else:
            cv2.circle(image, (x, y), w // 2, colour, -1)
    return image


@pytest.mark.parametrize("name", ["astronaut.png", "coffee.png", "rocket.jpg"])
def test_the_count_is_steady_across_resolution(name: str) -> None:
    photo = read_image(resource_path("photos", name))
    small, large = region_count(at_long_side(photo, 512)), region_count(at_long_side(photo, 2048))
    assert abs(large - small) <= 0.2 * small


def test_a_cluttered_street_counts_more_than_a_sky() -> None:
    assert region_count(street()) > 3 * max(region_count(sky()), 1)
    assert region_count(read_image(resource_path("photos", "astronaut.png"))) > region_count(sky())


def test_cli_lists_counts_and_names_bad_files(tmp_path: Path, capsys) -> None:
    write_image(tmp_path / "street.png", street())
    write_image(tmp_path / "sky.png", sky())
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    assert main(["diversity", str(tmp_path), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    by_name = {Path(i["path"]).name: i for i in doc["images"]}
    assert doc["counter"] == "regions" and doc["threshold"] == 80
    assert by_name["street.png"]["objects"] > by_name["sky.png"]["objects"]
    assert by_name["sky.png"]["below"] and by_name["broken.jpg"]["objects"] is None


def test_cli_refuses_bad_counter_options_with_a_message(tmp_path: Path, capsys) -> None:
    write_image(tmp_path / "a.png", sky(64, 64))
    assert main(["diversity", str(tmp_path), "--segmenter", "sam", str(tmp_path / "enc.onnx")]) == 2
    assert "ENCODER.onnx DECODER.onnx" in capsys.readouterr().err
    assert main(["diversity", str(tmp_path), "--detector", str(tmp_path / "det.onnx")]) == 2
    assert "det.onnx: no such model file" in capsys.readouterr().err
    assert main(["diversity", str(tmp_path / "nothing")]) == 2
    assert "no images" in capsys.readouterr().err


def test_a_missing_scikit_image_is_explained(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "skimage.segmentation", None)  # import fails
    with pytest.raises(RegionCountError, match="pip install scikit-image"):
        region_count(sky(64, 64))
