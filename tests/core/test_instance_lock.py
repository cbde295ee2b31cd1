"""One app per annotator's labels: refused while alive, taken over when stale."""

import json
import socket
import subprocess
import sys
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
