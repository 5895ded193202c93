"""Index upkeep as search keeps it: imports, queued edits, the outbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from documents.models import Document
from documents.services import import_documents
from search import outbox, upkeep
from search.services import SearchFilters, search_documents

pytestmark = [pytest.mark.django_db, pytest.mark.search]

TERM = "专精特新"


def hits(query: str) -> set[int]:
    page = search_documents(
        query=query, filters=SearchFilters(), sort="relevance", page=1, page_size=100
    )
    return {hit.id for hit in page.results}


def scan(term: str) -> set[int]:
    return {d.pk for d in Document.objects.all() if term in d.body}


def test_an_import_leaves_the_index_to_search(search_index, seeds_dir: Path) -> None:
    """documents stores; search catches up with what is behind, once."""
    search_index.setup()
    first = import_documents([seeds_dir])
    assert first.changed_ids and scan(TERM)
    assert hits(TERM) == set()  # documents never writes the index

    # As a run killed before it indexed leaves it: the next run finds every
    # document unchanged, and search indexes those missing from the index.
    again = import_documents([seeds_dir])
    assert again.changed_ids == []
    assert again.unchanged_ids == sorted(Document.objects.values_list("pk", flat=True))
    heard: list[int] = []
    indexed = upkeep.index_after_import(
        changed=again.changed_ids, unchanged=again.unchanged_ids, on_behind=heard.append
    )
    assert heard == [len(again.unchanged_ids)] == [indexed]
    assert hits(TERM) == scan(TERM)

    heard.clear()
    assert upkeep.index_after_import(changed=[], unchanged=again.unchanged_ids) == 0
    assert heard == []


def test_an_import_carries_out_the_queued_edits(search_index) -> None:
    """An edit queued while another writer held the lock, by a process now gone."""
    from tests.search.conftest import make_document

    doc = make_document("排队的修改", "建设海上风电基地。")
    search_index.setup()
    doc.body += "\n建设第七十七号深海试验场。"
    doc.save()
    assert outbox.queue_index_writes([doc.pk, doc.pk]) == [doc.pk]
    assert outbox.pending_index_writes() == 1

    upkeep.index_after_import(changed=[], unchanged=[])
    assert outbox.pending_index_writes() == 0
    assert hits("第七十七号深海试验场") == {doc.pk}
