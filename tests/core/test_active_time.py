"""Active time: focused, non-idle seconds charged to what is on screen (fake clock)."""

import pytest

from hggt_desktop.core.active_time import ActiveTime


def test_time_between_inputs_counts_and_idle_beyond_the_limit_does_not() -> None:
    timer = ActiveTime(now=0.0, idle_limit_s=30.0)
    timer.charge_to(("s", "01"), 0.0)
    timer.record_input(10.0)
    timer.record_input(100.0)  # 90 s gap: only the first 30 s count
    timer.flush(105.0)
    assert timer.seconds(("s", "01")) == pytest.approx(10 + 30 + 5)


def test_passive_flushes_do_not_extend_the_idle_window() -> None:
    timer = ActiveTime(now=0.0, idle_limit_s=30.0)
    for t in range(1, 200):
        timer.flush(float(t))  # a status-bar clock ticking every second
    assert timer.total() == pytest.approx(30.0)
    assert timer.is_idle(199.0)


def test_unfocused_time_is_excluded_and_focus_back_restarts_counting() -> None:
    timer = ActiveTime(now=0.0)
    timer.set_focused(False, 5.0)
    timer.flush(25.0)
    timer.set_focused(True, 1000.0)
    timer.flush(1004.0)
    assert timer.total() == pytest.approx(9.0)


def test_time_goes_to_the_key_that_was_current() -> None:
    timer = ActiveTime(now=0.0)
    timer.charge_to("a", 0.0)
    timer.record_input(3.0)
    timer.charge_to("b", 4.0)
    timer.record_input(6.0)
    assert timer.seconds("a") == pytest.approx(4.0)
    assert timer.seconds("b") == pytest.approx(2.0)
    assert timer.total() == pytest.approx(6.0)
