"""Finding sets, their problems, and the labels that belong to an images folder."""

from pathlib import Path

import numpy as np
import pytest

from hggt_desktop.core.dataset import load_dataset
from hggt_desktop.core.images import write_image
from hggt_desktop.core.layout import LayoutError, annotator_names, find_labels_dir, resolve_images_dir
from hggt_desktop.core.sets import SetLayoutError, find_sets
from tests.datagen import make_dataset


def test_clean_dataset_has_sets_and_no_problems(tmp_path: Path) -> None:
    images = make_dataset(tmp_path, n_sets=3)
    scan = find_sets(images, verify_images=True)
    assert [s.stem for s in scan.sets] == ["0000-0-0", "0001-16-8", "0002-32-16"]
    assert scan.version_folders == ("01", "02", "03", "04")
    assert scan.problems == ()
    assert scan.sets[0].version_path("03") == images / "03" / "0000-0-0_03.png"


def test_every_problem_is_collected_not_raised(tmp_path: Path) -> None:
    images = make_dataset(tmp_path, n_sets=3)
    (images / "02" / "0000-0-0_02.png").unlink()
    (images / "03" / "notes.txt").write_text("x")
    (images / "04" / "9999-1-1_04.png").write_bytes((images / "04" / "0001-16-8_04.png").read_bytes())
    write_image(images / "01" / "0001-16-8_01.png", np.zeros((5, 5, 3), np.uint8))
    data = (images / "original" / "0002-32-16.png").read_bytes()
    (images / "original" / "0002-32-16.png").write_bytes(data[: len(data) // 2])
    (images / "thumbs").mkdir()
    scan = find_sets(images, verify_images=True)
    reasons = {p.path.name: p.reason for p in scan.problems}
    assert "missing" in reasons["0000-0-0_02.png"]
    assert "not an image" in reasons["notes.txt"]
    assert "no original" in reasons["9999-1-1_04.png"]
    assert "is 5x5 but its original is 32x32" in reasons["0001-16-8_01.png"]
    assert "corrupt or truncated" in reasons["0002-32-16.png"]
    assert "unexpected folder" in reasons["thumbs"]
    assert len(scan.sets) == 3  # a set missing one version is still listed, with the others


def test_fewer_or_more_versions_do_not_crash(tmp_path: Path) -> None:
    images = make_dataset(tmp_path, n_sets=2, versions=[f"{k:02d}" for k in range(1, 10)])
    scan = find_sets(images)
    assert scan.sets[0].version_ids == tuple(f"{k:02d}" for k in range(1, 10))
    images2 = make_dataset(tmp_path / "two", n_sets=1, versions=["01", "02"])
    assert find_sets(images2).sets[0].version_ids == ("01", "02")


def test_not_an_images_folder(tmp_path: Path) -> None:
    with pytest.raises(SetLayoutError, match="original"):
        find_sets(tmp_path)


def test_released_train_layout_opens_without_arguments(tmp_path: Path) -> None:
    root = tmp_path / "Train"
    make_dataset(root, n_sets=2)
    (root / "images").rename(root / "images_tmp")
    (root / "images").mkdir()
    (root / "images_tmp").rename(root / "images" / "0-20193")
    (root / "labels").rename(root / "labels_tmp")
    (root / "labels").mkdir()
    (root / "labels_tmp").rename(root / "labels" / "0-20193")
    images = root / "images" / "0-20193"
    assert resolve_images_dir(root) == images
    assert find_labels_dir(images) == (root / "labels" / "0-20193").absolute()
    dataset = load_dataset(images)
    assert dataset.annotators == ("A", "B", "C") and len(dataset.sets) == 2
    assert dataset.problems == []


def test_test100_and_package_layouts(tmp_path: Path) -> None:
    assert find_labels_dir(tmp_path / "Test-100" / "images") == (tmp_path / "Test-100" / "labels").absolute()
    package = tmp_path / "03_subdir" / "images2000-3000"
    assert find_labels_dir(package) == (tmp_path / "03_subdir" / "labels2000-3000").absolute()
    assert find_labels_dir(tmp_path / "photos") == (tmp_path / "photos" / "labels").absolute()


def test_resolve_rejects_ambiguous_and_empty(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / "images" / name / "original").mkdir(parents=True)
    with pytest.raises(LayoutError, match="several"):
        resolve_images_dir(tmp_path)
    with pytest.raises(LayoutError, match="not an images folder"):
        resolve_images_dir(tmp_path / "images" / "a" / "original")


def test_project_folders_are_not_annotators(tmp_path: Path) -> None:
    for name in ("A", "B", ".hggt", "_trash"):
        (tmp_path / name).mkdir()
    assert annotator_names(tmp_path) == ["A", "B"]


def test_dataset_reports_invalid_and_foreign_label_files(tmp_path: Path) -> None:
    images = make_dataset(tmp_path, n_sets=2)
    labels = tmp_path / "labels"
    (labels / "A" / "0000-0-0.json").write_text("{broken", encoding="utf-8")
    (labels / "B" / "7777-0-0.json").write_text(
        (labels / "B" / "0001-16-8.json").read_text(encoding="utf-8").replace("0001-16-8", "7777-0-0"),
        encoding="utf-8",
    )
    dataset = load_dataset(images)
    reasons = {(p.path.parent.name, p.path.name): p.reason for p in dataset.problems}
    assert "unreadable" in reasons[("A", "0000-0-0.json")]
    assert "not in the images folder" in reasons[("B", "7777-0-0.json")]
    assert "A" not in dataset.files_for("0000-0-0")
    assert dataset.unlabelled_by()["A"] == ["0000-0-0"]
