"""Every command over the fuzz corpus (issue 13): no traceback, the file named, nothing changed.

The default run takes one probe per case (preferring one that must name the damaged file), so
every kind of damage is exercised cheaply; ``-m slow`` runs every case through every probe.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.robustness.corpus import Case, dataset_cases, make_base
from tests.robustness.corpus_files import file_cases, identity_onnx
from tests.robustness.probes import Context, judge, run_probe, snapshot

CASES = dataset_cases() + file_cases()


def _sample() -> list[tuple[Case, str]]:
    chosen = []
    for index, case in enumerate(CASES):
        naming = [p for p in case.probes if p in case.named_by] or list(case.probes)
        chosen.append((case, naming[index % len(naming)]))
    return chosen


SAMPLE = _sample()
EVERY = [(case, probe) for case in CASES for probe in case.probes if (case, probe) not in SAMPLE]


def _id(pair: tuple[Case, str]) -> str:
    return f"{pair[0].name}-{pair[1]}"


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("onnx")
    return identity_onnx(tmp_path_factory.mktemp("model") / "identity.onnx")


def run_case(case: Case, probe: str, tmp_path: Path, model: Path, qtbot, capsys, caplog) -> None:
    inputs, out = tmp_path / "in", tmp_path / "out"
    root = make_base(inputs, case.root_name)
    damaged = case.damage(root)
    out.mkdir()
    before = snapshot(tmp_path, skip=out)
    outcome = run_probe(probe, root, out, Context(model, qtbot), capsys, caplog)
    after = snapshot(tmp_path, skip=out)
    if probe == "enhance":
        # The run's own manifest is a declared output: resuming appends to it (issue 13 hole 8).
        for files in (before, after):
            for path in [p for p in files if p.endswith("/.hggt-enhance/manifest.jsonl")]:
                del files[path]
    try:
        judge(outcome, damaged, probe in case.named_by, before, after)
        if case.valid and probe == "check":
            assert outcome.code == 0, f"a valid input was refused:\n{outcome.text[-2000:]}"
    except AssertionError:
        if probe in case.xfail:
            pytest.xfail(case.xfail[probe])
        raise


@pytest.mark.parametrize("pair", SAMPLE, ids=_id)
def test_corpus_sample(pair, tmp_path, model, qtbot, capsys, caplog):
    run_case(*pair, tmp_path, model, qtbot, capsys, caplog)


@pytest.mark.slow
@pytest.mark.parametrize("pair", EVERY, ids=_id)
def test_corpus_every_probe(pair, tmp_path, model, qtbot, capsys, caplog):
    run_case(*pair, tmp_path, model, qtbot, capsys, caplog)


def test_corpus_covers_the_damage_the_issue_lists():
    names = " ".join(case.name for case in CASES)
    for kind in (
        "truncated",
        "zero-byte",
        "wrong-type",
        "bomb",
        "16-bit",
        "cmyk",
        "other-size",
        "missing",
        "nan",
        "huge-int",
        "deep-nesting",
        "wrong-types",
        "bom",
        "utf16",
        "duplicate-keys",
        "link-outside",
        "non-ascii-long",
        "package-json",
        "key-json",
        "manifest",
        "pack-",
        "config-",
        "model-",
        "checkpoint-",
    ):
        assert kind in names, kind
