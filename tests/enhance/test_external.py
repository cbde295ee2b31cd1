"""External enhancers: a command per image or per folder, failures, timeout, stop, resume, hash."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from enhance.cli import UsageError, load_model
from enhance.job import Reporter, RunOptions, output_path
from enhance.manifest import Manifest
from enhance.runner import Runner, shrink
from hggt_desktop.core.images import read_image
from tests.enhance.external_models import DOUBLE, FLAKY, FOLDER, HANG, INVERT, is_alive, python, write_script
from tests.enhance.models import make_folder


def describe(tmp_path: Path, command: list[str], name: str = "model", **keys) -> str:
    """A TOML description file; returns its path as a --model value."""
    lines = [f"command = {json.dumps(command)}"] + [f"{k} = {_toml(v)}" for k, v in keys.items()]
    path = tmp_path / f"{name}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def _toml(value) -> str:
    if isinstance(value, dict):  # an inline table
        return "{" + ", ".join(f"{k} = {json.dumps(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


def run(tmp_path, value: str, names, stop=None, reporter=None, options: RunOptions | None = None):
    options = options or RunOptions()
    spec = load_model("03", value, options.scale)

    def no_engine(path, engine_options):
        raise AssertionError("an external model opens no engine")

    runner = Runner(tmp_path / "in", tmp_path / "out", names, [spec], options, no_engine, reporter, stop)
    return runner.run()


def calls(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


def assert_inverted(tmp_path, names):
    for name in names:
        source = read_image(tmp_path / "in" / name)
        assert np.array_equal(read_image(output_path(tmp_path / "out", "original", name)), source)
        assert np.array_equal(read_image(output_path(tmp_path / "out", "03", name)), 255 - source)


@pytest.mark.slow
def test_per_image_command_writes_outputs_and_a_rerun_calls_nothing(tmp_path):
    names = make_folder(tmp_path / "in", 3)
    script = write_script(tmp_path, "invert", INVERT)
    log = tmp_path / "calls.txt"
    value = describe(tmp_path, [python(), str(script), "{in}", "{out}", str(log)])
    summary = run(tmp_path, value, names)
    assert summary.done == 6 and not summary.failed and calls(log) == 3
    assert_inverted(tmp_path, names)
    assert not (tmp_path / "out" / ".hggt-enhance" / "external" / "03").exists()  # staging cleaned up
    again = run(tmp_path, value, names)
    assert again.done == 0 and again.skipped == 6 and calls(log) == 3


def test_result_in_a_subfolder_named_by_the_description(tmp_path):
    names = make_folder(tmp_path / "in", 1)
    script = write_script(tmp_path, "invert", INVERT)
    command = [python(), str(script), "{in}", "{out}", str(tmp_path / "calls.txt")]
    value = describe(tmp_path, command, output="results/{stem}_x.png")
    assert run(tmp_path, value, names).done == 2
    assert_inverted(tmp_path, names)


def test_command_line_form_without_a_file(tmp_path):
    names = make_folder(tmp_path / "in", 2)
    script = write_script(tmp_path, "invert", INVERT)
    log = tmp_path / "calls.txt"
    value = f'cmd:"{python()}" "{script}" {{in}} {{out}} "{log}"'
    assert run(tmp_path, value, names).done == 4
    assert_inverted(tmp_path, names)


@pytest.mark.slow
def test_per_folder_command_is_called_once_per_group(tmp_path):
    names = make_folder(tmp_path / "in", 5)
    script = write_script(tmp_path, "folder", FOLDER)
    log = tmp_path / "calls.txt"
    command = [python(), str(script), "{in}", "{outdir}", str(log)]
    value = describe(tmp_path, command, per="folder", output="sample00/{stem}.png", images_per_call=2)
    summary = run(tmp_path, value, names)
    assert summary.done == 10 and not summary.failed
    assert calls(log) == 3  # 2 + 2 + 1 photos
    assert_inverted(tmp_path, names)


@pytest.mark.slow
def test_missing_unreadable_and_wrong_size_results_fail_their_image_only(tmp_path):
    names = make_folder(tmp_path / "in", 4)
    script = write_script(tmp_path, "flaky", FLAKY)
    value = describe(tmp_path, [python(), str(script), "{in}", "{out}"])
    summary = run(tmp_path, value, names)
    failed = {name: message for _, name, message in summary.failed}
    assert set(failed) == {"img00.png", "img01.png", "img02.png"}
    assert "wrote no img00.png (exit status 1)" in failed["img00.png"]
    assert "CUDA error: an illegal memory access" in failed["img00.png"]  # the command's stderr
    assert "not a readable image" in failed["img01.png"]
    assert "is 112x84, expected 56x42" in failed["img02.png"] and "loading weights" in failed["img02.png"]
    assert read_image(output_path(tmp_path / "out", "03", "img03.png")).shape == (43, 56, 3)
    for name in failed:
        assert not output_path(tmp_path / "out", "03", name).exists()
    latest = Manifest(tmp_path / "out")._latest
    assert latest[("img02.png", "03")]["status"] == "failed"


def test_scale_is_checked_against_the_description(tmp_path):
    names = make_folder(tmp_path / "in", 1)
    script = write_script(tmp_path, "invert", INVERT)
    value = describe(tmp_path, [python(), str(script), "{in}", "{out}", str(tmp_path / "c")], scale=2)
    with pytest.raises(UsageError, match="says scale 2 but the run asks for --scale 1"):
        load_model("03", value)
    ((_, _, message),) = run(tmp_path, value, names, options=RunOptions(scale=2)).failed
    assert "expected 112x80 (scale 2 x 56x40)" in message


@pytest.mark.slow
def test_super_resolution_from_ground_truth_gets_the_shrunk_photo(tmp_path):
    names = make_folder(tmp_path / "in", 2, size=(40, 56))
    script = write_script(tmp_path, "double", DOUBLE)
    value = describe(tmp_path, [python(), str(script), "{in}", "{out}"], scale=2)
    summary = run(tmp_path, value, names, options=RunOptions(scale=2, from_ground_truth=True))
    assert summary.done == 2 and not summary.failed
    for name in names:
        source = read_image(tmp_path / "in" / name)
        small = shrink(source, 2)
        got = read_image(output_path(tmp_path / "out", "03", name, flat=True))
        assert got.shape == (small.shape[0] * 2, small.shape[1] * 2, 3)
        assert np.array_equal(got[::2, ::2], small)  # the command saw the shrunk photo


def _wait_for(path: Path, seconds: float = 20.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, "the command never started"
        time.sleep(0.05)
    return [int(v) for v in path.read_text().split()]


def _assert_dead(pids: list[int]) -> None:
    deadline = time.monotonic() + 10
    while any(is_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(is_alive(pid) for pid in pids), "a process of the command's tree survived"


@pytest.mark.skipif(sys.platform == "win32", reason="process ids checked through /proc")
def test_command_past_its_timeout_is_stopped_with_its_children(tmp_path):
    names = make_folder(tmp_path / "in", 1)
    script = write_script(tmp_path, "hang", HANG)
    pids = tmp_path / "pids.txt"
    value = describe(tmp_path, [python(), str(script), str(pids), "{in}", "{outdir}"], timeout=2)
    summary = run(tmp_path, value, names)
    ((_, name, message),) = summary.failed
    assert "ran past its timeout" in message and "waiting for ever" in message
    _assert_dead(_wait_for(pids))
    assert not summary.interrupted


@pytest.mark.skipif(sys.platform == "win32", reason="process ids checked through /proc")
def test_stop_request_ends_the_tree_records_nothing_and_a_rerun_finishes(tmp_path):
    names = make_folder(tmp_path / "in", 2)
    pids = tmp_path / "pids.txt"
    hang = describe(
        tmp_path, [python(), str(write_script(tmp_path, "hang", HANG)), str(pids), "{in}", "{out}"]
    )
    stop = threading.Event()
    threading.Thread(target=lambda: (_wait_for(pids), stop.set()), daemon=True).start()
    summary = run(tmp_path, hang, names, stop=stop)
    assert summary.interrupted and not summary.failed
    _assert_dead(_wait_for(pids))
    assert not output_path(tmp_path / "out", "03", names[0]).exists()
    # The same id with a working command (another description: its images are redone anyway).
    log = tmp_path / "calls.txt"
    invert = describe(
        tmp_path, [python(), str(write_script(tmp_path, "invert", INVERT)), "{in}", "{out}", str(log)]
    )
    assert run(tmp_path, invert, names).done == 3  # two outputs and the second original
    assert_inverted(tmp_path, names)


class StopAfter(Reporter):
    def __init__(self, count: int, stop: threading.Event) -> None:
        self.count, self.stop, self.seen = count, stop, 0

    def finished_one(self, model_id, image, ok, message=""):
        self.seen += model_id == "03"
        if self.seen >= self.count:
            self.stop.set()


@pytest.mark.slow
def test_interrupted_run_resumes_without_redoing_finished_images(tmp_path):
    names = make_folder(tmp_path / "in", 4)
    log = tmp_path / "calls.txt"
    value = describe(
        tmp_path, [python(), str(write_script(tmp_path, "invert", INVERT)), "{in}", "{out}", str(log)]
    )
    stop = threading.Event()
    first = run(tmp_path, value, names, stop=stop, reporter=StopAfter(2, stop))
    assert first.interrupted and calls(log) == 2
    second = run(tmp_path, value, names)
    assert not second.interrupted and calls(log) == 4  # only the two left
    assert_inverted(tmp_path, names)


@pytest.mark.slow
def test_changed_description_reruns_its_images_and_the_timeout_does_not(tmp_path):
    names = make_folder(tmp_path / "in", 2)
    log = tmp_path / "calls.txt"
    command = [python(), str(write_script(tmp_path, "invert", INVERT)), "{in}", "{out}", str(log)]
    run(tmp_path, describe(tmp_path, command), names)
    assert calls(log) == 2
    run(tmp_path, describe(tmp_path, command, timeout=60), names)
    assert calls(log) == 2  # a timeout changes no pixel
    run(tmp_path, describe(tmp_path, command, version="v2"), names)
    assert calls(log) == 4
    run(tmp_path, describe(tmp_path, command, version="v2", env={"SEED": "1"}), names)
    assert calls(log) == 6


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('command = "prog {out}"', "must contain {in}"),
        ('command = "prog {in}"', "must contain {out} or {outdir}"),
        ('command = "prog {in} {out}"\nper = "folder"', 'with per = "folder" use {outdir}'),
        ('command = "prog {in} {outdir}"\noutput = "result.png"', "containing {stem}"),
        ('command = "prog {in} {outdir}"\nscale = 0', "'scale' must be a number >= 1"),
        ('command = "prog {in} {outdir}"\ntimout = 5', "unknown keys ['timout']"),
        ('command = "prog \'{in} {outdir}"', "check its quotes"),
        ("command = [", "not a readable TOML description"),
    ],
)
def test_bad_descriptions_are_refused_naming_the_file(tmp_path, text, expected):
    path = tmp_path / "bad.toml"
    path.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(UsageError) as error:
        load_model("03", str(path))
    assert expected in str(error.value) and str(path) in str(error.value)


def test_missing_program_ends_the_run_with_exit_2(tmp_path, capsys):
    from enhance.cli import main

    make_folder(tmp_path / "in", 2)
    value = describe(tmp_path, [str(tmp_path / "no-such-program"), "{in}", "{out}"])
    assert main([str(tmp_path / "in"), str(tmp_path / "out"), "--model", f"03={value}"]) == 2
    assert "cannot start" in capsys.readouterr().err


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX")
def test_ctrl_c_on_the_runner_stops_the_command_tree_and_exits_130(tmp_path):
    make_folder(tmp_path / "in", 2)
    pids = tmp_path / "pids.txt"
    value = describe(
        tmp_path, [python(), str(write_script(tmp_path, "hang", HANG)), str(pids), "{in}", "{out}"]
    )
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    command = [sys.executable, "-m", "enhance.cli", str(tmp_path / "in"), str(tmp_path / "out")]
    runner = subprocess.Popen(
        [*command, "--model", f"03={value}"], env=env, stderr=subprocess.PIPE, text=True
    )
    tree = _wait_for(pids)
    runner.send_signal(signal.SIGINT)
    _, err = runner.communicate(timeout=30)
    assert runner.returncode == 130, err
    _assert_dead(tree)


def test_a_frozen_app_gives_the_command_the_users_library_path(monkeypatch):
    from enhance.process_tree import child_environment

    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("LD_LIBRARY_PATH", "/opt/hggt/_internal")
    monkeypatch.setenv("LD_LIBRARY_PATH_ORIG", "/usr/local/cuda/lib64")
    environment = child_environment({"CUDA_VISIBLE_DEVICES": "1"})
    assert environment["LD_LIBRARY_PATH"] == "/usr/local/cuda/lib64"
    assert environment["CUDA_VISIBLE_DEVICES"] == "1" and "LD_LIBRARY_PATH_ORIG" not in environment
    monkeypatch.delenv("LD_LIBRARY_PATH_ORIG")
    assert "LD_LIBRARY_PATH" not in child_environment()
