"""The bundled demo set, copied to a writable place so the real app can label it."""

from __future__ import annotations

import shutil
from pathlib import Path

from hggt_desktop.core.labels import ORIGINAL_FOLDER
from hggt_desktop.resources import resource_path

DEMO_ANNOTATOR = "demo"


class DemoError(Exception):
    """The demo images are missing or cannot be copied."""


def demo_images_source() -> Path:
    """``resources/demo/images`` (found the same way from a checkout and from a bundle)."""
    return resource_path("demo", "images")


def prepare_demo(target_root: Path) -> Path:
    """Copy the demo images (not their labels) under ``target_root``; return the images copy.

    An existing copy is kept, so the demo reopens where the person stopped; files missing
    from it are copied again.
    """
    source = demo_images_source()
    if not (source / ORIGINAL_FOLDER).is_dir():
        raise DemoError(f"The demo images are missing: {source} has no 'original' folder. Reinstall the app.")
    target = Path(target_root) / "images"
    try:
        shutil.copytree(source, target, dirs_exist_ok=True, copy_function=_copy_if_missing)
    except OSError as exc:
        raise DemoError(f"Cannot copy the demo images to {target}: {exc}. Choose a writable folder.") from exc
    return target


def _copy_if_missing(src: str, dst: str) -> str:
    if not Path(dst).exists():
        shutil.copy2(src, dst)
    return dst
