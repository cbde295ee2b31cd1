"""Who labels what: sets shuffled, each to ``overlap`` annotators, cut into packages with trials.

Pure planning (no files): every random choice comes from one ``random.Random(seed)``, so the
same seed and the same sets give the same packages. Inside a package every item, real or
trial, gets a neutral stem (its position, ``000001`` ..), so neither names nor folders tell a
catch trial or a repeat from a real set; the mapping back lives in the curator's key.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

SET, HIDDEN_REFERENCE, DEGRADED, REPEAT = "set", "hidden_reference", "degraded", "repeat"
DEGRADATIONS = ("blur", "noise", "jpeg")
EARLY_CATCH = 10  # every package with a catch trial has one among its first 10 items


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
    """Shuffle the sets and give each to ``overlap`` distinct annotators, mixing the teams.

    The slots are dealt in rounds: each round is one ordering of all the annotators, so loads
    stay within one set of each other. Dealing the same ordering every round would give fixed
    teams (6 raters, overlap 3: two teams that never share a set), so each round's ordering is
    the best of a few shuffles: the one whose groups repeat the fewest pairs already dealt.
    Every pair of raters then shares sets as evenly as the numbers allow, which is what lets
    the curator compare each rater with every other one.
    """
    if overlap < 1 or overlap > len(annotators):
        raise ValueError(f"overlap must be between 1 and the number of annotators ({len(annotators)})")
    order = list(stems)
    rng.shuffle(order)
    assigned: dict[str, list[str]] = {a: [] for a in annotators}
    pairs: Counter[tuple[str, str]] = Counter()
    group: list[str] = []  # the annotators of the set being dealt
    dealer: list[str] = []
    sets = iter(order)
    stem = next(sets, None)
    while stem is not None:
        if not dealer:
            dealer = _next_round(annotators, group, overlap, pairs, rng)
        annotator = dealer.pop(0)
        group.append(annotator)
        if len(group) == overlap:
            for a in group:
                assigned[a].append(stem)
            pairs.update(_pairs(group))
            group = []
            stem = next(sets, None)
    return assigned


# Shuffles tried per round: a few raters need the search to meet every pair; among many,
# any shuffle already mixes them, and 20,000 sets must still be planned in a moment.
_ROUND_BUDGET, _MAX_TRIES = 240, 60


def _pairs(group: Sequence[str]) -> list[tuple[str, str]]:
    return [(a, b) if a < b else (b, a) for i, a in enumerate(group) for b in group[i + 1 :]]


def _next_round(
    annotators: Sequence[str],
    open_group: list[str],
    overlap: int,
    pairs: Counter[tuple[str, str]],
    rng: random.Random,
) -> list[str]:
    """One ordering of every annotator for the next round of slots (see :func:`assign_sets`)."""
    best: list[str] = []
    best_cost: tuple[int, int] | None = None
    for _ in range(max(1, min(_MAX_TRIES, _ROUND_BUDGET // len(annotators)))):
        candidate = list(annotators)
        rng.shuffle(candidate)
        # The set still open from the last round must not get the same annotator twice.
        need = overlap - len(open_group)
        head = [a for a in candidate if a not in open_group][:need]
        chosen = set(head)
        candidate = head + [a for a in candidate if a not in chosen]
        groups = [open_group + head] + [
            candidate[i : i + overlap] for i in range(need, len(candidate) - overlap + 1, overlap)
        ]
        dealt = [pair for g in groups for pair in _pairs(g)]
        # Pairs that never shared a set first, then the pair counts as even as possible.
        cost = (-sum(pairs[pair] == 0 for pair in set(dealt)), sum(pairs[pair] ** 2 for pair in dealt))
        if best_cost is None or cost < best_cost:
            best, best_cost = candidate, cost
    return best


def assign_replacements(
    taken: dict[str, set[str]], annotators: Sequence[str], overlap: int, rng: random.Random
) -> dict[str, list[str]]:
    """Give each set in ``taken`` to ``overlap`` annotators who have not labelled it yet.

    For sending an excluded rater's sets to others: ``taken`` maps each such set to the raters
    who already labelled it (they are never given it again); the least loaded eligible
    annotators take it, ties broken at random. A set with too few eligible annotators gets all
    there are.
    """
    assigned: dict[str, list[str]] = {a: [] for a in annotators}
    stems = sorted(taken)
    rng.shuffle(stems)
    for stem in stems:
        eligible = [a for a in annotators if a not in taken[stem]]
        rng.shuffle(eligible)
        eligible.sort(key=lambda a: len(assigned[a]))
        for annotator in eligible[:overlap]:
            assigned[annotator].append(stem)
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
    taken: dict[str, set[str]] | None = None,
) -> list[PackagePlan]:
    """Packages for every annotator; ``versions`` maps each real stem to its version folders.

    With ``taken`` (set -> raters who already labelled it), only those sets are dealt, each to
    ``overlap`` annotators who have not labelled it (see :func:`assign_replacements`).
    """
    rng = random.Random(seed)
    if taken is None:
        assigned = assign_sets(sorted(versions), annotators, overlap, rng)
    else:
        assigned = assign_replacements(taken, annotators, overlap, rng)
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
            for number in range(n_catch):
                # The first catch trial comes within the first sets: a rater who does not look
                # meets one early, not by chance after 30-50 sets.
                room_at = min(len(items), EARLY_CATCH - 1) if number == 0 else len(items)
                items.insert(rng.randrange(room_at + 1), _catch_item(rng, others, versions))
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
