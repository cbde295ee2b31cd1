"""Hole 6 of issue 13: a PNG whose header claims 100000x100000 pixels gave a raw cv2.error.

The size in the header is checked against the stated limit (core/images.py MAX_IMAGE_PIXELS)
before decoding; check, blockiness and the annotator name the file and carry on.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

from hggt_desktop.cli.data import main
from hggt_desktop.core.images import (
    MAX_IMAGE_PIXELS,
    ImageError,
    encode_png,
    header_size,
    image_size,
    read_image,
)
from tests.datagen import make_dataset


def bomb_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A valid PNG header claiming ``width x height`` RGB pixels, with a tiny IDAT."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
        + chunk(b"IEND", b"")
    )


def bomb_jpeg(width: int = 60_000, height: int = 60_000) -> bytes:
    """A real small JPEG whose frame header (SOF0) is rewritten to claim ``width x height``."""
    import cv2

    ok, data = cv2.imencode(".jpg", np.zeros((8, 8, 3), np.uint8))
    raw = bytearray(data.tobytes())
    sof = raw.index(b"\xff\xc0")
    raw[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(raw)


@pytest.mark.parametrize("make", [bomb_png, bomb_jpeg], ids=["png", "jpeg"])
def test_hole6_bomb_header_is_refused_before_decoding_naming_the_file(tmp_path, make):
    path = tmp_path / "bomb.img"
    path.write_bytes(make())
    with pytest.raises(ImageError) as caught:
        read_image(path)
    assert str(path) in str(caught.value) and "limit" in caught.value.reason


def test_hole6_image_size_refuses_a_bomb_header(tmp_path):
    path = tmp_path / "bomb.png"
    path.write_bytes(bomb_png())
    with pytest.raises(ImageError, match="over the limit"):
        image_size(path)


def test_hole6_the_limit_lets_ordinary_images_through():
    assert MAX_IMAGE_PIXELS >= 100_000_000  # a 100-megapixel photo is still an image
    assert header_size(encode_png(np.zeros((5, 7, 3), np.uint8))) == (7, 5)


@pytest.fixture
def bombed(tmp_path: Path) -> tuple[Path, Path]:
    images = make_dataset(tmp_path / "ds", n_sets=3, size=40)
    bomb = images / "02" / "0001-16-8_02.png"
    bomb.write_bytes(bomb_png())
    return images, bomb


@pytest.mark.parametrize("command", ["check", "check --quick", "blockiness"])
def test_hole6_commands_name_the_bomb_and_carry_on(capsys, bombed, command):
    images, bomb = bombed
    name, *options = command.split()
    code = main([name, str(images), *options])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "cv2.error" not in out + err
    assert code == 1 and str(bomb) in out + err and "limit" in out + err


def test_hole6_the_annotator_shows_the_bomb_set_as_broken(qtbot, bombed):
    from hggt_desktop.annotation.prefetch import load_set
    from hggt_desktop.annotation.workspace import open_workspace
    from hggt_desktop.gui.main_window import MainWindow

    images, bomb = bombed
    window = MainWindow(break_interval_min=0)
    qtbot.addWidget(window)
    assert window.open_path(images, "T", instructions=False)
    workspace = open_workspace(images, "T")
    bomb_set = next(s for s in workspace.sets if s.stem == "0001-16-8")
    reason = load_set(bomb_set).broken_reason
    assert reason is not None and bomb.name in reason and "limit" in reason
    window.close_session()
