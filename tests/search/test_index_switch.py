"""Pointing haystack at another index for a while: every reader and writer follows."""

from __future__ import annotations

from pathlib import Path

import pytest

from search import tasks
from search.engines import current_engine
from tests.conftest import ENGINE, search_connection, whoosh_options

pytestmark = pytest.mark.search


def _engine_path_on_the_worker() -> str:
    """The index path the process's background index worker writes to."""
    seen: list[str] = []
    tasks.enqueue(lambda: seen.append(current_engine().path), "reading the path")
    assert tasks.wait_for_background_index_writes(timeout=30)
    return seen[0]


def test_the_index_worker_follows_a_settings_change(settings, tmp_path: Path) -> None:
    """haystack keeps one connection a thread, and reload() rebuilds only the
    calling thread's: the worker that carries out admin edits kept writing to
    the index it saw first."""
    first = _engine_path_on_the_worker()
    options = whoosh_options(ENGINE, tmp_path)
    with search_connection(settings, options):
        assert current_engine().path == options["PATH"] != first
        assert _engine_path_on_the_worker() == options["PATH"]
    assert _engine_path_on_the_worker() == first
