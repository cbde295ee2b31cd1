"""Blockiness B(x) matches the formula computed independently, and rises with JPEG compression."""

from __future__ import annotations

import json
import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from hggt_desktop.cli.data import main
from hggt_desktop.core.images import read_image, write_image
from hggt_desktop.resources import resource_path
from hggt_desktop.tools.blockiness import BlockinessUndefined, analysed_blocks, blockiness
from hggt_desktop.tools.blockiness_quality import dataset_quality, load_basis

LOSSLESS_PHOTOS = ("astronaut.png", "chelsea.png", "coffee.png")


def dct_matrix() -> np.ndarray:
    """Orthonormal 8-point DCT-II as a matrix, written from its definition."""
    d = np.zeros((8, 8))
    for u in range(8):
        for x in range(8):
            scale = math.sqrt(1 / 8) if u == 0 else math.sqrt(2 / 8)
            d[u, x] = scale * math.cos((2 * x + 1) * u * math.pi / 16)
    return d


def blockiness_by_loops(rgb: np.ndarray) -> float:
    """data-tools.md section 2, one block at a time."""
    gray = cv2.cvtColor(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), cv2.COLOR_BGR2GRAY).astype(np.float64)
    sizes = []
    for side in gray.shape:
        rest = side % 8
        sizes.append((side - rest if rest >= 4 else side - rest - 8) // 8)
    nh, nw = sizes
    d = dct_matrix()

    def variation(offset: int) -> np.ndarray:
        coeff = {}
        for m in range(nh):
            for n in range(nw):
                block = gray[offset + 8 * m : offset + 8 * m + 8, offset + 8 * n : offset + 8 * n + 8]
                coeff[m, n] = d @ block @ d.T
        total = np.zeros((8, 8))
        for m in range(2, nh - 1):
            for n in range(2, nw - 1):
                h = coeff[m, n - 1] + coeff[m, n + 1] - 2 * coeff[m, n]
                v = coeff[m - 1, n] + coeff[m + 1, n] - 2 * coeff[m, n]
                total += np.sqrt(h * h + v * v)
        return total / ((nh - 2) * (nw - 2))

    a, s = variation(0), variation(4)
    return float(np.sum(np.abs(s - a) / a))


def jpeg(rgb: np.ndarray, quality: int) -> np.ndarray:
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


@pytest.mark.parametrize(("height", "width"), [(36, 40), (75, 93), (101, 64), (130, 172)])
def test_matches_an_independent_implementation(height: int, width: int) -> None:
    rng = np.random.default_rng(height * width)
    noise = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    photo = read_image(resource_path("photos", "coffee.png"))[100 : 100 + height, 150 : 150 + width]
    for image in (noise, np.ascontiguousarray(photo), jpeg(np.ascontiguousarray(photo), 40)):
        assert blockiness(image) == pytest.approx(blockiness_by_loops(image), rel=1e-9, abs=1e-9)


def test_analysed_size_follows_the_remainder_rule() -> None:
    assert [analysed_blocks(s) for s in (32, 35, 36, 40, 43, 44, 1356)] == [3, 3, 4, 4, 4, 5, 169]


@pytest.mark.parametrize("name", LOSSLESS_PHOTOS)
def test_rises_monotonically_with_jpeg_compression(name: str) -> None:
    photo = read_image(resource_path("photos", name))
    scores = [blockiness(photo)] + [blockiness(jpeg(photo, q)) for q in (95, 85, 75, 50)]
    assert scores == sorted(scores) and len(set(scores)) == 5


def test_small_and_flat_images_have_no_score() -> None:
    with pytest.raises(BlockinessUndefined, match="too small"):
        blockiness(np.zeros((35, 100, 3), np.uint8))
    with pytest.raises(BlockinessUndefined, match="flat"):
        blockiness(np.full((64, 64, 3), 128, np.uint8))


@pytest.mark.slow
def test_dataset_quality_recognises_the_basis_qualities() -> None:
    basis = load_basis()
    # Every 10th value of a list stands for the whole (and keeps the KDEs quick).
    assert dataset_quality(basis["png"][::10], basis) > 0.95
    assert dataset_quality(basis["q50"][::10], basis) < 0.55
    assert 0.5 <= dataset_quality(basis["q85"][::10], basis) <= 1.0


def test_cli_json_reports_scores_flags_and_undefined(tmp_path: Path, capsys) -> None:
    photo = read_image(resource_path("photos", "coffee.png"))
    write_image(tmp_path / "clean.png", photo)
    write_image(tmp_path / "blocky.png", jpeg(photo, 30))
    write_image(tmp_path / "flat.png", np.zeros((64, 64, 3), np.uint8))
    assert main(["blockiness", str(tmp_path), "--json", "--threshold", "20"]) == 1
    doc = json.loads(capsys.readouterr().out)
    by_name = {Path(i["path"]).name: i for i in doc["images"]}
    assert by_name["blocky.png"]["flagged"] and not by_name["clean.png"]["flagged"]
    assert by_name["flat.png"]["blockiness"] is None
    assert 0.5 <= doc["dataset_quality"] <= 1.0
