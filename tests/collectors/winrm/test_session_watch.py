"""A visit's watch: the probes' deadline, then a clean-up budget of its own that allows fresh connections."""

from __future__ import annotations

import socket

import pytest

from holyaudit.collectors.winrm.session import DeadlineExceededError, Watch


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_at_the_deadline_the_probes_stop_and_their_sockets_are_shut() -> None:
    clock = Clock()
    watch = Watch(10, clock=clock, grace=3)
    left, right = socket.socketpair()
    with left, right:
        watch.add(left)
        clock.now = 110.0
        assert (watch.stop_due(), watch.cut_due()) == (True, False)
        with pytest.raises(DeadlineExceededError):
            watch.check()  # no new request or connection for the probes
        watch.stop()
        assert left.recv(1) == b""  # shut down: a blocked read wakes
        assert watch.stop_due() is False


def test_the_clean_up_gets_its_own_budget_from_when_it_begins_with_new_connections_allowed() -> None:
    clock = Clock()
    watch = Watch(10, clock=clock, grace=3)
    clock.now = 111.0  # the Receive in flight timed out, a second after the deadline
    watch.begin_cleanup()
    assert watch.left() == 3.0
    watch.check()  # a fresh connection may open
    clock.now = 113.5
    assert (watch.stop_due(), watch.cut_due()) == (False, False)  # past deadline + grace, within its budget
    clock.now = 114.0
    assert watch.cut_due() is True
    watch.cut()
    with pytest.raises(DeadlineExceededError):
        watch.check()
    left, right = socket.socketpair()
    with right, pytest.raises(DeadlineExceededError):
        watch.add(left)


def test_a_visit_that_never_begins_its_clean_up_is_cut_grace_after_its_deadline_and_cannot_begin_it_then() -> None:
    clock = Clock()
    watch = Watch(10, clock=clock, grace=3)
    clock.now = 112.9
    assert watch.cut_due() is False
    clock.now = 113.0
    assert watch.cut_due() is True
    watch.cut()
    with pytest.raises(DeadlineExceededError):
        watch.begin_cleanup()
