"""The web process's index worker: tasks run one at a time, failures are logged."""

from __future__ import annotations

import threading
import time

import pytest

from search import tasks


def test_tasks_run_one_after_another_and_are_waited_for() -> None:
    order: list[str] = []
    inside = threading.Lock()

    def job(name: str) -> None:
        # Two tasks inside at once would find the lock taken (Whoosh's one writer).
        assert inside.acquire(blocking=False)
        try:
            time.sleep(0.05)
            order.append(name)
        finally:
            inside.release()

    for name in ("first", "second", "third"):
        tasks.enqueue(lambda name=name: job(name), "job failed")
    assert tasks.wait_for_background_index_writes(timeout=10)
    assert order == ["first", "second", "third"]


def test_a_failing_task_is_logged_and_the_next_one_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ran = []

    def fail() -> None:
        raise RuntimeError("lock file vanished")

    with caplog.at_level("ERROR", logger="search.tasks"):
        tasks.enqueue(fail, "folding index segments failed")
        tasks.enqueue(lambda: ran.append(True), "job failed")
        assert tasks.wait_for_background_index_writes(timeout=10)
    assert ran == [True]
    [record] = [r for r in caplog.records if r.name == "search.tasks"]
    assert record.getMessage() == "folding index segments failed"
    assert "lock file vanished" in str(record.exc_info[1])


def test_waiting_says_when_a_task_is_still_running() -> None:
    release = threading.Event()
    tasks.enqueue(release.wait, "job failed")
    try:
        assert not tasks.wait_for_background_index_writes(timeout=0.1)
    finally:
        release.set()
    assert tasks.wait_for_background_index_writes(timeout=10)


def test_flushes_asked_for_while_the_worker_is_busy_share_one(monkeypatch) -> None:
    """Edits made while the index is busy: one waiting flush reads every queued
    request, instead of one flush each waiting for the lock in turn."""
    flushes: list[int] = []
    monkeypatch.setattr(
        "search.outbox.flush_pending_index_writes", lambda: flushes.append(1)
    )
    release = threading.Event()
    tasks.enqueue(release.wait, "job failed")  # the worker is busy
    try:
        waiting = {tasks.flush_queued_writes_later() for _ in range(5)}
    finally:
        release.set()
    assert tasks.wait_for_background_index_writes(timeout=10)
    assert len(waiting) == 1 and flushes == [1]
    # Once that flush has run, a new request gets a flush of its own.
    tasks.flush_queued_writes_later()
    assert tasks.wait_for_background_index_writes(timeout=10)
    assert flushes == [1, 1]
