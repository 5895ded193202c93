"""Switching the search engine is a settings change: on another haystack engine
(here haystack's own Whoosh backend, which has none of plansite's backend
methods) imports, edits, deletes, check_index, rebuild_index, the results page
and the research tools all work, with the same answers."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command

import search
from documents.models import Document
from research.kwic import concordance
from research.trend import trend
from search.services import SearchFilters, index_status, search_documents
from tests.conftest import (
    ENGINE,
    STOCK_ENGINE,
    import_samples,
    search_connection,
    whoosh_options,
)

pytestmark = [pytest.mark.django_db, pytest.mark.search, pytest.mark.slow]

TERM = "乡村振兴"


def _hits(query: str) -> set[int]:
    page = search_documents(
        query=query, filters=SearchFilters(), sort="", page=1, page_size=100
    )
    return {hit.id for hit in page.results}


def _scan(term: str) -> set[int]:
    return {d.pk for d in Document.objects.all() if term in f"{d.title}\n{d.body}"}


def _tool_answers() -> dict:
    (line,) = trend(query=TERM, filters=SearchFilters()).series
    lines = concordance(query=TERM, filters=SearchFilters(), width=20).lines
    return {
        "rows": line.rows,
        "documents": line.documents,
        # Ids differ between the two imports; titles and offsets do not.
        "kwic": [(k.title, k.field, k.offset, k.left, k.right) for k in lines],
    }


def test_the_site_runs_unchanged_on_another_engine(
    settings, tmp_path: Path, seeds_dir: Path, corpus_dir: Path
) -> None:  # noqa: ANN001
    answers = {}
    for engine in (ENGINE, STOCK_ENGINE):
        with search_connection(settings, whoosh_options(engine, tmp_path / engine)):
            Document.objects.all().delete()
            answers[engine] = _run_the_site(seeds_dir, corpus_dir)
    # The research tools give the same numbers on both engines, and the scan's.
    assert answers[ENGINE] == answers[STOCK_ENGINE]


def _run_the_site(seeds_dir: Path, corpus_dir: Path) -> dict:
    import_samples(seeds_dir, corpus_dir)
    assert index_status().ok
    assert _hits(TERM) == _scan(TERM)
    answers = _tool_answers()
    assert answers["documents"] == len(_scan(TERM))

    # An edit and a delete, as the admin makes them.
    doc = Document.objects.get(index_no="002590139/2023-74151")
    doc.body += "\n建设第九十九号深海试验场。"
    doc.save()
    search.sync_index_after_edit([doc.pk])
    search.flush_pending_index_writes()
    assert _hits("第九十九号深海试验场") == {doc.pk}
    gone = Document.objects.get(index_no="LH331082-074/2021-108413")
    gone_pk = gone.pk
    gone.delete()
    search.sync_index_after_edit([gone_pk])
    search.flush_pending_index_writes()
    assert gone_pk not in _hits("东塍镇")
    assert index_status().ok

    # The commands, as an operator runs them.
    call_command("check_index", stdout=io.StringIO())
    call_command("rebuild_index", "--noinput", stdout=io.StringIO())
    assert index_status().ok
    assert _hits(TERM) == _scan(TERM)
    assert _hits("第九十九号深海试验场") == {doc.pk}
    return answers
