"""Who labels what: sets shuffled, each to ``overlap`` annotators, cut into packages with trials.

Pure planning (no files): every random choice comes from one ``random.Random(seed)``, so the
same seed and the same sets give the same packages. Inside a package every item, real or
trial, gets a neutral stem (its position, ``000001`` ..), so neither names nor folders tell a
catch trial or a repeat from a real set; the mapping back lives in the curator's key.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

SET, HIDDEN_REFERENCE, DEGRADED, REPEAT = "set", "hidden_reference", "degraded", "repeat"
DEGRADATIONS = ("blur", "noise", "jpeg")


@dataclass(frozen=True)
class Item:
    """One set as an annotator sees it.

    ``slots[j]`` is the real version shown in package folder ``f"{j+1:02d}"``; for a catch
    trial, ``catch_slot`` is the package folder whose image was replaced and ``expected`` the
    label a careful annotator gives it.
    """

    stem: str
    kind: str
    source: str
    slots: tuple[str, ...]
    catch_slot: str | None = None
    expected: str | None = None
    degradation: str | None = None


@dataclass
class PackagePlan:
    """One package: the folder it goes to, its annotator, on-screen seed and items in order."""

    folder: str
    annotator: str
    seed: int
    first: int
    items: list[Item] = field(default_factory=list)

    @property
    def span(self) -> str:
        """``<a>-<b>`` as in the HGGT regroup folders ``images<a>-<b>``."""
        return f"{self.first}-{self.first + len(self.items)}"


def assign_sets(
    stems: Sequence[str], annotators: Sequence[str], overlap: int, rng: random.Random
) -> dict[str, list[str]]:
    """Shuffle the sets and give each to ``overlap`` distinct annotators, loads within one set.

    Dealing consecutive slots round-robin over a shuffled annotator list gives every set
    ``overlap`` consecutive (hence distinct) annotators and every annotator the same load +-1.
    """
    if overlap < 1 or overlap > len(annotators):
        raise ValueError(f"overlap must be between 1 and the number of annotators ({len(annotators)})")
    order = list(stems)
    rng.shuffle(order)
    dealer = list(annotators)
    rng.shuffle(dealer)
    assigned: dict[str, list[str]] = {a: [] for a in annotators}
    slot = 0
    for stem in order:
        for _ in range(overlap):
            assigned[dealer[slot % len(dealer)]].append(stem)
            slot += 1
    return assigned


def _catch_item(rng: random.Random, pool: Sequence[str], versions: dict[str, tuple[str, ...]]) -> Item:
    source = rng.choice(pool)
    slots = versions[source]
    catch_slot = f"{rng.randrange(len(slots)) + 1:02d}"
    if rng.random() < 0.5:
        return Item("", HIDDEN_REFERENCE, source, slots, catch_slot, "Similar")
    return Item("", DEGRADED, source, slots, catch_slot, "Negative", rng.choice(DEGRADATIONS))


def _repeat_item(rng: random.Random, source: str, versions: tuple[str, ...]) -> Item:
    slots = list(versions)
    if len(slots) > 1:
        while tuple(slots) == versions:  # the repeat must not show the versions in the same folders
            rng.shuffle(slots)
    return Item("", REPEAT, source, tuple(slots))


def plan_packages(
    versions: dict[str, tuple[str, ...]],
    annotators: Sequence[str],
    overlap: int = 3,
    per_annotator: int = 1000,
    seed: int = 0,
    catch_rate: float = 0.0,
    repeat_rate: float = 0.0,
) -> list[PackagePlan]:
    """Packages for every annotator; ``versions`` maps each real stem to its version folders."""
    rng = random.Random(seed)
    assigned = assign_sets(sorted(versions), annotators, overlap, rng)
    # A package holds at most per_annotator items, trials included.
    real_cap = max(1, math.floor(per_annotator / (1.0 + catch_rate + repeat_rate)))
    plans: list[PackagePlan] = []
    for annotator in annotators:
        own = assigned[annotator]
        others = sorted(set(versions) - set(own)) or sorted(versions)
        chunks = [own[i : i + real_cap] for i in range(0, len(own), real_cap)] or [[]]
        first = 0
        for number, chunk in enumerate(chunks, start=1):
            folder = annotator if len(chunks) == 1 else f"{annotator}-{number:02d}"
            plan = PackagePlan(folder, annotator, rng.randrange(2**31), first)
            items = [Item("", SET, stem, versions[stem]) for stem in chunk]
            room = max(0, per_annotator - len(items))
            n_catch = min(round(catch_rate * len(chunk)), room)
            n_repeat = min(round(repeat_rate * len(chunk)), room - n_catch, len(chunk))
            for _ in range(n_catch):
                items.insert(rng.randrange(len(items) + 1), _catch_item(rng, others, versions))
            # Repeats come from the first half and at least a quarter of the package later, so
            # that the set is not fresh in memory when it comes back.
            early = chunk[: max(n_repeat, len(chunk) // 2)]
            for source in rng.sample(early, n_repeat):
                after = next(i for i, item in enumerate(items) if item.kind == SET and item.source == source)
                earliest = min(after + 1 + len(items) // 4, len(items))
                items.insert(rng.randint(earliest, len(items)), _repeat_item(rng, source, versions[source]))
            plan.items = [
                Item(
                    f"{first + i + 1:06d}",
                    it.kind,
                    it.source,
                    it.slots,
                    it.catch_slot,
                    it.expected,
                    it.degradation,
                )
                for i, it in enumerate(items)
            ]
            plans.append(plan)
            first += len(items)
    return plans
