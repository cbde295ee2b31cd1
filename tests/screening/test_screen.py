"""hggt-data screen: manifest content, kept list, resume after a kill, --shard halves, file lists and tar shards."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from hggt_desktop.cli.data import main
from hggt_desktop.core.images import read_image, write_image
from hggt_desktop.resources import resource_path
from tests.screening.test_regions import sky, street

ROOT = Path(__file__).resolve().parents[2]


def jpeg_bytes(rgb: np.ndarray, quality: int = 95) -> bytes:
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return data.tobytes()


def make_source(folder: Path, extra: int = 0) -> Path:
    """Good photos (busy and plain), an unreadable file, a JPEG cut short and one too small."""
    photo = read_image(resource_path("photos", "astronaut.png"))
    write_image(folder / "busy.png", street())
    write_image(folder / "plain.png", sky())
    write_image(folder / "astronaut.png", photo)
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "coffee.jpg").write_bytes(jpeg_bytes(read_image(resource_path("photos", "coffee.png"))))
    (folder / "notes.png").write_text("not an image")
    (folder / "cut.jpg").write_bytes(jpeg_bytes(photo)[:20000])
    (folder / "blocky.jpg").write_bytes(jpeg_bytes(street(), quality=15))
    write_image(folder / "tiny.png", street(64, 90))
    for index in range(extra):
        write_image(folder / f"extra{index:02d}.png", street(200 + index, 260))
    return folder


def screen(*args) -> int:
    return main(["screen", *map(str, args), "--workers", "1", "--min-quality", "0"])


def manifest(out: Path, name: str = "manifest.jsonl") -> list[dict]:
    return [json.loads(line) for line in (out / name).read_text(encoding="utf-8").splitlines()]


def test_the_manifest_lists_every_image_with_its_reason(tmp_path: Path, capsys) -> None:
    source = make_source(tmp_path / "photos")
    assert screen(source, tmp_path / "out", "--max-blockiness", "40") == 0
    lines = {line["path"]: line for line in manifest(tmp_path / "out")}
    assert list(lines) == [
        "astronaut.png",
        "blocky.jpg",
        "busy.png",
        "cut.jpg",
        "notes.png",
        "plain.png",
        "sub/coffee.jpg",
        "tiny.png",
    ]
    assert lines["busy.png"]["kept"] and lines["busy.png"]["objects"] >= 80
    assert (lines["busy.png"]["width"], lines["busy.png"]["height"]) == (512, 384)
    assert lines["plain.png"]["reason"].startswith("few objects") and not lines["plain.png"]["kept"]
    assert lines["notes.png"]["reason"].startswith("unreadable")
    assert lines["cut.jpg"]["reason"].startswith("unreadable")  # OpenCV 5 refuses a JPEG cut short
    assert lines["blocky.jpg"]["reason"].startswith("blocky: B") and lines["blocky.jpg"]["blockiness"] > 40
    assert lines["tiny.png"]["reason"] == "too small: shorter side 64 < 128"
    assert lines["sub/coffee.jpg"]["blockiness"] > 0
    kept = (tmp_path / "out" / "kept.txt").read_text().splitlines()
    assert kept == [f"../photos/{p}" for p, line in lines.items() if line["kept"]]
    assert all((tmp_path / "out" / p).is_file() for p in kept)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["images"] == 8 and summary["reasons"]["unreadable"] == 2
    assert "Traceback" not in capsys.readouterr().err


def test_a_source_below_the_minimum_quality_keeps_nothing(tmp_path: Path, capsys) -> None:
    source = tmp_path / "blocky"
    for index in range(6):
        (source / f"{index}.jpg").parent.mkdir(exist_ok=True)
        (source / f"{index}.jpg").write_bytes(jpeg_bytes(street(300 + 8 * index, 400), quality=30))
    assert main(["screen", str(source), str(tmp_path / "out"), "--workers", "1"]) == 1
    out = capsys.readouterr().out
    assert "rejected" in out and (tmp_path / "out" / "kept.txt").read_text() == ""


def test_a_rerun_skips_what_the_manifest_holds(tmp_path: Path) -> None:
    source = make_source(tmp_path / "photos")
    assert screen(source, tmp_path / "out") == 0
    before = (tmp_path / "out" / "manifest.jsonl").read_bytes()
    write_image(source / "new.png", street(300, 300))
    assert screen(source, tmp_path / "out") == 0
    after = manifest(tmp_path / "out")
    assert (tmp_path / "out" / "manifest.jsonl").read_bytes().startswith(before)
    assert [line["path"] for line in after[8:]] == ["new.png"]


def test_a_rerun_with_another_threshold_is_refused_not_silently_kept(tmp_path: Path, capsys) -> None:
    """Regression: the re-run kept the old verdicts and wrote the new threshold into summary.json."""
    source = tmp_path / "photos"
    source.mkdir()
    write_image(source / "busy.png", street())
    assert screen(source, tmp_path / "out") == 0
    kept, summary = (
        (tmp_path / "out" / "kept.txt").read_bytes(),
        (tmp_path / "out" / "summary.json").read_bytes(),
    )
    capsys.readouterr()
    assert screen(source, tmp_path / "out", "--threshold", "20") == 2
    err = capsys.readouterr().err
    assert (
        "summary.json" in err and "'objects': 80" in err and "'objects': 20" in err and "another OUT" in err
    )
    assert (tmp_path / "out" / "kept.txt").read_bytes() == kept
    assert (tmp_path / "out" / "summary.json").read_bytes() == summary
    assert screen(source, tmp_path / "fresh", "--threshold", "20") == 0


@pytest.mark.slow
def test_shard_halves_partition_the_source_and_a_plain_run_merges_them(tmp_path: Path) -> None:
    source = make_source(tmp_path / "photos", extra=3)
    out = tmp_path / "out"
    assert screen(source, out, "--shard", "0/2") == 0
    assert screen(source, out, "--shard", "1/2") == 0
    first = {line["path"] for line in manifest(out, "manifest-shard-0-of-2.jsonl")}
    second = {line["path"] for line in manifest(out, "manifest-shard-1-of-2.jsonl")}
    assert first and second and not first & second
    assert len(first | second) == 11
    assert screen(source, out) == 0  # nothing left to screen: merges into kept.txt
    assert not (out / "manifest.jsonl").exists() or (out / "manifest.jsonl").read_text() == ""
    kept = (out / "kept.txt").read_text().splitlines()
    shards = (out / "kept-shard-0-of-2.txt").read_text().splitlines() + (
        out / "kept-shard-1-of-2.txt"
    ).read_text().splitlines()
    assert sorted(kept) == sorted(shards) and kept


@pytest.mark.slow
def test_two_workers_write_the_same_manifest_as_one(tmp_path: Path) -> None:
    source = make_source(tmp_path / "photos", extra=3)
    assert main(["screen", str(source), str(tmp_path / "one"), "--workers", "1", "--min-quality", "0"]) == 0
    assert main(["screen", str(source), str(tmp_path / "two"), "--workers", "2", "--min-quality", "0"]) == 0
    assert (tmp_path / "one" / "manifest.jsonl").read_bytes() == (
        tmp_path / "two" / "manifest.jsonl"
    ).read_bytes()


def test_file_lists_and_tar_shards_are_sources(tmp_path: Path) -> None:
    source = make_source(tmp_path / "photos")
    (tmp_path / "list.txt").write_text(
        "# chosen\nphotos/busy.png\nphotos/sub/coffee.jpg\nphotos/missing.png\n"
    )
    assert screen(tmp_path / "list.txt", tmp_path / "from-list") == 0
    lines = {line["path"]: line for line in manifest(tmp_path / "from-list")}
    assert lines["photos/busy.png"]["kept"] and lines["photos/missing.png"]["reason"].startswith("unreadable")
    shards = tmp_path / "shards"
    shards.mkdir()
    with tarfile.open(shards / "000000.tar", "w") as archive:
        for name in ("busy.png", "plain.png", "cut.jpg"):
            archive.add(source / name, arcname=f"sample/{name}")
        archive.add(tmp_path / "list.txt", arcname="sample/list.txt")
    assert screen(shards, tmp_path / "from-tar") == 0
    from_tar = {line["path"]: line for line in manifest(tmp_path / "from-tar")}
    assert list(from_tar) == [
        "000000.tar/sample/busy.png",
        "000000.tar/sample/plain.png",
        "000000.tar/sample/cut.jpg",
    ]
    direct = {line["path"]: line for line in manifest(tmp_path / "from-list")}
    assert from_tar["000000.tar/sample/busy.png"]["objects"] == direct["photos/busy.png"]["objects"]
    assert from_tar["000000.tar/sample/cut.jpg"]["reason"].startswith("unreadable")
    assert (tmp_path / "from-tar" / "kept.txt").read_text() == "../shards/000000.tar/sample/busy.png\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nowhere", "out"], "no such folder or file"),
        (["photos", "out", "--shard", "2/2"], "0 <= INDEX < COUNT"),
        (["photos", "out", "--basis", "nowhere"], "not a blockiness basis"),
        (["photos", "photos/busy.png"], "is a file"),
    ],
)
def test_bad_arguments_are_named(tmp_path: Path, capsys, monkeypatch, args, message) -> None:
    make_source(tmp_path / "photos")
    monkeypatch.chdir(tmp_path)
    assert main(["screen", *args]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.slow
def test_resume_after_a_kill_gives_the_uninterrupted_manifest(tmp_path: Path) -> None:
    source = make_source(tmp_path / "photos", extra=12)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable,
        "-m",
        "hggt_desktop.cli.data",
        "screen",
        str(source),
        str(tmp_path / "killed"),
        "--workers",
        "1",
        "--min-quality",
        "0",
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    manifest_path = tmp_path / "killed" / "manifest.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (
        not manifest_path.exists() or manifest_path.read_text().count("\n") < 4
    ):
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    done_before = manifest_path.read_text().count("\n")
    assert 4 <= done_before < 20
    with open(manifest_path, "ab") as handle:
        handle.write(b'{"path": "extra0')  # as if the kill tore the next line
    assert subprocess.run(command, env=env, capture_output=True).returncode == 0
    assert screen(source, tmp_path / "whole") == 0
    killed_lines = [json.loads(line) for line in manifest_path.read_text().splitlines() if line.endswith("}")]
    assert sorted(killed_lines, key=lambda line: line["path"]) == sorted(
        manifest(tmp_path / "whole"), key=lambda line: line["path"]
    )


def test_a_jpeg_without_its_end_marker_is_damaged_even_where_a_decoder_accepts_it() -> None:
    from screening.image_check import decode_problem

    whole = jpeg_bytes(sky(64, 64))
    assert decode_problem(whole) is None
    assert "truncated JPEG" in decode_problem(whole[:-2])
    assert decode_problem(b"\x89PNG\r\n\x1a\n") is None


def test_a_decompression_bomb_header_is_a_line_not_a_crash(tmp_path: Path) -> None:
    import struct
    import zlib

    from screening.image_check import KeepRule, check_image
    from screening.sources import ImageRef

    ihdr = struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    (tmp_path / "bomb.png").write_bytes(b"\x89PNG\r\n\x1a\n" + chunk)
    line = check_image(ImageRef("bomb.png", str(tmp_path / "bomb.png")), KeepRule(objects=80), lambda rgb: 0)
    assert (
        line["kept"] is False
        and line["reason"].startswith("unreadable")
        and "100000x100000" in line["reason"]
    )


def test_progress_in_a_log_says_the_rate_and_the_time_left(capsys) -> None:
    from screening.screen_cli import EtaLine

    eta = EtaLine(total=10, every_s=0.0)
    eta(4)  # already screened by an earlier run: not part of the rate
    time.sleep(0.05)
    eta(2)
    line = capsys.readouterr().err
    assert "6/10 images" in line and "/s" in line and "left" in line
