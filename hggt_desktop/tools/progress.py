"""Progress bars for the data tools: tqdm on stderr, silent when stderr is not a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


def progress(
    items: Iterable[T], total: int | None = None, desc: str = "", enabled: bool = True
) -> Iterator[T]:
    """Wrap ``items`` in a progress bar on stderr (tqdm's ``disable=None`` hides it off a terminal)."""
    if not enabled:
        yield from items
        return
    from tqdm import tqdm

    yield from tqdm(items, total=total, desc=desc, file=sys.stderr, disable=None, unit="img", leave=False)


@contextmanager
def progress_counter(total: int, desc: str = "", enabled: bool = True) -> Iterator[Callable[[int], object]]:
    """A progress bar advanced by hand: ``with progress_counter(n) as advance: ... advance(1)``."""
    if not enabled:
        yield lambda _n=1: None
        return
    from tqdm import tqdm

    with tqdm(total=total, desc=desc, file=sys.stderr, disable=None, leave=False) as bar:
        yield bar.update
