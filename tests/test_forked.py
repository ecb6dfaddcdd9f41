"""Forked workers with a pipe each way: whole messages both ways, a dead worker shows as
the end of its pipe, and leaving the pool leaves no process behind."""

from __future__ import annotations

import os

import pytest

from autype_guard.forked import Channel, Workers
from autype_guard.processes import can_fork

pytestmark = pytest.mark.skipif(not can_fork(), reason="forked workers need Linux")


def _echo(inbox: Channel, outbox: Channel) -> None:
    while True:
        try:
            message = inbox.recv()
        except EOFError:
            return
        outbox.send((os.getpid(), message))


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_each_worker_answers_its_own_messages_whole() -> None:
    big = "x" * 300_000  # more than a pipe holds: sent and read in pieces
    with Workers(2, _echo) as workers:
        for worker in (0, 1):
            workers.send(worker, (worker, big))
        answers = {}
        while len(answers) < 2:
            for worker, message in workers.receive():
                answers[worker] = message
        pids = workers.pids
    for worker in (0, 1):
        pid, (sent_to, text) = answers[worker]
        assert pid == pids[worker] and sent_to == worker and text == big
    assert all(_gone(pid) for pid in pids)


def _dies(inbox: Channel, outbox: Channel) -> None:
    inbox.recv()
    os._exit(3)


def test_a_worker_that_dies_shows_as_the_end_of_its_pipe() -> None:
    with Workers(1, _dies) as workers:
        workers.send(0, "work")
        assert list(workers.receive()) == [(0, None)]


def _stuck(inbox: Channel, outbox: Channel) -> None:
    inbox.recv()
    while True:
        pass


def test_leaving_after_an_error_kills_busy_workers() -> None:
    with pytest.raises(RuntimeError), Workers(2, _stuck) as workers:
        workers.send(0, "work")
        pids = workers.pids
        raise RuntimeError("the parent gives up")
    assert all(_gone(pid) for pid in pids)


def _fails(inbox: Channel, outbox: Channel) -> None:
    raise ValueError("a bug in the worker")


def test_a_worker_never_returns_into_the_parents_code() -> None:
    parent = os.getpid()
    with Workers(1, _fails) as workers:
        assert list(workers.receive()) == [(0, None)]  # it left; it did not run this test on
    assert os.getpid() == parent


def _answers_once(inbox: Channel, outbox: Channel) -> None:
    outbox.send(inbox.recv())
    os._exit(0)


def test_sending_to_a_worker_that_is_gone_raises_oserror() -> None:
    with Workers(1, _answers_once) as workers:
        workers.send(0, "first")
        assert [m for _, m in workers.receive()] == ["first"]
        os.waitpid(workers.pids[0], 0)
        workers.pids.clear()  # reaped here
        with pytest.raises(OSError):
            workers.send(0, "x" * 200_000)
