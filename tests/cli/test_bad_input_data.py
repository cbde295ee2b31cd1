"""``hggt-data`` on bad input: exit 1/2 (130 for Ctrl-C), a message naming the file, nothing lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from hggt_desktop.cli.data import main
from tests.datagen import make_dataset

UNWRITABLE = Path("/proc/hggt-qa-out")  # root ignores chmod; nothing can be created under /proc


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_dataset(tmp_path_factory.mktemp("ds") / "Daten-ÄÖÜ-数据", n_sets=3, size=48).parent


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_text("my notes\n", encoding="utf-8")
    return path


def test_check_refuses_a_labels_folder_that_is_missing_or_a_file(capsys, dataset, text_file):
    code, _, err = run(capsys, "check", dataset, "--labels", dataset / "nope")
    assert code == 2 and "--labels" in err and "does not exist" in err
    code, _, err = run(capsys, "check", dataset, "--labels", text_file)
    assert code == 2 and str(text_file) in err and "is a file" in err


def test_export_labels_never_overwrites_a_file_that_is_not_its_csv(capsys, dataset, text_file):
    code, _, err = run(capsys, "export-labels", dataset, "--out", text_file)
    assert code == 2 and str(text_file) in err and "not overwritten" in err
    assert text_file.read_text(encoding="utf-8") == "my notes\n"
    out = text_file.parent / "labels.csv"
    assert run(capsys, "export-labels", dataset, "--out", out)[0] == 0
    assert run(capsys, "export-labels", dataset, "--out", out)[0] == 0  # its own CSV is replaced


def test_export_labels_refuses_a_folder_or_a_path_under_a_file(capsys, dataset, text_file, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    code, _, err = run(capsys, "export-labels", dataset, "--out", folder)
    assert code == 2 and "is a folder" in err and list(folder.iterdir()) == []
    assert list(tmp_path.glob(".*tmp")) == []  # no stray temporary copy beside it
    code, _, err = run(capsys, "export-labels", dataset, "--out", text_file / "x.csv")
    assert code == 2 and "is a file" in err


@pytest.mark.parametrize("where", ["file", "under-file", "unwritable", "other-files", "inside-input"])
def test_select_refuses_an_unusable_out_dir(capsys, dataset, text_file, tmp_path, where):
    images = dataset / "images"
    out = {
        "file": text_file,
        "under-file": text_file / "sets",
        "unwritable": UNWRITABLE,
        "other-files": text_file.parent,
        "inside-input": images / "sets",
    }[where]
    code, _, err = run(capsys, "select", images, out, "--crop", "16", "--step", "16", "--seed", "0")
    assert code == 2 and str(out) in err
    assert text_file.read_text(encoding="utf-8") == "my notes\n"
    assert not (images / "sets").exists()


def test_select_ctrl_c_says_interrupted_and_a_rerun_finishes(capsys, dataset, tmp_path, monkeypatch):
    from hggt_desktop.tools import selection_job

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    out = tmp_path / "sets"
    argv = (
        "select",
        dataset / "images",
        out,
        "--crop",
        "16",
        "--step",
        "16",
        "--seed",
        "0",
        "--workers",
        "1",
    )
    with monkeypatch.context() as patch:
        patch.setattr(selection_job, "_process", interrupted)
        code, _, err = run(capsys, *argv)
    assert code == 130 and "interrupted" in err and "run the same command again" in err
    assert not (out / "crop_area_info.txt").exists()  # nothing looks finished
    code, _, _ = run(capsys, *argv)
    assert code == 0 and (out / "crop_area_info.txt").is_file()


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--annotators", "A,B", "--overlap", "3"], "--overlap must be 1..2"),
        (["--annotators", "A,B,C", "--catch-rate", "-0.1"], "rates between 0 and 1"),
        (["--annotators", ","], "--annotators is empty"),
    ],
)
def test_package_rejects_bad_options(capsys, dataset, tmp_path, options, expected):
    code, _, err = run(capsys, "package", dataset, tmp_path / "packages", *options)
    assert code == 2 and expected in err
    assert not (tmp_path / "packages").exists()


def test_package_refuses_a_truncated_image_and_an_unwritable_out(capsys, tmp_path, text_file):
    images = make_dataset(tmp_path / "trunc", n_sets=2, size=32)
    broken = images / "02" / "0001-16-8_02.png"
    broken.write_bytes(broken.read_bytes()[:60])
    code, _, err = run(capsys, "package", images, tmp_path / "p1", "--annotators", "A,B", "--overlap", "1")
    assert code == 1 and str(broken) in err and not (tmp_path / "p1").exists()
    good = make_dataset(tmp_path / "good", n_sets=2, size=32)
    for out in (text_file, UNWRITABLE):
        code, _, err = run(capsys, "package", good, out, "--annotators", "A,B", "--overlap", "1")
        assert code == 2 and str(out) in err and "writable" in err


def test_package_ctrl_c_removes_the_unfinished_packages(capsys, dataset, tmp_path, monkeypatch):
    from hggt_desktop.tools import packages

    def interrupted(plans, sets, images_dir, out_dir, seed):
        (out_dir / "A").mkdir(parents=True)
        (out_dir / "A" / "package.json").write_text("{}")
        raise KeyboardInterrupt

    out = tmp_path / "packages"
    argv = ("package", dataset, out, "--annotators", "A,B", "--overlap", "1", "--seed", "1")
    with monkeypatch.context() as patch:
        patch.setattr(packages, "write_packages", interrupted)
        code, _, err = run(capsys, *argv)
    assert code == 130 and "interrupted" in err and not out.exists()
    assert run(capsys, *argv)[0] == 0 and (out / ".curator" / "key.json").is_file()


def test_merge_of_a_non_package_twice_or_with_a_missing_key(capsys, dataset, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run(capsys, "merge", empty, "--into", dataset)
    assert code == 2 and f"{empty}: not a package" in err
    images = make_dataset(tmp_path / "m", n_sets=2, size=32, annotators=())
    assert run(capsys, "package", images, tmp_path / "p", "--annotators", "A", "--overlap", "1")[0] == 0
    code, out, err = run(capsys, "merge", tmp_path / "p" / "A", tmp_path / "p" / "A", "--into", images)
    assert code == 0 and "given twice; merged once" in err and "no labels yet" in out
    code, _, err = run(capsys, "merge", tmp_path / "p" / "A", "--into", images, "--key", tmp_path / "k.json")
    assert code == 2 and "k.json" in err and "--key" in err


def test_blockiness_refuses_a_missing_or_broken_basis(capsys, dataset, text_file):
    code, _, err = run(capsys, "blockiness", dataset, "--basis", dataset / "nope.json")
    assert code == 2 and "nope.json" in err and "no such folder" in err
    code, _, err = run(capsys, "blockiness", dataset, "--basis", text_file)
    assert code == 2 and str(text_file) in err and "not a blockiness basis" in err


def test_pack_never_overwrites_a_file_that_is_not_a_pack(capsys, dataset, tmp_path):
    precious = tmp_path / "thesis.h5"
    precious.write_bytes(b"not hdf5")
    code, _, err = run(capsys, "pack", dataset, precious)
    assert code == 2 and str(precious) in err and "not overwritten" in err
    assert precious.read_bytes() == b"not hdf5"


@pytest.mark.parametrize("where", ["folder", "under-file", "unwritable"])
def test_pack_refuses_an_unwritable_output(capsys, dataset, text_file, tmp_path, where):
    folder = tmp_path / "outdir"
    folder.mkdir()
    out = {"folder": folder, "under-file": text_file / "p.h5", "unwritable": UNWRITABLE / "p.h5"}[where]
    code, _, err = run(capsys, "pack", dataset, out)
    assert code == 2 and str(out) in err
    assert list(folder.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == [
        "notes.txt",
        "outdir",
    ]


def test_pack_check_of_a_truncated_pack(capsys, dataset, tmp_path):
    pack = tmp_path / "p.h5"
    assert run(capsys, "pack", dataset, pack)[0] == 0
    truncated = tmp_path / "t.h5"
    truncated.write_bytes(pack.read_bytes()[: pack.stat().st_size // 2])
    code, _, err = run(capsys, "pack", "--check", truncated)
    assert code == 1 and str(truncated) in err and "write it again" in err


def test_pack_ctrl_c_leaves_no_pack_and_a_rerun_works(capsys, dataset, tmp_path, monkeypatch):
    from hggt_desktop.pack import writer

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    out = tmp_path / "p.h5"
    with monkeypatch.context() as patch:
        patch.setattr(writer, "_write_images", interrupted)
        code, _, err = run(capsys, "pack", dataset, out)
    assert code == 130 and "interrupted" in err
    assert list(tmp_path.iterdir()) == []  # neither the pack nor its temporary file
    assert run(capsys, "pack", dataset, out)[0] == 0 and out.is_file()


def test_a_non_ascii_path_works_end_to_end(capsys, dataset, tmp_path):
    assert "数据" in str(dataset)
    assert run(capsys, "check", dataset)[0] == 0
    assert run(capsys, "pack", dataset, tmp_path / "pack-ÄÖÜ.h5")[0] == 0


def test_pack_reports_unreadable_labels_it_had_to_leave_out(capsys, tmp_path):
    root = tmp_path / "ds"
    make_dataset(root, n_sets=2, size=32)
    broken = root / "labels" / "A" / "0000-0-0.json"
    broken.write_text("{broken", encoding="utf-8")
    code, _, err = run(capsys, "pack", root, tmp_path / "p.h5")
    assert code == 1 and f"problem: {broken}" in err and "pack again" in err


def test_select_says_why_it_kept_nothing_and_what_to_try(capsys, tmp_path):
    # Regression (issue 14): on photos under 512 px select printed "4 images, 0 crops", exit 0.
    images = make_dataset(tmp_path / "small", n_sets=2, size=300, annotators=())
    code, out, err = run(capsys, "select", images, tmp_path / "sets", "--seed", "0")
    assert code == 1 and "0 crops" in out
    assert "2 of 2 images have no room for a 512x512 crop" in err and "0000-0-0.png 300x300" in err
    assert "--crop 256 --step 144" in err
    code, out, err = run(
        capsys, "select", images, tmp_path / "flat", "--seed", "0", "--crop", "64", "--contrast", "300"
    )
    assert code == 1 and "crops that fit failed the texture test" in err and ">= 300" in err
