"""Dealing mixes the teams: every pair of raters shares sets, loads stay even (issue 22)."""

from __future__ import annotations

import itertools
import random
from collections import Counter

import pytest

from hggt_desktop.tools.assignment import DEGRADED, EARLY_CATCH, HIDDEN_REFERENCE, assign_sets, plan_packages

RATERS = list("ABCDEF")


def pair_counts(assigned: dict[str, list[str]]) -> tuple[Counter, dict[str, list[str]]]:
    by_set: dict[str, list[str]] = {}
    for rater, stems in assigned.items():
        for stem in stems:
            by_set.setdefault(stem, []).append(rater)
    pairs = Counter(pair for raters in by_set.values() for pair in itertools.combinations(sorted(raters), 2))
    return pairs, by_set


@pytest.mark.parametrize("n_sets", [10, 11, 40, 240])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_six_raters_overlap_three_every_pair_shares_sets(n_sets: int, seed: int) -> None:
    stems = [f"{i:04d}" for i in range(n_sets)]
    assigned = assign_sets(stems, RATERS, 3, random.Random(seed))
    pairs, by_set = pair_counts(assigned)
    assert sorted(by_set) == stems and all(len(set(r)) == len(r) == 3 for r in by_set.values())
    loads = [len(s) for s in assigned.values()]
    assert max(loads) - min(loads) <= 1
    assert set(pairs) == set(itertools.combinations(RATERS, 2))  # no two fixed teams
    if n_sets >= 40:  # as evenly as the numbers allow: 3 * n_sets / 15 pairs each
        assert max(pairs.values()) - min(pairs.values()) <= 2


def test_every_rater_meets_a_catch_trial_among_the_first_sets() -> None:
    versions = {f"{i:04d}": ("01", "02", "03", "04") for i in range(240)}
    plans = plan_packages(versions, RATERS, 3, per_annotator=1000, seed=4, catch_rate=0.1, repeat_rate=0.05)
    for plan in plans:
        first = next(i for i, item in enumerate(plan.items) if item.kind in (HIDDEN_REFERENCE, DEGRADED))
        assert first < EARLY_CATCH, plan.annotator


def test_replacing_a_rater_sends_their_sets_to_others_who_have_not_labelled_them(tmp_path, capsys) -> None:
    import json

    from hggt_desktop.cli.data import main
    from tests.datagen import make_dataset

    images = make_dataset(tmp_path / "d", n_sets=6, size=8, annotators=("A", "B", "C"))
    out = tmp_path / "p"
    argv = ["package", str(images), str(out), "--annotators", "B,D,E", "--overlap", "1", "--replace", "A"]
    assert main([*argv, "--seed", "2"]) == 0
    key = json.loads((out / ".curator" / "key.json").read_text())
    dealt = {
        (entry["annotator"], item["source"])
        for entry in key["packages"].values()
        for item in entry["items"].values()
    }
    assert {stem for _, stem in dealt} == {p.stem for p in (images.parent / "labels" / "A").glob("*.json")}
    assert all(annotator in ("D", "E") for annotator, _ in dealt)  # B labelled every set already
    capsys.readouterr()
    assert (
        main(
            [
                "package",
                str(images),
                str(tmp_path / "q"),
                "--annotators",
                "A,D",
                "--overlap",
                "1",
                "--replace",
                "A",
            ]
        )
        == 2
    )
    assert "cannot be one of --annotators" in capsys.readouterr().err


def test_missing_counts_only_the_sets_assigned_to_the_rater(tmp_path, capsys) -> None:
    import json

    from hggt_desktop.cli.data import main
    from tests.datagen import make_dataset
    from tests.tools.test_packages import label_packages

    images = make_dataset(tmp_path / "d", n_sets=12, size=8, annotators=())
    out = tmp_path / "p"
    assert (
        main(
            [
                "package",
                str(images),
                str(out),
                "--annotators",
                ",".join(RATERS),
                "--overlap",
                "3",
                "--seed",
                "1",
            ]
        )
        == 0
    )
    label_packages(out)
    assert (
        main(
            [
                "merge",
                *[str(p) for p in sorted(out.iterdir()) if not p.name.startswith(".")],
                "--into",
                str(images),
            ]
        )
        == 0
    )
    capsys.readouterr()
    main(["agreement", str(images), "--json", "--bootstrap", "0"])
    per = json.loads(capsys.readouterr().out)["per_annotator"]
    assert {r: f["sets_missing"] for r, f in per.items()} == dict.fromkeys(
        RATERS, 0
    )  # 6 of 12 each, all done
    assert {f["sets_labelled"] for f in per.values()} == {6}
    next((images.parent / "labels" / "A").glob("*.json")).unlink()
    main(["agreement", str(images), "--json", "--bootstrap", "0"])
    assert json.loads(capsys.readouterr().out)["per_annotator"]["A"]["sets_missing"] == 1
