"""Pointing haystack at another index for a while: every reader and writer follows."""

from __future__ import annotations

from pathlib import Path

import pytest

from documents.models import Document
from search import tasks
from search.engines import current_engine
from search.services import indexed_fingerprints
from tests.conftest import ENGINE, committed_archive, search_connection, whoosh_options

pytestmark = pytest.mark.search


# Committed, as a module's or package's archive is (pytest-django sets up the
# test database only when some test asks for it).
@pytest.mark.django_db(transaction=True)
def test_committed_archives_one_after_another_each_index_only_their_own(
    django_db_setup,  # noqa: ANN001
    django_db_blocker,  # noqa: ANN001
    tmp_path: Path,
    seeds_dir: Path,
    corpus_dir: Path,
) -> None:
    """A module's committed archive, then a package's in the same process: the
    second index holds the documents of the second import, none of the first's
    (they were deleted from the database, but an index that both imports wrote
    kept them, and the research package counted them)."""
    for name in ("first", "second"):
        index_dir = tmp_path / name / "whoosh_index"
        with committed_archive(index_dir, django_db_blocker, seeds_dir, corpus_dir):
            assert Path(current_engine().path) == index_dir
            with django_db_blocker.unblock():
                documents = set(Document.objects.values_list("pk", flat=True))
                assert documents
                assert set(indexed_fingerprints()) == documents


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
