"""Background index work of a web process: each task wraps one search service.

One worker thread per process, from the standard library's executor: Whoosh
lets one writer hold the index at a time, so queued tasks run one after the
other rather than contending for the lock. The executor's thread is joined
when the interpreter exits, so a finished request's work is not cut short. A
process killed mid-task loses nothing: its requests stay in the outbox
(search/outbox.py) for the next writer.

Why not a task library: django-tasks (the backport of Django 6's tasks) ships
only an immediate backend, which would hold an editor's request for as long as
an import holds the lock, and a database backend that needs a worker process
and a second queue beside the outbox; huey likewise needs its consumer
process. These tasks need neither: they only wait for a lock in the process
that already has the work.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from concurrent import futures

from django.db import connections as db_connections

from search import outbox, services

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_executor: futures.ThreadPoolExecutor | None = None
_running: list[futures.Future[None]] = []
# The outbox flush that waits for the worker, if one does (see below).
_waiting_flush: futures.Future[None] | None = None


def _forget_workers() -> None:
    """In a forked child: the parent's worker thread is not there; start anew."""
    global _lock, _executor, _waiting_flush
    _lock = threading.Lock()
    _executor = None
    _waiting_flush = None
    _running.clear()


os.register_at_fork(after_in_child=_forget_workers)


def _run(job: Callable[[], object], failure: str) -> None:
    """``job`` as the worker runs it: failures logged, its connections closed."""
    try:
        job()
    except Exception:
        logger.exception(failure)
    finally:
        db_connections.close_all()


def enqueue(job: Callable[[], object], failure: str) -> futures.Future[None]:
    """Run ``job`` on this process's index worker; ``failure`` is logged if it fails."""
    global _executor
    with _lock:
        if _executor is None:
            _executor = futures.ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="plansite-index"
            )
        future = _executor.submit(_run, job, failure)
        _running[:] = [f for f in _running if not f.done()]
        _running.append(future)
    return future


def flush_queued_writes_later() -> futures.Future[None]:
    """Carry out the outbox once the write lock is free (SEARCH_WRITE_WAIT).

    A flush that has not started yet will read every request queued so far,
    so edits made while the index is busy share it instead of each queueing
    one that waits for the lock in turn. (One that has started may have read
    the outbox already: then a new one is queued.)
    """
    global _waiting_flush
    with _lock:
        waiting = _waiting_flush
    if waiting is not None and not waiting.running() and not waiting.done():
        return waiting
    future = enqueue(
        outbox.flush_pending_index_writes,
        "queued index writes failed; the next import or "
        "`manage.py check_index --repair` carries them out",
    )
    with _lock:
        _waiting_flush = future
    return future


def fold_segments_later() -> futures.Future[None]:
    """Fold the index's small segments (only their count suffers on failure)."""
    return enqueue(services.fold_segments, "folding index segments failed")


def wait_for_background_index_writes(timeout: float | None = None) -> bool:
    """Wait for this process's index tasks; True when none is left running."""
    with _lock:
        running = list(_running)
    _done, not_done = futures.wait(running, timeout=timeout)
    with _lock:
        _running[:] = [f for f in _running if not f.done()]
    return not not_done
