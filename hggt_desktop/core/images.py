"""Reading and writing images: the one decode path of the project.

Policy (docs/decisions/0001-image-policy.md), the same for the GUI, the data tools, the runner
and the trainer:

- every image is returned as a contiguous ``HxWx3 uint8`` RGB array;
- files are read with ``np.fromfile`` + ``cv2.imdecode`` so non-ASCII Windows paths work;
- EXIF orientation is applied (as OpenCV's colour decode does), so a photo shows upright;
- grayscale is expanded to three equal channels;
- 16-bit images are reduced to 8 bits with rounding (``round(v * 255 / 65535)``);
- an alpha channel is dropped when it is fully opaque; an image with transparent pixels is
  rejected, because there is no right background to put under it;
- ICC profiles are not applied: values are taken as sRGB. :func:`png_info` reports an embedded
  profile so ``hggt-data check`` can warn about it;
- an image whose header claims more than ``MAX_IMAGE_PIXELS`` pixels (or a side over
  ``MAX_IMAGE_SIDE``) is refused before decoding: a few bytes can claim 100000x100000 pixels
  (a decompression bomb) and ask for 30 GB of memory.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from hggt_desktop.core.atomic import write_bytes_atomic

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The stated limit: 250 megapixels (750 MB as RGB; a 16k x 15k image) and 40000 pixels a side.
# HGGT sources are photos of at most a few tens of megapixels, so only a damaged or hostile file
# comes near it.
MAX_IMAGE_PIXELS = 250_000_000
MAX_IMAGE_SIDE = 40_000


class ImageError(Exception):
    """An image file cannot be used; the message names the file and what to do."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


@dataclass(frozen=True)
class PngInfo:
    """What a PNG header says, read without decoding the pixels."""

    width: int
    height: int
    bit_depth: int
    color_type: int
    has_transparency_chunk: bool
    has_icc_profile: bool

    @property
    def may_have_alpha(self) -> bool:
        return self.color_type in (4, 6) or self.has_transparency_chunk


def is_image_file(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES


def png_info(path: Path) -> PngInfo | None:
    """Header facts of a PNG file, or None when it is not a PNG; reads only the chunk headers."""
    try:
        with open(path, "rb") as handle:
            if handle.read(8) != _PNG_SIGNATURE:
                return None
            width = height = depth = ctype = 0
            trns = iccp = False
            while True:
                header = handle.read(8)
                if len(header) < 8:
                    break
                length, kind = struct.unpack(">I4s", header)
                if kind == b"IHDR":
                    data = handle.read(length)
                    width, height, depth, ctype = struct.unpack(">IIBB", data[:10])
                    handle.seek(4, 1)
                    continue
                if kind in (b"IDAT", b"IEND"):
                    break
                trns |= kind == b"tRNS"
                iccp |= kind == b"iCCP"
                handle.seek(length + 4, 1)
    except OSError:
        return None
    if not width:
        return None
    return PngInfo(width, height, depth, ctype, trns, iccp)


def image_size(path: Path) -> tuple[int, int]:
    """(height, width) of an image, from the PNG header when possible, else by decoding.

    Raises :class:`ImageError` when the header claims more than the stated limit.
    """
    info = png_info(path)
    if info is not None:
        check_dimensions(info.width, info.height, path)
        return info.height, info.width
    image = read_image(path)
    return image.shape[0], image.shape[1]


def read_image(path: Path | str) -> np.ndarray:
    """Read any supported image as ``HxWx3 uint8`` RGB following the project's policy."""
    return decode_image(read_encoded(path), path)


def read_encoded(path: Path | str) -> np.ndarray:
    """The bytes of an image file (for :func:`decode_image`); works on non-ASCII paths."""
    try:
        return np.fromfile(Path(path), dtype=np.uint8)
    except OSError as exc:
        raise ImageError(path, f"cannot be read ({exc.strerror or exc}); check the file exists") from exc


# Chunks that change nothing about how the policy decodes an 8-bit RGB PNG, nor how other
# software shows it (no colour management, gamma, transparency or orientation).
_NEUTRAL_PNG_CHUNKS = frozenset({b"IHDR", b"pHYs", b"sRGB", b"tEXt", b"zTXt", b"iTXt", b"tIME", b"bKGD"})


def is_plain_rgb_png(data: np.ndarray | bytes) -> bool:
    """Whether these PNG bytes are already what :func:`write_image` would write for their pixels:
    8-bit RGB with no chunk that alters colour, transparency or orientation. Such a file can be
    copied byte for byte where the project stores an image as PNG."""
    head = bytes(data[:65536])
    if not head.startswith(_PNG_SIGNATURE) or len(head) < 33:
        return False
    if head[24] != 8 or head[25] != 2:  # IHDR bit depth, colour type (2: RGB)
        return False
    offset = 8
    while offset + 8 <= len(head):
        length, kind = struct.unpack(">I4s", head[offset : offset + 8])
        if kind == b"IDAT":
            return True
        if kind not in _NEUTRAL_PNG_CHUNKS:
            return False
        offset += 12 + length
    return False


def decode_image(data: np.ndarray | bytes, path: Path | str = "<memory>") -> np.ndarray:
    """Decode encoded image bytes (the file's content) following the project's policy."""
    path = Path(path)
    buffer = np.frombuffer(data, dtype=np.uint8) if isinstance(data, bytes) else data
    if buffer.size == 0:
        raise ImageError(path, "is empty; copy the image again")
    size = header_size(buffer)
    if size is not None:
        check_dimensions(*size, path)
    try:
        image = cv2.imdecode(buffer, cv2.IMREAD_COLOR_RGB | cv2.IMREAD_ANYDEPTH)
    except cv2.error as exc:  # OpenCV's own limits (formats whose header is not read above)
        raise ImageError(path, f"cannot be decoded ({_first_line(exc)}); copy it again") from None
    if image is None:
        raise ImageError(path, "is not a readable image (corrupt or truncated); copy it again")
    if bytes(buffer[:8]) == _PNG_SIGNATURE and _png_color_type_has_alpha(buffer):
        _reject_transparency(buffer, path)
    if image.dtype == np.uint16:
        image = np.round(image.astype(np.float32) * (255.0 / 65535.0)).astype(np.uint8)
    elif image.dtype != np.uint8:
        raise ImageError(path, f"has unsupported sample type {image.dtype}; save it as 8- or 16-bit")
    return np.ascontiguousarray(image)


def check_dimensions(width: int, height: int, path: Path | str) -> None:
    """Refuse sizes over the stated limit (``MAX_IMAGE_PIXELS``, ``MAX_IMAGE_SIDE``), naming the file."""
    if width <= 0 or height <= 0:
        raise ImageError(path, f"its header says {width}x{height} pixels; the file is damaged, copy it again")
    if width > MAX_IMAGE_SIDE or height > MAX_IMAGE_SIDE or width * height > MAX_IMAGE_PIXELS:
        raise ImageError(
            path,
            f"its header says {width}x{height} pixels, over the limit of {MAX_IMAGE_PIXELS // 1_000_000} "
            f"megapixels ({MAX_IMAGE_SIDE} a side); it is damaged or not a photo, so it is not decoded",
        )


def header_size(data: np.ndarray | bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG, JPEG or BMP header without decoding; None for other formats."""
    head = bytes(data[:32])
    if head.startswith(_PNG_SIGNATURE) and head[12:16] == b"IHDR" and len(head) >= 24:
        width, height = struct.unpack(">II", head[16:24])
        return width, height
    if head.startswith(b"BM") and len(head) >= 26:
        width, height = struct.unpack("<ii", head[18:26])
        return width, abs(height)  # a negative height means top-down rows
    if head.startswith(b"\xff\xd8"):
        return _jpeg_size(bytes(data[: 1 << 20]))
    return None


_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}  # frame headers, not DHT/JPG/DAC


def _jpeg_size(head: bytes) -> tuple[int, int] | None:
    """Walk the JPEG segments to the first frame header (SOFn) and read its size."""
    offset = 2
    while offset + 9 <= len(head):
        if head[offset] != 0xFF:
            return None
        marker = head[offset + 1]
        if marker == 0xFF:  # fill byte
            offset += 1
            continue
        if marker in _JPEG_SOF:
            height, width = struct.unpack(">HH", head[offset + 5 : offset + 9])
            return width, height
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # markers without a length
            offset += 2
            continue
        (length,) = struct.unpack(">H", head[offset + 2 : offset + 4])
        offset += 2 + length
    return None


def _first_line(exc: Exception) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[-1] if lines else type(exc).__name__


def _png_color_type_has_alpha(buffer: np.ndarray) -> bool:
    # IHDR is always the first chunk: colour type is byte 25. tRNS can add transparency to
    # palette, gray and RGB images, so look for it before the first IDAT as well.
    if buffer.size < 33:
        return False
    if int(buffer[25]) in (4, 6):
        return True
    head = bytes(buffer[: min(buffer.size, 65536)])
    idat = head.find(b"IDAT")
    return b"tRNS" in head[: idat if idat >= 0 else len(head)]


def _reject_transparency(buffer: np.ndarray, path: Path) -> None:
    full = cv2.imdecode(buffer, cv2.IMREAD_UNCHANGED)
    if full is None or full.ndim != 3 or full.shape[2] != 4:
        # tRNS on a palette image: decode through the 4-channel path.
        return
    alpha = full[:, :, 3]
    opaque = 65535 if alpha.dtype == np.uint16 else 255
    if int(alpha.min()) != opaque:
        raise ImageError(
            path, "has transparent pixels; flatten it onto a background and save it without alpha"
        )


def encode_png(image: np.ndarray, compression: int = 1) -> bytes:
    """Encode an ``HxWx3 uint8`` RGB array (or ``HxW`` gray) as PNG bytes."""
    if image.dtype != np.uint8 or image.ndim not in (2, 3):
        raise ValueError(f"expected an HxWx3 uint8 image, got {image.dtype} {image.shape}")
    bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR) if image.ndim == 3 else image
    ok, encoded = cv2.imencode(".png", bgr, [cv2.IMWRITE_PNG_COMPRESSION, compression])
    if not ok:
        raise ValueError("PNG encoding failed")
    return encoded.tobytes()


def write_image(path: Path | str, image: np.ndarray, compression: int = 1) -> None:
    """Write an RGB array as PNG atomically; works on non-ASCII paths."""
    write_bytes_atomic(Path(path), encode_png(image, compression))
