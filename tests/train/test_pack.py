"""The HDF5 training pack: contents, subsets, encodings and --check."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from hggt_desktop.core.dataset import load_dataset
from hggt_desktop.core.images import read_image
from hggt_desktop.core.labels import Label, make_label_file, write_label_file
from hggt_desktop.pack.checker import check_pack
from hggt_desktop.pack.format import PackError
from hggt_desktop.pack.reader import PackReader, read_meta
from hggt_desktop.pack.writer import write_pack
from tests.datagen import make_dataset


def test_pack_holds_images_labels_and_effective_labels(tiny_dataset: Path, tiny_pack: Path) -> None:
    dataset = load_dataset(tiny_dataset)
    reader = PackReader(tiny_pack)
    # posneg leaves out the all-Similar sets (indices 2 and 6).
    assert reader.meta.names == (
        "0000-0-0",
        "0001-16-8",
        "0003-48-24",
        "0004-64-32",
        "0005-80-40",
        "0007-112-56",
    )
    for index, stem in enumerate(reader.meta.names):
        image_set = dataset.scan.by_stem()[stem]
        images = reader.read_set(index)
        for k, path in enumerate(image_set.paths()):
            np.testing.assert_array_equal(images[k], read_image(path))
        effective = dataset.effective(stem)
        assert list(reader.meta.effective[index]) == [
            effective[v].label.rank for v in ("01", "02", "03", "04")
        ]
        assert list(reader.meta.votes[index]) == [effective[v].votes for v in ("01", "02", "03", "04")]
    with h5py.File(tiny_pack) as h5:
        assert h5["labels"].shape == (6, 3, 4)
        assert h5.attrs["subset"] == "posneg" and h5.attrs["format_version"] == 1
        assert str(tiny_dataset / "images") in h5.attrs["source"]
        assert len(h5["file_sha256"][0, 0]) == 64


def test_png_pack_reads_the_same_pixels_and_adjudication_wins(tmp_path: Path) -> None:
    make_dataset(tmp_path, n_sets=3, size=32, seed=3)
    stem = "0000-0-0"
    adjudicated = {v: Label.NEGATIVE for v in ("01", "02", "03", "04")}
    write_label_file(tmp_path / "labels" / "adjudicated" / f"{stem}.json", make_label_file(stem, adjudicated))
    raw = write_pack(tmp_path, tmp_path / "raw.h5", subset="ori")
    png = write_pack(tmp_path, tmp_path / "png.h5", subset="ori", encoding="png")
    assert raw.sets == png.sets == 3
    a, b = PackReader(raw.path), PackReader(png.path)
    for i in range(3):
        np.testing.assert_array_equal(a.read_set(i), b.read_set(i))
    assert list(a.meta.effective[0]) == [Label.NEGATIVE.rank] * 4
    assert "adjudicated" in a.meta.annotators


def test_split_is_reproducible_and_sized(tiny_dataset: Path, tmp_path: Path) -> None:
    first = write_pack(tiny_dataset, tmp_path / "a.h5", subset="ori", val_fraction=0.25, seed=5)
    second = write_pack(tiny_dataset, tmp_path / "b.h5", subset="ori", val_fraction=0.25, seed=5)
    assert (first.train, first.val) == (6, 2)
    np.testing.assert_array_equal(read_meta(first.path).split, read_meta(second.path).split)


def test_pack_with_three_versions_warns_that_training_needs_four(tmp_path: Path) -> None:
    make_dataset(tmp_path, n_sets=2, size=32, versions=("01", "02", "03"))
    summary = write_pack(tmp_path, tmp_path / "three.h5", subset="ori")
    assert any("exactly 4" in w for w in summary.warnings)


def test_empty_subset_is_refused(tmp_path: Path) -> None:
    make_dataset(tmp_path, n_sets=2, size=32, label=lambda s, a, v: Label.SIMILAR)
    with pytest.raises(PackError, match="no set belongs to subset"):
        write_pack(tmp_path, tmp_path / "none.h5", subset="pos")
    assert not (tmp_path / "none.h5").exists()


def _hggt_data(*args: str) -> subprocess.CompletedProcess[str]:
    code = "import sys; from hggt_desktop.cli.data import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_check_accepts_a_good_pack_and_rejects_a_truncated_one(tiny_pack: Path, tmp_path: Path) -> None:
    assert check_pack(tiny_pack) == []
    good = _hggt_data("pack", "--check", str(tiny_pack))
    assert good.returncode == 0, good.stderr
    truncated = tmp_path / "truncated.h5"
    truncated.write_bytes(tiny_pack.read_bytes()[: tiny_pack.stat().st_size // 2])
    bad = _hggt_data("pack", "--check", str(truncated))
    assert bad.returncode == 1
    assert "truncated.h5" in bad.stderr and "Traceback" not in bad.stderr


def test_check_finds_changed_pixels(tiny_dataset: Path, tmp_path: Path) -> None:
    path = write_pack(tiny_dataset, tmp_path / "p.h5", subset="ori").path
    with h5py.File(path, "r+") as h5:
        h5["images"][1, 2, 0, 0] = h5["images"][1, 2, 0, 0] ^ 1
    problems = check_pack(path)
    assert len(problems) == 1 and "0001-16-8" in problems[0]


@pytest.mark.slow
def test_pack_cli_writes_a_pack(tiny_dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli.h5"
    result = _hggt_data("pack", str(tiny_dataset), str(out), "--subset", "pos", "--split", "0.5")
    assert result.returncode == 0, result.stderr
    meta = read_meta(out)
    assert meta.attrs["subset"] == "pos" and "hggt-data pack" in meta.attrs["command"]
    assert len(meta.names) == 4  # sets 0, 3, 4, 7 have a Positive
