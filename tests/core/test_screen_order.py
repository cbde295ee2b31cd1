"""The blinded order: reproducible per annotator and set, different across them, a permutation."""

from hggt_desktop.core.screen_order import screen_letter, screen_order

VERSIONS = ("01", "02", "03", "04")


def test_same_inputs_give_the_same_order_after_a_restart() -> None:
    first = screen_order(VERSIONS, "A", "0001-586-1469", 7)
    assert first == screen_order(list(reversed(VERSIONS)), "A", "0001-586-1469", 7)
    assert sorted(first) == list(VERSIONS)


def test_order_depends_on_annotator_set_and_package_seed() -> None:
    stems = [f"s{i}" for i in range(20)]
    by_a = [screen_order(VERSIONS, "A", s) for s in stems]
    assert len(set(by_a)) > 8  # different sets get different orders
    assert by_a != [screen_order(VERSIONS, "B", s) for s in stems]
    assert by_a != [screen_order(VERSIONS, "A", s, 99) for s in stems]


def test_every_position_is_used_by_every_version_about_equally() -> None:
    counts = {v: [0] * 4 for v in VERSIONS}
    for i in range(2000):
        for position, version in enumerate(screen_order(VERSIONS, "rater", f"{i:05d}")):
            counts[version][position] += 1
    for row in counts.values():
        assert all(400 < c < 600 for c in row), counts


def test_nine_versions_and_a_single_version_work() -> None:
    nine = [f"0{k}" for k in range(1, 10)]
    assert sorted(screen_order(nine, "A", "x")) == nine
    assert screen_order(["01"], "A", "x") == ("01",)


def test_letters_are_neutral() -> None:
    assert [screen_letter(i) for i in range(4)] == ["A", "B", "C", "D"]
