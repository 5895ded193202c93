"""Searches while another process writes the index: every search sees whole commits.

The writer is a real second process (as an import is to a web worker), adding a
batch of documents and rewriting the previous batch in each commit, so segments
are written, folded together and dropped under the readers' feet.
"""

from __future__ import annotations

import multiprocessing
import threading

import pytest
from django.utils import timezone
from haystack import connections

from documents.models import Document
from search.engine.folding import FOLD_FACTOR, SMALL_SEGMENT_DOCS, size_level
from search.services import SearchFilters, search_documents
from tests.search.conftest import segment_sizes

pytestmark = [pytest.mark.django_db, pytest.mark.search, pytest.mark.slow]

MARK = "一致性检验"
BATCH = 4
ROUNDS = 80


def _batch(round_no: int, *, revision: int) -> list[Document]:
    """Unsaved rows: the writer needs no database, only what the index holds."""
    return [
        Document(
            pk=round_no * BATCH + i + 1,
            title=f"{MARK}第{round_no}批第{i}份",
            body=f"第{revision}次修订。{MARK}：检查读者只看到完整的提交。" * 5,
            original="",
            content_hash=f"{round_no}-{i}-{revision}",
            township=f"检验{i}镇",
            plan_year=2000 + round_no % 20,
            updated_at=timezone.now(),
        )
        for i in range(BATCH)
    ]


def _write(rounds: int) -> None:
    """In the child: each commit adds one batch and rewrites the one before.

    Small segments are folded as they come due (their documents re-indexed
    from ``latest``, standing in for the database), so segments are also
    emptied and dropped while the readers read.
    """
    connections.reload("default")
    backend = connections["default"].get_backend()
    index = connections["default"].get_unified_index().get_index(Document)
    latest: dict[int, Document] = {}

    def reload(ids: list[int]) -> list[list[Document]]:
        return [[latest[pk] for pk in ids]]

    for n in range(rounds):
        docs = _batch(n, revision=0)
        if n:
            docs += _batch(n - 1, revision=1)
        latest.update((doc.pk, doc) for doc in docs)
        backend.update_batches(index, [docs], wait=60, reload=reload)


def _read_until(done: threading.Event, seen: list, errors: list) -> None:
    backend = connections["default"].get_backend()
    try:
        while not done.is_set():
            assert not backend.needs_rebuild()
            page = search_documents(
                query=MARK, filters=SearchFilters(), sort="", page=1, page_size=10
            )
            years = sum(count for _, count in page.facets["plan_year"])
            seen.append((page.total, len(page.results), years))
    except Exception as error:  # noqa: BLE001 - reported by the test thread
        errors.append(error)


def test_searches_see_whole_commits_while_another_process_writes(
    search_index,
) -> None:
    search_index.setup()
    writer = multiprocessing.get_context("fork").Process(target=_write, args=(ROUNDS,))
    done = threading.Event()
    seen: list[list] = [[], []]
    errors: list[Exception] = []
    readers = [
        threading.Thread(target=_read_until, args=(done, seen[i], errors))
        for i in range(2)
    ]
    writer.start()
    for reader in readers:
        reader.start()
    writer.join(timeout=300)
    done.set()
    for reader in readers:
        reader.join(timeout=60)
    assert writer.exitcode == 0
    assert not errors, errors
    # 80 commits, yet only a few segments of each size level remain.
    segments = segment_sizes(search_index)
    assert len(segments) <= (FOLD_FACTOR - 1) * (size_level(SMALL_SEGMENT_DOCS) + 1)
    assert sum(segments) == ROUNDS * BATCH
    for totals in seen:
        assert len(totals) > ROUNDS, "the readers hardly ran"
        for total, shown, years in totals:
            # Never part of a commit: whole batches, a full page, facets that
            # count the same documents.
            assert total % BATCH == 0, total
            assert shown == min(total, 10)
            assert years == total
        counts = [total for total, _, _ in totals]
        assert counts == sorted(counts), "a search saw an older index than before"
        # The readers saw the index grow, not only its start and end.
        assert len(set(counts)) > 3
    final = search_documents(
        query=MARK, filters=SearchFilters(), sort="", page=1, page_size=10
    )
    assert final.total == ROUNDS * BATCH


def test_a_search_survives_a_segment_file_vanishing_while_it_refreshes(
    search_index, monkeypatch
) -> None:  # noqa: ANN001
    """A concurrent commit can delete a segment file between the moment a
    reader lists it and the moment it opens it; Whoosh then retries the open.
    With Searcher.refresh() the retry closed the old readers a second time
    and the search failed with ReaderClosed (a 500 in the load test)."""
    from whoosh import reading

    search_index.setup()
    backend = connections["default"].get_backend()
    index = connections["default"].get_unified_index().get_index(Document)
    backend.update_batches(index, [_batch(0, revision=0)])
    first = search_documents(
        query=MARK, filters=SearchFilters(), sort="", page=1, page_size=10
    )
    assert first.total == BATCH
    backend.update_batches(index, [_batch(1, revision=0)])

    opened = reading.SegmentReader.__init__
    vanished = []

    def open_once_missing(self, *args, **kwargs) -> None:  # noqa: ANN001
        if not vanished:
            vanished.append(True)
            raise FileNotFoundError("a segment file deleted by another commit")
        opened(self, *args, **kwargs)

    monkeypatch.setattr(reading.SegmentReader, "__init__", open_once_missing)
    again = search_documents(
        query=MARK, filters=SearchFilters(), sort="", page=1, page_size=10
    )
    assert vanished, "the refresh opened no segment"
    assert again.total == 2 * BATCH


def test_a_commit_keeps_the_columns_of_unchanged_segments(search_index) -> None:  # noqa: ANN001
    """Facets, sorting and ranking read per-segment columns; after an import's
    commit the segments it did not touch keep theirs (not read again for each
    thread of each web process), and those merged away are let go."""
    from search.engine import matching

    search_index.setup()
    index = connections["default"].get_unified_index().get_index(Document)
    search_index.update_batches(index, [_batch(0, revision=0)])

    def facets_and_order() -> tuple:
        page = search_documents(
            query=MARK, filters=SearchFilters(), sort="newest", page=1, page_size=10
        )
        return page.total, page.facets["township"], [hit.id for hit in page.results]

    before = facets_and_order()
    _, matcher = search_index.searchers.current()
    (old,) = matcher.leaves
    decoded = dict(old.values)
    assert decoded, "the search read no column"
    search_index.update_batches(index, [_batch(1, revision=0)])  # a new segment
    after = facets_and_order()
    _, matcher = search_index.searchers.current()
    assert len(matcher.leaves) == 2
    old_id = old.reader.segment().segment_id()
    (kept,) = [
        leaf for leaf in matcher.leaves if leaf.reader.segment().segment_id() == old_id
    ]
    for name, column in decoded.items():
        assert kept.values[name] is column, name
    assert after[0] == before[0] + BATCH
    assert set(matching.SEGMENTS) == {
        leaf.reader.segment().segment_id() for leaf in matcher.leaves
    }
