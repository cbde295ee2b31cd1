"""Labelling with keys writes exactly the HGGT file, whatever the on-screen order."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from hggt_desktop.core.labels import read_label_file
from hggt_desktop.core.layout import find_labels_dir
from hggt_desktop.core.record import read_record, record_path
from tests.gui.annotator_setup import ANNOTATOR, make_images, open_window, read_json, type_keys

LETTER_KEYS = "1234"
LABEL_KEYS = {"p": "Positive", "s": "Similar", "n": "Negative"}


def test_keys_write_picture_k_plus_1_as_version_0k_whatever_the_screen_order(qtbot, tmp_path: Path) -> None:
    images = make_images(tmp_path, n_sets=6)
    window, session = open_window(qtbot, images)
    labels_dir = find_labels_dir(images)
    orders = []
    for set_index in range(6):
        assert session.index == set_index
        order = session.progress.order
        orders.append(order)
        given = "psnp" if set_index % 2 else "nsps"
        expected = {}
        for position, label_key in enumerate(given):
            type_keys(qtbot, window, LETTER_KEYS[position] + label_key)
            expected[order[position]] = LABEL_KEYS[label_key]
        stem = session.progress.stem
        doc = read_json(labels_dir / ANNOTATOR / f"{stem}.json")
        assert list(doc) == ["Picture_1", "Picture_2", "Picture_3", "Picture_4", "Picture_5", "Time_cost"]
        assert doc["Picture_1"] == {"Name": f"{stem}.png", "File": "original", "Label": None}
        for k in range(1, 5):
            version = f"0{k}"
            assert doc[f"Picture_{k + 1}"] == {
                "Name": f"{stem}_{version}.png",
                "File": version,
                "Label": expected[version],
            }
        assert set(doc["Time_cost"]) == {"Start", "End", "Total"}
        read_label_file(labels_dir / ANNOTATOR / f"{stem}.json")  # the core reader accepts it
        record = read_record(record_path(labels_dir, ANNOTATOR, stem))
        assert record.screen_order == list(order) and record.complete and not record.pending_labels
        assert set(record.image_sha256) == {f"original/{stem}.png", *(f"{v}/{stem}_{v}.png" for v in order)}
        qtbot.keyClick(window.view, Qt.Key.Key_Right)
    assert any(o != ("01", "02", "03", "04") for o in orders), "the test must see shuffled orders"
    assert len(set(orders)) > 1


def test_label_selects_the_next_unlabelled_version_and_next_waits_for_all(qtbot, tmp_path: Path) -> None:
    images = make_images(tmp_path)
    window, session = open_window(qtbot, images)
    assert session.selected == 0
    type_keys(qtbot, window, "p")
    assert session.selected == 1 and session.label_at(0).value == "Positive"
    type_keys(qtbot, window, "ss")
    qtbot.keyClick(window.view, Qt.Key.Key_Right)
    assert session.index == 0, "must not move on with a version unlabelled"
    assert "1 left" in window.view.notice.text()
    assert not (find_labels_dir(images) / ANNOTATOR / f"{session.progress.stem}.json").exists()
    type_keys(qtbot, window, "n")
    qtbot.keyClick(window.view, Qt.Key.Key_Return)
    assert session.index == 1
    qtbot.keyClick(window.view, Qt.Key.Key_Left)
    assert session.index == 0 and session.progress.complete


def test_undo_takes_back_the_last_label_and_the_file(qtbot, tmp_path: Path) -> None:
    images = make_images(tmp_path)
    window, session = open_window(qtbot, images)
    path = find_labels_dir(images) / ANNOTATOR / f"{session.progress.stem}.json"
    type_keys(qtbot, window, "psnp")
    assert path.exists()
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not path.exists(), "an incomplete set must not keep a complete-looking file"
    assert session.label_at(3) is None and session.selected == 3
    record = read_record(record_path(find_labels_dir(images), ANNOTATOR, session.progress.stem))
    assert len(record.pending_labels) == 3
    type_keys(qtbot, window, "n")
    assert read_json(path)[f"Picture_{int(session.version_at(3)) + 1}"]["Label"] == "Negative"


def test_swap_key_held_shows_the_original_in_the_selected_panel(qtbot, tmp_path: Path) -> None:
    window, session = open_window(qtbot, make_images(tmp_path))
    panels = window.view.grid.panels()
    qtbot.keyPress(window.view, Qt.Key.Key_Space)
    assert panels[1].is_swapped() and not panels[2].is_swapped()
    qtbot.keyRelease(window.view, Qt.Key.Key_Space)
    assert not panels[1].is_swapped()
    qtbot.keyPress(window.view, Qt.Key.Key_Space, Qt.KeyboardModifier.ShiftModifier)
    assert all(p.is_swapped() for p in panels[1:])
    qtbot.keyRelease(window.view, Qt.Key.Key_Space, Qt.KeyboardModifier.ShiftModifier)
    assert not any(p.is_swapped() for p in panels[1:])
    assert session.model.store.record(session.index).swap_count == 2


def test_clicking_a_panel_and_the_buttons_label_too(qtbot, tmp_path: Path) -> None:
    window, session = open_window(qtbot, make_images(tmp_path))
    qtbot.mouseClick(window.view.grid.panels()[3], Qt.MouseButton.LeftButton)
    assert session.selected == 2
    qtbot.mouseClick(window.view.buttons["negative"], Qt.MouseButton.LeftButton)
    assert session.label_at(2).value == "Negative"


def test_two_panel_mode_shows_the_original_beside_the_selected_version_and_tab_steps(
    qtbot, tmp_path: Path
) -> None:
    window, session = open_window(qtbot, make_images(tmp_path))
    grid = window.view.grid
    qtbot.keyClick(window.view, Qt.Key.Key_T)
    assert grid.is_two_panel() and grid.two_panel_version() == 1
    qtbot.keyClick(window.view, Qt.Key.Key_Tab)
    assert session.selected == 1 and grid.two_panel_version() == 2
    visible = [i for i, p in enumerate(grid.panels()) if p.isVisible()]
    assert visible == [0, 2]
    type_keys(qtbot, window, "n")  # the label goes to the version on screen
    assert session.label_at(1).value == "Negative"
    qtbot.keyClick(window.view, Qt.Key.Key_T)
    assert not grid.is_two_panel()


def test_help_overlay_lists_the_keys_and_any_key_closes_it(qtbot, tmp_path: Path) -> None:
    window, session = open_window(qtbot, make_images(tmp_path))
    qtbot.keyClick(window.view, Qt.Key.Key_F1)
    overlay = window.view.help_overlay
    assert overlay.isVisible() and "Ctrl+Z" in overlay._label.text()
    qtbot.keyClick(window.view, Qt.Key.Key_P)
    assert not overlay.isVisible() and session.label_at(0) is None, "closing the list gives no label"


def test_next_unlabelled_skips_finished_sets(qtbot, tmp_path: Path) -> None:
    window, session = open_window(qtbot, make_images(tmp_path, n_sets=4))
    type_keys(qtbot, window, "psnp")
    qtbot.keyClick(window.view, Qt.Key.Key_Right)
    type_keys(qtbot, window, "ssss")
    qtbot.keyClick(window.view, Qt.Key.Key_Left)
    qtbot.keyClick(window.view, Qt.Key.Key_Left)
    assert session.index == 0
    qtbot.keyClick(window.view, Qt.Key.Key_U)
    assert session.index == 2, "sets 0 and 1 are done: U goes to set 2"
