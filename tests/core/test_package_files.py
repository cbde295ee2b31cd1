"""package.json and key.json: one owner reads and writes them, and refuses malformed files by name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hggt_desktop.cli.data import main
from hggt_desktop.core.package_files import (
    KEY_PATH,
    AnswerKey,
    KeyItem,
    KeyPackage,
    PackageFileError,
    PackageManifest,
    read_key,
    read_manifest,
    write_key,
    write_manifest,
)
from tests.datagen import make_dataset

ITEM = KeyItem("0001-0-0", "set", "0001-0-0", ("02", "01"), None, None, None, {"original": "ab", "01": "cd"})
KEY = AnswerKey(7, "/data/images", {"A": KeyPackage("A", "images1-1", {ITEM.stem: ITEM})})


def test_manifest_round_trip(tmp_path: Path) -> None:
    manifest = PackageManifest("A", 12, "A", "images1-1", "labels1-1", 1, {"images1-1/01/x_01.png": "ab"})
    assert read_manifest(write_manifest(tmp_path, manifest)) == manifest


def test_key_round_trip_and_spelling(tmp_path: Path) -> None:
    path = write_key(tmp_path, KEY)
    assert path == tmp_path / KEY_PATH and read_key(path) == KEY
    item = json.loads(path.read_text())["packages"]["A"]["items"][ITEM.stem]
    assert list(item) == [
        "stem",
        "kind",
        "source",
        "slots",
        "catch_slot",
        "expected",
        "degradation",
        "hashes",
    ]


def test_a_hand_made_manifest_gives_the_annotator_its_defaults(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(json.dumps({"annotator": "R7", "seed": "1234"}))
    manifest = read_manifest(tmp_path / "package.json", complete=False)
    assert (manifest.annotator, manifest.seed) == ("R7", 1234)
    with pytest.raises(PackageFileError, match="lacks package, images_dir, labels_dir"):
        read_manifest(tmp_path / "package.json")


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("[]", "the file should be a JSON object but is a JSON list"),
        ('{"packages": []}', "'packages' should be a JSON object but is a JSON list"),
        ('{"packages": {"A": 3}}', "package 'A' should be a JSON object"),
        ('{"packages": {"A": {"annotator": "A", "images_dir": "i", "items": {"x": "y"}}}}', "item 'x'"),
        ('{"packages": {"A": {"annotator": "A", "images_dir": "i", "items": []}}}', "the items of package"),
        ("{", "cannot be read"),
    ],
)
def test_hole_9_malformed_key_is_refused_by_name(tmp_path: Path, text: str, named: str) -> None:
    path = tmp_path / "key.json"
    path.write_text(text)
    with pytest.raises(PackageFileError) as caught:
        read_key(path)
    assert str(path) in str(caught.value) and named in str(caught.value)


@pytest.mark.parametrize("text", ["[]", '{"images": []}', '"package"'])
def test_hole_9_malformed_manifest_is_refused_by_name(tmp_path: Path, text: str) -> None:
    path = tmp_path / "package.json"
    path.write_text(text)
    with pytest.raises(PackageFileError, match="should be a JSON object"):
        read_manifest(path, complete=False)


@pytest.mark.parametrize(
    "damage",
    [
        lambda key: [],
        lambda key: {**key, "packages": []},
        lambda key: {**key, "packages": {name: ["not", "an", "object"] for name in key["packages"]}},
        lambda key: {
            **key,
            "packages": {
                name: {**entry, "items": {stem: 5 for stem in entry["items"]}}
                for name, entry in key["packages"].items()
            },
        },
    ],
    ids=["list", "packages-list", "package-not-object", "items-not-objects"],
)
def test_hole_9_merge_with_a_malformed_key_names_it_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], damage
) -> None:
    images = make_dataset(tmp_path / "m", n_sets=2, size=16, annotators=())
    out = tmp_path / "p"
    assert main(["package", str(images), str(out), "--annotators", "A", "--overlap", "1"]) == 0
    key_path = out / KEY_PATH
    key_path.write_text(json.dumps(damage(json.loads(key_path.read_text()))))
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    capsys.readouterr()
    assert main(["merge", str(out / "A"), "--into", str(images)]) == 2
    err = capsys.readouterr().err
    assert str(key_path) in err and "Traceback" not in err and "should be a JSON object" in err
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_hole_9_merge_with_a_malformed_manifest_names_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    images = make_dataset(tmp_path / "m", n_sets=2, size=16, annotators=())
    out = tmp_path / "p"
    assert main(["package", str(images), str(out), "--annotators", "A", "--overlap", "1"]) == 0
    (out / "A" / "package.json").write_text("[]")
    capsys.readouterr()
    assert main(["merge", str(out / "A"), "--into", str(images)]) == 2
    err = capsys.readouterr().err
    assert str(out / "A" / "package.json") in err and "should be a JSON object" in err
