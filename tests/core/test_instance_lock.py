"""One app per annotator's labels: refused while alive, taken over when stale."""

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hggt_desktop.core.instance_lock import InstanceLock, LockHeld


def test_a_second_lock_on_the_same_labels_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "locks" / "A.lock"
    first = InstanceLock(path, what="Annotator A's labels")
    first.acquire()
    with pytest.raises(LockHeld, match="already open in another copy"):
        InstanceLock(path, what="Annotator A's labels").acquire()
    first.release()
    assert not path.exists()
    InstanceLock(path).acquire()


def test_lock_of_a_dead_process_on_this_host_is_taken_over(tmp_path: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    path = tmp_path / "A.lock"
    owner = {
        "pid": int(dead.stdout),
        "hostname": socket.gethostname(),
        "token": "x",
        "started": 0,
        "heartbeat": 9e12,
    }
    path.write_text(json.dumps(owner), encoding="utf-8")
    lock = InstanceLock(path, clock=lambda: 9e12)
    lock.acquire()
    assert lock.held and lock.took_over is not None and lock.took_over.pid == int(dead.stdout)
    assert lock.heartbeat()


def test_lock_with_an_old_heartbeat_from_another_host_is_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "A.lock"
    owner = {"pid": 1, "hostname": "other-laptop", "token": "x", "started": 0.0, "heartbeat": 1000.0}
    path.write_text(json.dumps(owner), encoding="utf-8")
    with pytest.raises(LockHeld):
        InstanceLock(path, clock=lambda: 1030.0).acquire()
    InstanceLock(path, clock=lambda: 1000.0 + 500).acquire()


def test_owner_notices_when_its_lock_was_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "A.lock"
    first = InstanceLock(path, clock=lambda: 0.0)
    first.acquire()
    InstanceLock(path, clock=lambda: 10_000.0).acquire()  # the first one looks stale
    assert not first.heartbeat()
    first.release()
    assert path.exists()  # not removed: it belongs to the new owner


_RACER = """
import sys, time
from pathlib import Path
from hggt_desktop.core.instance_lock import InstanceLock, InstanceLockError
path, go = Path(sys.argv[1]), Path(sys.argv[2])
stop = go.with_name("stop")
while not go.exists():
    time.sleep(0.001)
lock = InstanceLock(path)
try:
    lock.acquire()
except InstanceLockError:
    print("refused", flush=True)
    sys.exit(0)
time.sleep(0.3)
print("won" if lock.verify() else "lost", flush=True)
# Stay alive until every copy has answered: a copy that exits leaves a lock that is rightly stale,
# and a racer slowed down by a loaded machine would then take it over, as a real copy should.
while not stop.exists():
    time.sleep(0.01)
"""


@pytest.mark.slow
def test_hole3_two_copies_one_lock(tmp_path: Path) -> None:
    """Copies started together after a crash: exactly one takes the stale lock over."""
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    for round_ in range(3):
        path = tmp_path / f"round{round_}" / "A.lock"
        path.parent.mkdir()
        owner = {"pid": int(dead.stdout), "hostname": socket.gethostname(), "token": "dead", "started": 0}
        path.write_text(json.dumps({**owner, "heartbeat": 9e12}), encoding="utf-8")
        go = path.parent / "go"
        racers = [
            subprocess.Popen(
                [sys.executable, "-c", _RACER, str(path), str(go)], stdout=subprocess.PIPE, text=True
            )
            for _ in range(5)
        ]
        time.sleep(0.6)  # all of them started and waiting
        go.touch()
        results = [racer.stdout.readline().strip() for racer in racers]  # type: ignore[union-attr]
        (path.parent / "stop").touch()
        for racer in racers:
            racer.communicate(timeout=60)
        assert results.count("won") == 1, results
        assert results.count("lost") == 0, "a copy that took the lock must not lose it to another"
        assert json.loads(path.read_text(encoding="utf-8"))["token"] != "dead"
        assert [p.name for p in path.parent.iterdir() if p.name not in ("A.lock", "go", "stop")] == []


def test_hole3_ownership_is_checked_before_a_save_without_waiting_for_the_heartbeat(tmp_path: Path) -> None:
    path = tmp_path / "A.lock"
    first = InstanceLock(path)
    first.acquire()
    path.write_text(json.dumps({"pid": 1, "hostname": "x", "token": "other", "started": 0, "heartbeat": 0}))
    assert not first.verify() and not first.held
    path.unlink()
    second = InstanceLock(path)
    second.acquire()
    path.unlink()  # a sync tool removed it: the owner makes it again and keeps the lock
    assert second.verify() and json.loads(path.read_text())["token"] == second._token
