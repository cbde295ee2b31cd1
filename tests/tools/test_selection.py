"""select reproduces the published algorithm exactly, resumes cleanly and supports review."""

from __future__ import annotations

import io
import random
from pathlib import Path

import cv2
import numpy as np
import pytest

from hggt_desktop.cli.data import main
from hggt_desktop.core.images import read_image, write_image
from hggt_desktop.tools.selection import (
    SelectionParams,
    crop_score,
    direct_statistics,
    luma,
    passes_texture_test,
)
from hggt_desktop.tools.selection_job import run_selection
from tests.tools.enhanced_data import make_enhanced, textured_image

PIL = pytest.importorskip("PIL.Image", reason="the published algorithm's reference uses Pillow")
from tests.tools.select_reference import compute_var, published_score, reference_select  # noqa: E402


def tree(root: Path) -> dict[str, bytes]:
    """Relative path -> pixels (or text) of everything selection wrote, state folder excluded."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not rel.startswith("."):
            out[rel] = path.read_bytes() if path.suffix == ".txt" else read_image(path).tobytes()
    return out


@pytest.fixture(scope="module")
def enhanced(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(7)
    images = [textured_image(rng, 240, 320), textured_image(rng, 200, 266), textured_image(rng, 240, 320)]
    return make_enhanced(tmp_path_factory.mktemp("enh"), images, ["b", "a-1", "a"])


@pytest.mark.slow
@pytest.mark.parametrize(
    ("seed", "contrast", "frequency"), [(0, 30, 30), (1, 20, 60), (5, 45, 10), (123, 12, 5)]
)
def test_select_matches_the_published_algorithm(
    enhanced: Path, tmp_path: Path, seed, contrast, frequency
) -> None:
    reference_select(enhanced, tmp_path / "ref", seed, 64, 40, contrast, frequency, out=io.StringIO())
    params = SelectionParams(64, 40, contrast, frequency)
    workers = 1 + seed % 3  # the worker count must not change anything
    report = run_selection(enhanced, tmp_path / "new", params, seed, workers=workers, show_progress=False)
    assert report.problems == []
    expected = tree(tmp_path / "ref")
    assert report.kept == len((tmp_path / "ref" / "crop_area_info.txt").read_text().splitlines()) > 0
    assert tree(tmp_path / "new") == expected


@pytest.mark.slow
def test_score_is_the_published_float32_mean_not_a_float64_one(tmp_path: Path) -> None:
    # Busy 512x512 crops far from their versions: numpy's float32 mean rounds visibly there.
    rng = np.random.default_rng(2)
    original = rng.integers(200, 256, (560, 560, 3), dtype=np.uint8)
    versions = [rng.integers(0, 40, (560, 560, 3), dtype=np.uint8) for _ in range(4)]
    write_image(tmp_path / "e" / "original" / "img.png", original)
    for k, version in enumerate(versions, start=1):
        write_image(tmp_path / "e" / f"{k:02d}" / f"img_{k:02d}.png", version)
    lines = reference_select(tmp_path / "e", tmp_path / "ref", 3, 512, 24, 0, 0, out=io.StringIO())
    report = run_selection(tmp_path / "e", tmp_path / "new", SelectionParams(512, 24, 0, 0), 3, 2, False)
    assert report.kept == len(lines) == 4
    assert tree(tmp_path / "new") == tree(tmp_path / "ref")
    images = [original, *versions]
    float64_lines = []
    for line in lines:
        x, y = (int(v) for v in line.split("-")[1:3])
        window = (slice(x, x + 512), slice(y, y + 512))
        crops = [image[window].astype(np.float32) for image in images]
        assert crop_score(images, x, y, 512) == float(published_score(crops))
        mean64 = max(abs(np.mean(original[window] - v[window].astype(np.float64))) for v in versions)
        float64_lines.append(line.replace(line.split("-")[3], f"{mean64:.4f}"))
    assert float64_lines != lines  # the premise: a float64 mean would have written other scores


def test_thresholds_exactly_at_a_crops_statistics_decide_like_the_reference(tmp_path: Path) -> None:
    # Thresholds equal to the published meanStdDev std / float64 variance of one crop: the
    # exact integer statistics alone could decide differently, so they must be rechecked.
    rng = np.random.default_rng(3)
    image = textured_image(rng, 200, 200)
    gray = luma(image)
    cands = np.array([(x, y) for x in range(0, 137, 17) for y in range(0, 137, 23)])
    for x, y in cands[::7].tolist():
        std, lap = direct_statistics(gray[x : x + 64, y : y + 64])
        published = compute_var(image[x : x + 64, y : y + 64].astype(np.float32), io.StringIO())
        assert (std, lap) == published
        for contrast, frequency in [(std, 0.0), (0.0, lap), (std, lap), (np.nextafter(std, 99), 0.0)]:
            params = SelectionParams(64, 17, float(contrast), float(frequency))
            fast = passes_texture_test(image, cands, params)
            slow = [
                s >= params.contrast and v >= params.frequency
                for s, v in (direct_statistics(gray[a : a + 64, b : b + 64]) for a, b in cands.tolist())
            ]
            assert fast.tolist() == slow


def test_luma_and_laplacian_match_pil_and_opencv() -> None:
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (37, 53, 3), dtype=np.uint8)
    assert np.array_equal(luma(rgb), np.array(PIL.fromarray(rgb).convert("L")))
    gray = luma(rgb)
    kernel = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]])
    padded = np.pad(gray.astype(np.int32), 1, mode="reflect")  # numpy 'reflect' is OpenCV's reflect-101
    direct = sum(kernel[i, j] * padded[i : i + 37, j : j + 53] for i in range(3) for j in range(3))
    assert np.array_equal(cv2.Laplacian(gray, cv2.CV_8U), np.clip(direct, 0, 255).astype(np.uint8))


@pytest.mark.slow
def test_luma_equals_the_integer_formula_for_every_colour() -> None:
    for red in range(0, 256, 64):  # all 2^24 colours, a quarter at a time to stay small in memory
        v = np.arange(red << 16, (red + 64) << 16, dtype=np.uint32)
        rgb = np.stack([v >> 16, (v >> 8) & 255, v & 255], -1).astype(np.uint8).reshape(1024, 4096, 3)
        wide = rgb.astype(np.uint32)
        expected = (wide[..., 0] * 19595 + wide[..., 1] * 38470 + wide[..., 2] * 7471 + 0x8000) >> 16
        assert np.array_equal(luma(rgb), expected.astype(np.uint8))


def test_random_stream_matches_random_seed() -> None:
    from hggt_desktop.tools.selection import draw_candidates

    random.seed(11)
    expected = [random.randint(0, 32) for _ in range(2)]
    rng = random.Random(11)
    draw_candidates(rng, 100, 100, SelectionParams(64, 40))
    random.seed(11)
    assert [random.randint(0, 32) for _ in range(2)] == expected


@pytest.mark.slow
def test_rerun_does_not_duplicate_and_resume_keeps_the_stream(enhanced: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    params = SelectionParams(64, 40, 30, 30)
    run_selection(enhanced, out, params, 4, show_progress=False)
    complete = tree(out)
    # Simulate an interruption after the first image: forget the others' records and files.
    info = (out / "crop_area_info.txt").read_text().splitlines()
    for record in sorted((out / ".hggt/select/done").iterdir())[1:]:
        record.unlink()
    for path in list(out.glob("0[1-4]/b-*")) + list(out.glob("original/b-*")):
        path.unlink()
    (out / "crop_area_info.txt").write_text(info[0] + "\n")
    report = run_selection(enhanced, out, params, 4, show_progress=False)
    assert report.resumed == 1
    assert tree(out) == complete
    again = run_selection(enhanced, out, params, 4, show_progress=False)
    assert again.resumed == 3 and tree(out) == complete


@pytest.mark.slow
@pytest.mark.parametrize("compression", [0, 9])
def test_png_compression_changes_file_sizes_not_pixels(enhanced: Path, tmp_path: Path, compression) -> None:
    params = SelectionParams(64, 40, 30, 30)
    run_selection(enhanced, tmp_path / "fast", params, 2, show_progress=False)
    run_selection(enhanced, tmp_path / "set", params, 2, show_progress=False, png_compression=compression)
    assert tree(tmp_path / "set") == tree(tmp_path / "fast")
    if compression == 0:  # stored, uncompressed: larger than the default's Huffman coding
        sizes = [sum(p.stat().st_size for p in (tmp_path / d).rglob("*.png")) for d in ("fast", "set")]
        assert sizes[1] > 1.3 * sizes[0]


def test_other_settings_in_the_same_folder_are_refused(enhanced: Path, tmp_path: Path, capsys) -> None:
    args = ["select", str(enhanced), str(tmp_path / "o"), "--crop", "64", "--step", "40"]
    assert main([*args, "--seed", "1"]) == 0
    assert main([*args, "--seed", "2"]) == 2
    assert "different seed" in capsys.readouterr().err


def test_unusable_images_are_reported_and_skipped(tmp_path: Path, capsys) -> None:
    rng = np.random.default_rng(1)
    enh = make_enhanced(tmp_path / "e", [textured_image(rng, 150, 150) for _ in range(3)])
    (enh / "03" / "0002_03.png").unlink()
    (enh / "02" / "0003_02.png").write_bytes(b"not a png")
    args = ["--seed", "0", "--crop", "64", "--step", "40", "--contrast", "0", "--frequency", "0"]
    code = main(["select", str(enh), str(tmp_path / "o"), *args])
    err = capsys.readouterr().err
    assert code == 1 and "0002" in err and "0003_02.png" in err
    assert {p.name.split("-")[0] for p in (tmp_path / "o" / "original").iterdir()} == {"0001"}


def test_review_lists_lowest_first_and_drop_moves_sets(enhanced: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "o"
    assert main(["select", str(enhanced), str(out), "--seed", "0", "--crop", "64", "--step", "40"]) == 0
    capsys.readouterr()
    assert main(["select", "--review", str(out), "--lowest", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()[1:]
    scores = [float(line.split()[0]) for line in lines]
    assert len(scores) == 3 and scores == sorted(scores)
    stem = lines[0].split()[1]
    assert main(["select", "--review", str(out), "--drop", stem]) == 0
    assert not (out / "original" / f"{stem}.png").exists()
    assert (out / ".dropped" / "01" / f"{stem}_01.png").exists()
    assert main(["select", "--review", str(out), "--drop", "nope-1-2"]) == 2
