"""The preview of Tools > Enhance a folder: the original beside each model's version, scrollable."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QDialog, QLabel, QScrollArea, QVBoxLayout, QWidget

from hggt_desktop.core.images import read_image
from hggt_desktop.gui.viewer.qimage import to_qimage


class PreviewWindow(QDialog):
    """Shows one side-by-side preview image at 1:1 (decoded by the core, like every image)."""

    def __init__(self, parent: QWidget | None = None, title: str = "Enhancement preview") -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.image_label = QLabel()
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        scroll = QScrollArea()
        scroll.setWidget(self.image_label)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.caption)
        self.resize(1100, 700)

    def show_image(self, path: Path, caption: str | None = None) -> None:
        """Load ``path`` and show it; a file that cannot be read is said in the caption."""
        try:
            image = read_image(path)
        except Exception as exc:  # the runner said it wrote it; say what went wrong instead
            self.image_label.clear()
            self.caption.setText(f"cannot show {path}: {exc}")
        else:
            # In device pixels, so that at 125-200% display scaling a pixel stays a pixel (0005).
            ratio = self.devicePixelRatioF()
            pixmap = QPixmap.fromImage(to_qimage(image))
            pixmap.setDevicePixelRatio(ratio)
            self.image_label.setPixmap(pixmap)
            self.image_label.resize(round(image.shape[1] / ratio), round(image.shape[0] / ratio))
            self.caption.setText(caption or str(path))
        self.show()
        self.raise_()
