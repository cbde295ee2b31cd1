"""The runner: outputs, resume from the manifest, interruption, bad images, OOM retry."""

import json
import threading
import time

import numpy as np
import pytest

from enhance.engines.base import EngineOptions
from enhance.engines.torch_engine import TorchEngine
from enhance.job import ModelSpec, Reporter, RunOptions, output_path
from enhance.manifest import Manifest
from enhance.runner import Runner
from enhance.tiling import tile_image
from hggt_desktop.core.hashing import sha256_file
from hggt_desktop.core.images import read_image
from tests.enhance.models import make_folder, save_pth, tiny_rcan, torch_infer

OPTIONS = RunOptions(tile=32, overlap=8, batch=2, provider="cpu")


class CountingFactory:
    """Opens torch engines and counts engine calls, to prove a re-run does no work."""

    def __init__(self) -> None:
        self.opened = 0
        self.calls = 0

    def __call__(self, path, options: EngineOptions):
        self.opened += 1
        engine = TorchEngine.from_checkpoint(path, options)
        infer = engine.infer

        def counted(batch):
            self.calls += 1
            return infer(batch)

        engine.infer = counted
        return engine


class StopAfter(Reporter):
    def __init__(self, count: int, stop: threading.Event) -> None:
        self.count, self.stop, self.seen = count, stop, 0

    def finished_one(self, model_id, image, ok, message=""):
        self.seen += 1
        if self.seen >= self.count:
            self.stop.set()


def _setup(tmp_path, count=4):
    names = make_folder(tmp_path / "in", count)
    models = []
    for i, model_id in enumerate(("01", "02")):
        path = save_pth(tiny_rcan(seed=i), tmp_path / f"m{model_id}.pth")
        models.append(ModelSpec(model_id, path, sha256_file(path)))
    return names, models


def _runner(tmp_path, names, models, factory, **kwargs) -> Runner:
    return Runner(tmp_path / "in", tmp_path / "out", names, models, OPTIONS, factory, **kwargs)


def _assert_complete(tmp_path, names, models):
    for name in names:
        source = read_image(tmp_path / "in" / name)
        assert np.array_equal(read_image(output_path(tmp_path / "out", "original", name)), source)
        for i, spec in enumerate(models):
            expected = tile_image(source, OPTIONS.tile, OPTIONS.overlap, torch_infer(tiny_rcan(seed=i)))
            got = read_image(output_path(tmp_path / "out", spec.model_id, name))
            assert np.abs(got.astype(int) - expected.astype(int)).max() <= 1


def test_run_writes_every_output_and_rerun_does_no_work(tmp_path):
    names, models = _setup(tmp_path)
    factory = CountingFactory()
    summary = _runner(tmp_path, names, models, factory).run()
    assert summary.done == len(names) * 3 and not summary.failed
    assert (tmp_path / "out" / "01" / "img00_01.png").is_file()
    _assert_complete(tmp_path, names, models)
    stamps = {p: p.stat().st_mtime_ns for p in (tmp_path / "out").rglob("*.png")}

    again = CountingFactory()
    summary = _runner(tmp_path, names, models, again).run()
    assert (summary.done, summary.skipped, again.opened, again.calls) == (0, len(names) * 3, 0, 0)
    assert stamps == {p: p.stat().st_mtime_ns for p in (tmp_path / "out").rglob("*.png")}


def test_several_engine_streams_give_the_same_outputs_as_one(tmp_path):
    # On the CPU several calls run at once, sharing the tiles of each image between them.
    names, models = _setup(tmp_path, count=3)
    results = {}
    for streams in (1, 3):
        options = RunOptions(tile=32, overlap=8, batch=2, provider="cpu", streams=streams)
        out = tmp_path / f"out{streams}"
        opened = []

        def factory(path, engine_options, opened=opened):
            engine = TorchEngine.from_checkpoint(path, engine_options)
            opened.append(engine.streams)
            return engine

        start = time.perf_counter()
        summary = Runner(tmp_path / "in", out, names, models, options, factory).run()
        wall = time.perf_counter() - start
        assert summary.done == len(names) * 3 and not summary.failed
        assert opened == [streams, streams]
        # Busy time is the time any stream is computing: never more than the run took.
        assert 0 < summary.engine_busy_s <= wall
        results[streams] = {p.relative_to(out): read_image(p) for p in out.rglob("*.png")}
    assert results[1].keys() == results[3].keys() and len(results[1]) == len(names) * 3
    for key, image in results[1].items():
        assert np.array_equal(image, results[3][key]), key


def test_changed_options_or_missing_output_are_redone(tmp_path):
    names, models = _setup(tmp_path, count=2)
    _runner(tmp_path, names, models, CountingFactory()).run()
    output_path(tmp_path / "out", "02", names[0]).unlink()
    summary = _runner(tmp_path, names, models, CountingFactory()).run()
    assert summary.done == 1
    changed = Runner(
        tmp_path / "in",
        tmp_path / "out",
        names,
        models,
        RunOptions(tile=48, overlap=8, provider="cpu"),
        CountingFactory(),
    )
    assert changed.run().done == 4  # both models, both images; originals unchanged
    original = output_path(tmp_path / "out", "original", names[1])
    original.unlink()
    factory = CountingFactory()
    summary = Runner(
        tmp_path / "in", tmp_path / "out", names, models, RunOptions(tile=48, overlap=8), factory
    ).run()
    assert (summary.done, factory.opened) == (1, 0)  # only the copy, no model loaded
    assert np.array_equal(read_image(original), read_image(tmp_path / "in" / names[1]))


def test_interrupted_run_then_rerun_gives_complete_outputs(tmp_path):
    names, models = _setup(tmp_path, count=5)
    stop = threading.Event()
    summary = _runner(
        tmp_path, names, models, CountingFactory(), reporter=StopAfter(7, stop), stop=stop
    ).run()
    assert summary.interrupted and summary.done < len(names) * 3
    summary = _runner(tmp_path, names, models, CountingFactory()).run()
    assert not summary.interrupted and not summary.failed
    assert summary.done + summary.skipped == len(names) * 3
    _assert_complete(tmp_path, names, models)


def test_corrupt_image_is_skipped_and_reported(tmp_path):
    names, models = _setup(tmp_path, count=3)
    (tmp_path / "in" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    summary = _runner(tmp_path, sorted([*names, "broken.png"]), models, CountingFactory()).run()
    assert summary.done == len(names) * 3
    assert {(m, n) for m, n, _ in summary.failed} == {
        ("original", "broken.png"),
        ("01", "broken.png"),
        ("02", "broken.png"),
    }
    latest = Manifest(tmp_path / "out")._latest
    assert latest[("broken.png", "01")]["status"] == "failed"


@pytest.mark.parametrize("streams", [1, 2])
def test_out_of_memory_halves_batch_then_tile_and_retries(tmp_path, streams):
    names, models = _setup(tmp_path, count=1)
    seen_shapes = []

    def factory(path, options):
        engine = TorchEngine.from_checkpoint(path, options)
        infer = engine.infer

        def limited(batch):
            seen_shapes.append(batch.shape)
            if batch.shape[0] * batch.shape[2] * batch.shape[3] > 32 * 32:
                raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 MiB")
            return infer(batch)

        engine.infer = limited
        return engine

    options = RunOptions(tile=64, overlap=8, batch=4, provider="cpu", streams=streams)
    summary = Runner(tmp_path / "in", tmp_path / "out", names, models[:1], options, factory).run()
    assert summary.done == 2 and not summary.failed
    source = read_image(tmp_path / "in" / names[0])
    expected = tile_image(source, 32, 8, torch_infer(tiny_rcan(seed=0)))
    got = read_image(output_path(tmp_path / "out", "01", names[0]))
    assert np.abs(got.astype(int) - expected.astype(int)).max() <= 1
    # An image smaller than --tile is one tile of its own size; halved after the batch reached 1.
    assert seen_shapes[0][2:] == source.shape[:2]
    assert seen_shapes[-1][:2] == (1, 3) and max(seen_shapes[-1][2:]) <= 32


def test_torn_manifest_line_and_leftover_temp_file_after_a_crash_are_survived(tmp_path):
    # What a hard kill (power loss, SIGKILL) can leave: a half-written manifest line and a
    # temporary file beside an output. Neither may stop the re-run or count as done.
    names, models = _setup(tmp_path, count=2)
    _runner(tmp_path, names, models, CountingFactory()).run()
    manifest = tmp_path / "out" / ".hggt-enhance" / "manifest.jsonl"
    lines = manifest.read_text(encoding="utf-8").splitlines(keepends=True)
    last = json.loads(lines[-1])
    manifest.write_text("".join(lines[:-1]) + lines[-1][:25], encoding="utf-8")
    output_path(tmp_path / "out", last["model"], last["image"]).unlink()
    (tmp_path / "out" / "01" / ".img00_01.png.abc.tmp").write_bytes(b"partial")
    summary = _runner(tmp_path, names, models, CountingFactory()).run()
    assert summary.done == 1 and not summary.failed
    _assert_complete(tmp_path, names, models)
