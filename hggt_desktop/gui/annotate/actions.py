"""The annotator's actions, in one table: name, title, what it does, default keys, and the call.

Buttons, keys and the View and Help menus all trigger actions by name through this table, so
an action is described and wired once. The names are what annotators write in ``keys.json``:
renaming one would silently drop their remapped keys, so names only ever get added.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from hggt_desktop.annotation.model import SWAP_ALL, SWAP_NONE, SWAP_SELECTED
from hggt_desktop.core.labels import Label
from hggt_desktop.gui.annotate.comparison import SPLIT_STEP
from hggt_desktop.gui.annotate.session import AnnotationSession


class ActionTarget(Protocol):
    """What an action acts on: the session, and the few things only the screen has."""

    session: AnnotationSession

    def fit(self) -> None: ...
    def one_to_one(self) -> None: ...
    def toggle_help(self) -> None: ...
    def choose_flag(self) -> None: ...


# (target, pressed): ``pressed`` is False only when a held key is let go.
ActionCall = Callable[[ActionTarget, bool], object]


@dataclass(frozen=True)
class Action:
    """One thing the annotator can do, with its default keys (``keys.json`` may change them)."""

    name: str
    title: str  # on a button or in a menu
    description: str  # in the list of keys
    keys: tuple[str, ...]
    call: ActionCall
    hold: bool = False  # acts on press and again on release (show the original while held)


def _pressed(call: Callable[[ActionTarget], object]) -> ActionCall:
    """An action that acts once, on press."""
    return lambda target, pressed: call(target) if pressed else None


def _held(mode: str) -> ActionCall:
    return lambda target, pressed: target.session.set_swap(mode if pressed else SWAP_NONE)


def _select(position: int) -> Action:
    letter = chr(65 + position)
    return Action(
        f"select_{position + 1}",
        f"Version {letter}",
        f"Select version {position + 1} (panel letter {letter})",
        (str(position + 1),),
        _pressed(lambda target: target.session.select(position)),
    )


def _label(label: Label, description: str, key: str) -> Action:
    return Action(
        label.value.lower(),
        label.value,
        description,
        (key,),
        _pressed(lambda target: target.session.give_label(label)),
    )


ACTIONS: tuple[Action, ...] = (
    *(_select(position) for position in range(9)),
    _label(Label.POSITIVE, "Positive: better than the original", "P"),
    _label(Label.SIMILAR, "Similar: no clear difference", "S"),
    _label(Label.NEGATIVE, "Negative: worse (artifacts, false detail, halos)", "N"),
    Action(
        "swap",
        "Show the original",
        "Hold: show the original in place of the selected version",
        ("Space",),
        _held(SWAP_SELECTED),
        hold=True,
    ),
    Action(
        "swap_all",
        "Show the original everywhere",
        "Hold: show the original in place of every version",
        ("Shift+Space",),
        _held(SWAP_ALL),
        hold=True,
    ),
    Action(
        "next_set",
        "Next ▶",
        "Next set (when every version has a label)",
        ("Right", "Return", "Enter"),
        _pressed(lambda target: target.session.next_set()),
    ),
    Action(
        "previous_set",
        "◀ Previous",
        "Previous set",
        ("Left",),
        _pressed(lambda target: target.session.previous_set()),
    ),
    Action(
        "next_unlabelled",
        "Next unlabelled",
        "Jump to the next unlabelled set",
        ("U",),
        _pressed(lambda target: target.session.next_unlabelled()),
    ),
    Action(
        "undo", "Undo", "Undo the last label", ("Ctrl+Z",), _pressed(lambda target: target.session.undo())
    ),
    Action("fit", "Fit", "Fit the images to the panels", ("F",), _pressed(lambda target: target.fit())),
    Action(
        "one_to_one",
        "True 1:1",
        "True 1:1 (one image pixel on one screen pixel)",
        ("0", "O"),
        _pressed(lambda target: target.one_to_one()),
    ),
    Action(
        "two_panel",
        "Two panels",
        "Two-panel mode: the original beside one version, large",
        ("T",),
        _pressed(lambda target: target.session.set_two_panel(not target.session.two_panel)),
    ),
    Action(
        "two_panel_step",
        "Next version, two panels",
        "Two-panel mode: show the next version",
        ("Tab",),
        _pressed(lambda target: target.session.step_two_panel(1)),
    ),
    Action(
        "ab_toggle",
        "A/B",
        "Latched A/B: the original in place of the selected version until pressed again",
        ("B",),
        _pressed(lambda target: target.session.aids.toggle_ab()),
    ),
    Action(
        "flicker",
        "Flicker",
        "Flicker: the selected version and the original alternate (2 Hz) until pressed again",
        ("L",),
        _pressed(lambda target: target.session.aids.toggle_flicker()),
    ),
    Action(
        "split_view",
        "Split",
        "Split (wipe) view: the original left of a divider, the selected version right; drag the divider",
        ("W",),
        _pressed(lambda target: target.session.aids.toggle_split()),
    ),
    Action(
        "split_left",
        "Divider left",
        "Split view: move the divider left",
        (",",),
        _pressed(lambda target: target.session.aids.move_split(-SPLIT_STEP)),
    ),
    Action(
        "split_right",
        "Divider right",
        "Split view: move the divider right",
        (".",),
        _pressed(lambda target: target.session.aids.move_split(SPLIT_STEP)),
    ),
    Action(
        "flag",
        "Can't judge",
        "Flag the set as can't judge (misaligned, broken, identical, other); again to unflag",
        ("X",),
        _pressed(lambda target: target.choose_flag()),
    ),
    Action(
        "help",
        "Keys",
        "Show or hide this list of keys",
        ("F1", "?", "H"),
        _pressed(lambda t: t.toggle_help()),
    ),
)
ACTIONS_BY_NAME: dict[str, Action] = {action.name: action for action in ACTIONS}
ACTION_NAMES = tuple(ACTIONS_BY_NAME)
HOLD_ACTIONS = tuple(action.name for action in ACTIONS if action.hold)
# The buttons under the images, in order; None leaves a gap.
BUTTON_ROW: tuple[str | None, ...] = (
    "positive",
    "similar",
    "negative",
    None,
    "previous_set",
    "next_set",
    "next_unlabelled",
    None,
    "fit",
    "one_to_one",
    "two_panel",
    "ab_toggle",
    "flicker",
    "split_view",
    "flag",
    "help",
)
# The View menu of the main window.
VIEW_MENU = ("fit", "one_to_one", "two_panel")


def trigger(target: ActionTarget, name: str, pressed: bool = True) -> None:
    """Perform action ``name`` on ``target`` (an unknown name does nothing)."""
    action = ACTIONS_BY_NAME.get(name)
    if action is None:
        return
    action.call(target, pressed)
    target.session.note_input()
