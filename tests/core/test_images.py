"""The one decode path: non-ASCII paths, 16-bit, gray, alpha, EXIF orientation, bad files."""

import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from hggt_desktop.core.images import (
    ImageError,
    decode_image,
    is_plain_rgb_png,
    png_info,
    read_image,
    write_image,
)


@pytest.fixture
def rgb() -> np.ndarray:
    return np.random.default_rng(1).integers(0, 256, (12, 17, 3), dtype=np.uint8)


def _write_raw(path: Path, array: np.ndarray, ext: str = ".png", params: list[int] | None = None) -> None:
    ok, data = cv2.imencode(ext, array, params or [])
    assert ok
    path.parent.mkdir(parents=True, exist_ok=True)
    data.tofile(str(path))


def test_round_trip_on_a_non_ascii_path(tmp_path: Path, rgb: np.ndarray) -> None:
    path = tmp_path / "Übersicht 数据" / "patch-1-2.png"
    write_image(path, rgb)
    back = read_image(path)
    assert back.dtype == np.uint8 and back.flags.c_contiguous
    np.testing.assert_array_equal(back, rgb)


def test_channel_order_is_rgb(tmp_path: Path) -> None:
    red = np.zeros((4, 4, 3), np.uint8)
    red[..., 0] = 255
    write_image(tmp_path / "red.png", red)
    assert read_image(tmp_path / "red.png")[0, 0].tolist() == [255, 0, 0]


def test_grayscale_becomes_three_equal_channels(tmp_path: Path) -> None:
    gray = np.arange(64, dtype=np.uint8).reshape(8, 8)
    _write_raw(tmp_path / "g.png", gray)
    image = read_image(tmp_path / "g.png")
    assert image.shape == (8, 8, 3)
    for channel in range(3):
        np.testing.assert_array_equal(image[..., channel], gray)


def test_16_bit_is_rounded_to_8_bit(tmp_path: Path) -> None:
    values = np.array([[0, 257, 32896, 65535]], dtype=np.uint16)
    bgr16 = np.repeat(values[..., None], 3, axis=2)
    _write_raw(tmp_path / "deep.png", bgr16)
    assert read_image(tmp_path / "deep.png")[0, :, 0].tolist() == [0, 1, 128, 255]


def test_opaque_alpha_is_dropped_and_transparent_alpha_rejected(tmp_path: Path, rgb: np.ndarray) -> None:
    bgra = np.dstack([rgb[..., ::-1], np.full(rgb.shape[:2], 255, np.uint8)])
    _write_raw(tmp_path / "opaque.png", bgra)
    np.testing.assert_array_equal(read_image(tmp_path / "opaque.png"), rgb)
    bgra[0, 0, 3] = 10
    _write_raw(tmp_path / "see-through.png", bgra)
    with pytest.raises(ImageError, match="transparent"):
        read_image(tmp_path / "see-through.png")


def _jpeg_with_orientation(orientation: int, image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 100])
    assert ok
    jpeg = data.tobytes()
    # A minimal big-endian EXIF APP1 segment with one IFD entry: Orientation (0x0112), SHORT.
    tiff = b"MM\x00\x2a\x00\x00\x00\x08" + b"\x00\x01" + b"\x01\x12\x00\x03\x00\x00\x00\x01"
    tiff += orientation.to_bytes(2, "big") + b"\x00\x00" + b"\x00\x00\x00\x00"
    payload = b"Exif\x00\x00" + tiff
    app1 = b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload
    return jpeg[:2] + app1 + jpeg[2:]


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    image = np.zeros((16, 32, 3), np.uint8)
    image[:, :16] = 255  # left half white
    path = tmp_path / "rotated.jpg"
    path.write_bytes(_jpeg_with_orientation(6, image))  # 6 = rotate 90 degrees clockwise to view
    shown = read_image(path)
    assert shown.shape[:2] == (32, 16)
    assert shown[:16].mean() > 200 and shown[16:].mean() < 50


@pytest.mark.parametrize("content", [b"", b"not an image at all", b"\x89PNG\r\n\x1a\n\x00\x00"])
def test_bad_files_raise_image_error_naming_the_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.png"
    path.write_bytes(content)
    with pytest.raises(ImageError) as info:
        read_image(path)
    assert info.value.path == path


def test_truncated_png_is_rejected(tmp_path: Path) -> None:
    big = np.random.default_rng(2).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    write_image(tmp_path / "full.png", big)
    data = (tmp_path / "full.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageError, match="corrupt or truncated"):
        read_image(tmp_path / "cut.png")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ImageError, match="cannot be read"):
        read_image(tmp_path / "absent.png")


def test_png_info_reads_size_without_decoding(tmp_path: Path, rgb: np.ndarray) -> None:
    write_image(tmp_path / "x.png", rgb)
    info = png_info(tmp_path / "x.png")
    assert info is not None and (info.height, info.width) == (12, 17)
    assert png_info(tmp_path / "absent.png") is None


def test_decode_bytes_matches_read(tmp_path: Path, rgb: np.ndarray) -> None:
    write_image(tmp_path / "x.png", rgb)
    np.testing.assert_array_equal(decode_image((tmp_path / "x.png").read_bytes()), rgb)


def _with_chunk(png: bytes, kind: bytes, payload: bytes) -> bytes:
    """``png`` with one more chunk right after IHDR (8-byte signature + 25-byte IHDR chunk)."""
    chunk = struct.pack(">I", len(payload)) + kind + payload
    chunk += struct.pack(">I", zlib.crc32(kind + payload))
    return png[:33] + chunk + png[33:]


def test_only_8_bit_rgb_pngs_without_colour_chunks_are_plain(rgb: np.ndarray) -> None:
    # A plain PNG can be copied byte for byte wherever the project stores an image as PNG:
    # it decodes to the same pixels and no other viewer will show it differently.
    plain = cv2.imencode(".png", rgb)[1].tobytes()
    assert is_plain_rgb_png(plain)
    assert is_plain_rgb_png(_with_chunk(plain, b"pHYs", bytes(9)))
    assert is_plain_rgb_png(_with_chunk(plain, b"tEXt", b"Software\x00test"))
    for kind, payload in ((b"iCCP", b"p\x00\x00" + bytes(8)), (b"gAMA", bytes(4)), (b"eXIf", bytes(8))):
        assert not is_plain_rgb_png(_with_chunk(plain, kind, payload)), kind
    assert not is_plain_rgb_png(_with_chunk(plain, b"tRNS", bytes(6)))
    assert not is_plain_rgb_png(cv2.imencode(".png", rgb[:, :, 0])[1].tobytes())  # gray
    assert not is_plain_rgb_png(cv2.imencode(".png", rgb.astype(np.uint16) * 257)[1].tobytes())
    assert not is_plain_rgb_png(cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2RGBA))[1].tobytes())
    assert not is_plain_rgb_png(cv2.imencode(".jpg", rgb)[1].tobytes())
    assert not is_plain_rgb_png(plain[:40])  # no image data
    # Whatever is plain decodes exactly to the pixels it was written from.
    assert np.array_equal(
        decode_image(_with_chunk(plain, b"pHYs", bytes(9))), cv2.cvtColor(rgb, cv2.COLOR_BGR2RGB)
    )
