"""Hole 5 of issue 13: merge copied a returned package's records byte for byte, following links.

A returned package is untrusted: links are skipped (and reported), only records that parse are
copied, and nothing outside the package folder is read.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hggt_desktop.cli.data import main
from hggt_desktop.core.labels import Label, make_label_file, write_label_file
from hggt_desktop.core.record import SetRecord, write_record
from tests.tools.test_packages import TIME, label_packages, packaged  # noqa: F401 (fixture)


def first_set(out: Path) -> tuple[Path, dict, str, dict]:
    """The first package, its manifest, and its first real set's package stem and key item."""
    key = json.loads((out / ".curator" / "key.json").read_text(encoding="utf-8"))
    package = sorted(p for p in out.iterdir() if not p.name.startswith("."))[0]
    manifest = json.loads((package / "package.json").read_text(encoding="utf-8"))
    items = key["packages"][manifest["package"]]["items"]
    stem = next(s for s, it in items.items() if it["kind"] == "set")
    return package, manifest, stem, items[stem]


def merge(capsys, package: Path, images: Path) -> tuple[int, str]:
    code = main(["merge", str(package), "--into", str(images)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out + err


def dataset_records(images: Path) -> list[Path]:
    return sorted((images.parent / "labels" / ".hggt" / "records").rglob("*.json"))


@pytest.mark.slow
def test_hole5_merge_skips_a_symlinked_record(packaged, capsys, tmp_path):  # noqa: F811
    images, out = packaged
    label_packages(out)
    package, manifest, stem, item = first_set(out)
    secret = tmp_path / "secret.json"  # a valid record, but outside the package
    write_record(secret, SetRecord(stem=stem, annotator=manifest["annotator"], screen_order=["SECRET"]))
    record = package / manifest["labels_dir"] / ".hggt" / "records" / manifest["annotator"] / f"{stem}.json"
    record.unlink()
    record.symlink_to(secret)
    code, text = merge(capsys, package, images)
    assert code == 1 and str(record) in text and "symbolic link" in text
    assert not any("SECRET" in p.read_text(encoding="utf-8") for p in dataset_records(images))
    label = images.parent / "labels" / manifest["annotator"] / f"{item['source']}.json"
    assert label.is_file()  # the label itself is merged; only the record is left out


@pytest.mark.slow
@pytest.mark.parametrize("content", [b"not json at all", b'{"stem": "x"}', b"[" * 100_000])
def test_hole5_merge_copies_only_records_that_parse(packaged, capsys, content):  # noqa: F811
    images, out = packaged
    label_packages(out)
    package, manifest, stem, item = first_set(out)
    record = package / manifest["labels_dir"] / ".hggt" / "records" / manifest["annotator"] / f"{stem}.json"
    record.write_bytes(content)
    code, text = merge(capsys, package, images)
    assert code == 1 and str(record) in text and "record not copied" in text
    target = images.parent / "labels" / ".hggt" / "records" / manifest["annotator"] / f"{item['source']}.json"
    assert not target.exists()
    assert all(p.read_bytes() != content for p in dataset_records(images))


@pytest.mark.slow
def test_hole5_merge_never_reads_a_label_file_linked_from_outside(packaged, capsys, tmp_path):  # noqa: F811
    images, out = packaged
    label_packages(out)
    package, manifest, stem, item = first_set(out)
    outside = tmp_path / "elsewhere.json"
    labels = dict.fromkeys(("01", "02", "03", "04")[: len(item["slots"])], Label.NEGATIVE)
    write_label_file(outside, make_label_file(stem, labels, TIME))
    label = package / manifest["labels_dir"] / manifest["annotator"] / f"{stem}.json"
    label.unlink()
    label.symlink_to(outside)
    code, text = merge(capsys, package, images)
    assert code == 1 and str(label) in text and "symbolic link" in text
    assert not (images.parent / "labels" / manifest["annotator"] / f"{item['source']}.json").exists()
