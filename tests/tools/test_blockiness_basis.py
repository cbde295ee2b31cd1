"""The shipped Q(X) basis is the DiverSeg authors' DF2K lists, and Q(X) reads JPEG quality with it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from hggt_desktop.cli.data import main
from hggt_desktop.core.images import write_image
from hggt_desktop.resources import resource_path
from hggt_desktop.tools.blockiness import BlockinessUndefined, blockiness
from hggt_desktop.tools.blockiness_quality import QualityError, dataset_quality, load_basis

ROOT = Path(__file__).resolve().parents[2]
PUBLISHED_MEDIANS = {"png": 0.468, "q95": 10.33, "q85": 46.98, "q75": 83.20, "q50": 165.34}
LIST_NAMES = {
    "png": "DF2K.txt",
    "q95": "DF2K_q95.txt",
    "q85": "DF2K_q85.txt",
    "q75": "DF2K_q75.txt",
    "q50": "DF2K_q50.txt",
}


def sample_photos() -> list[np.ndarray]:
    """scikit-image's sample photos (26 images, 102 to 1411 px), as 8-bit BGR."""
    data = pytest.importorskip(
        "skimage.data", reason="scikit-image (a dev dependency) ships the sample photos"
    )
    folder = Path(data.__file__).parent
    photos = [
        cv2.imread(str(p), cv2.IMREAD_COLOR)
        for p in sorted(folder.glob("*.png")) + sorted(folder.glob("*.jpg"))
    ]
    return [p for p in photos if p is not None]


def jpeg(bgr: np.ndarray, quality: int) -> np.ndarray:
    ok, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(data, cv2.IMREAD_COLOR)


def test_the_published_lists_load_value_for_value() -> None:
    basis = load_basis()
    folder = resource_path("blockiness", "df2k")
    for quality, name in LIST_NAMES.items():
        # Parsed here independently: the second tab-separated field of each line, as Python reads it.
        expected = [float(line.split("\t")[1]) for line in (folder / name).read_text().splitlines()]
        assert len(expected) == 3450
        assert basis[quality].tolist() == expected
        assert np.median(basis[quality]) == pytest.approx(PUBLISHED_MEDIANS[quality], abs=0.01)
    assert basis["png"][0] == 0.4040600868660626


def test_the_basis_ships_with_its_licence_and_attribution() -> None:
    folder = resource_path("blockiness", "df2k")
    licence = (folder / "LICENSE").read_text()
    assert "MIT License" in licence and "Copyright (c) 2024 gohtanii" in licence
    assert "gohtanii/DiverSeg-dataset" in (folder / "README.md").read_text()


@pytest.mark.slow
def test_dataset_quality_reads_jpeg_quality_of_sample_photos() -> None:
    """Saved lossless, q85 and q60: about 0.95, 0.8 and 0.5 with the DF2K basis."""
    photos = sample_photos()
    assert len(photos) >= 20
    basis = load_basis()

    def quality_of(images: list[np.ndarray]) -> float:
        scores = []
        for image in images:
            try:
                scores.append(blockiness(np.ascontiguousarray(image[..., ::-1])))
            except BlockinessUndefined:
                pass  # one flat sample image
        return dataset_quality(scores, basis)

    assert quality_of(photos) >= 0.9
    assert 0.75 <= quality_of([jpeg(p, 85) for p in photos]) <= 0.9
    assert 0.45 <= quality_of([jpeg(p, 60) for p in photos]) <= 0.6


def test_a_basis_built_from_ones_own_photos_is_a_folder_in_the_same_format(tmp_path: Path, capsys) -> None:
    photos = tmp_path / "lossless"
    rng = np.random.default_rng(3)
    for index in range(3):
        smooth = cv2.GaussianBlur(rng.integers(0, 256, (96, 128, 3), dtype=np.uint8), (0, 0), 2 + index)
        write_image(photos / f"p{index}.png", smooth)
    out = tmp_path / "my basis"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "build_blockiness_basis.py"),
            "--photos",
            str(photos),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    basis = load_basis(out)
    assert [len(v) for v in basis.values()] == [3] * 5
    assert np.median(basis["png"]) < np.median(basis["q50"])
    write_image(tmp_path / "images" / "a.png", cv2.imread(str(photos / "p0.png"))[..., ::-1])
    write_image(tmp_path / "images" / "b.png", cv2.imread(str(photos / "p1.png"))[..., ::-1])
    assert main(["blockiness", str(tmp_path / "images"), "--basis", str(out)]) == 0
    assert "dataset quality Q =" in capsys.readouterr().out


def test_a_damaged_basis_list_is_named_with_its_line(tmp_path: Path) -> None:
    for name in LIST_NAMES.values():
        (tmp_path / name).write_text("a.png\t1.5\nb.png\t2.5\n")
    (tmp_path / "DF2K_q75.txt").write_text("a.png\t1.5\nb.png\tlots\n")
    with pytest.raises(QualityError, match=r"DF2K_q75.txt line 2"):
        load_basis(tmp_path)
    (tmp_path / "DF2K_q95.txt").unlink()
    with pytest.raises(QualityError, match="DF2K_q95.txt"):
        load_basis(tmp_path)
