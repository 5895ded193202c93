"""search_documents, indexing services and index_status."""

from __future__ import annotations

import datetime
import os
import signal
from pathlib import Path

import pytest
from django.core.management import call_command
from haystack.exceptions import SearchBackendError

from documents.models import Document
from search.query import QueryError
from search.services import (
    SearchFilters,
    SortOrder,
    index_documents,
    index_status,
    rebuild_index,
    remove_documents,
    search_documents,
)
from tests.search.conftest import make_document

pytestmark = [pytest.mark.django_db, pytest.mark.search]


def run(query="", page=1, page_size=10, sort="relevance", **filters):
    return search_documents(
        query=query,
        filters=SearchFilters(**filters),
        sort=sort,
        page=page,
        page_size=page_size,
    )


@pytest.fixture
def archive(search_index):
    rows = [
        (
            "周巷镇2021年工作计划",
            "美丽城镇建设，小城市培育。",
            "周巷镇",
            "慈溪市",
            2021,
        ),
        ("周巷镇2022年工作计划", "美丽城镇提升，垃圾分类。", "周巷镇", "慈溪市", 2022),
        ("桃源乡工作总结", "美丽乡村与垃圾分类。", "桃源乡 人民政府", "某县", 2020),
        ("无地区文档", "美丽城镇。", "", "", None),
    ]
    docs = [
        make_document(
            title,
            body,
            township=town,
            county=county,
            plan_year=year,
            category="计划总结",
            doc_date=datetime.date(year, 1, 15) if year else None,
        )
        for title, body, town, county, year in rows
    ]
    index_documents([d.pk for d in docs])
    return docs


def test_query_results_and_terms(archive):
    page = run("美丽城镇")
    assert page.total == 3
    assert {hit.id for hit in page.results} == {archive[i].pk for i in (0, 1, 3)}
    assert page.terms == ["美丽城镇"]
    hit = next(h for h in page.results if h.id == archive[0].pk)
    assert (hit.title, hit.township, hit.plan_year) == (
        "周巷镇2021年工作计划",
        "周巷镇",
        2021,
    )


def test_filters(archive):
    assert run("美丽", township="周巷镇").total == 2
    assert run("", township="桃源乡 人民政府").total == 1
    assert run("", county="慈溪市", year_from=2022).total == 1
    assert run("", year_from=2020, year_to=2021).total == 2
    assert run("", category="计划总结").total == 4


@pytest.mark.parametrize(
    "filters",
    [
        {"township": "无此乡"},
        {"county": "无此县"},
        {"year_from": 2030},
        {"issuer": 'x"y'},
        {"township": "周巷镇", "year_to": 2000},
    ],
)
def test_filters_with_zero_matches_count_zero(archive, filters):
    for query in ("", "美丽", "水"):
        page = run(query, **filters)
        assert page.total == 0
        assert page.results == []
        assert all(counts == [] for counts in page.facets.values())


def test_facets_cover_all_matches_not_just_the_page(archive):
    page = run("", page_size=1)
    assert len(page.results) == 1
    assert page.total == 4
    assert dict(page.facets["township"]) == {"周巷镇": 2, "桃源乡 人民政府": 1}
    assert dict(page.facets["plan_year"]) == {2020: 1, 2021: 1, 2022: 1}
    assert dict(page.facets["county"]) == {"慈溪市": 2, "某县": 1}
    assert page.facets["category"] == [("计划总结", 4)]


def test_sort_orders_and_pages(archive):
    newest = [h.id for h in run("", sort="newest").results]
    assert newest[:3] == [archive[1].pk, archive[0].pk, archive[2].pk]
    assert newest[3] == archive[3].pk, "undated documents come last"
    oldest = [h.id for h in run("", sort="oldest").results]
    assert oldest[:3] == [archive[2].pk, archive[0].pk, archive[1].pk]
    assert oldest[3] == archive[3].pk, "undated documents come last either way"
    pages = [run("", sort="newest", page=n, page_size=3) for n in (1, 2, 3)]
    assert [len(p.results) for p in pages] == [3, 1, 0]
    assert [h.id for p in pages for h in p.results] == newest
    assert pages[0].num_pages == 2


def test_unknown_sort_falls_back(archive):
    assert SortOrder.parse("bogus") is None
    assert run("美丽城镇", sort="bogus").total == 3


def test_bad_query_raises_query_error(archive):
    with pytest.raises(QueryError):
        run("AND OR")


def test_one_backend_query_per_page(archive, search_index, monkeypatch):
    calls = []
    # The page, its count and its facets come from one engine call (find()).
    original = search_index.find
    monkeypatch.setattr(
        search_index, "find", lambda *a, **k: calls.append(a) or original(*a, **k)
    )
    run("美丽城镇", township="周巷镇")
    assert len(calls) == 1


def test_index_status_finds_missing_stale_and_orphans(archive):
    assert index_status().ok
    missing = make_document("新文档", "正文")
    stale = archive[0]
    # Changed behind the index's back, with no timestamp (raw SQL, a restore).
    Document.objects.filter(pk=stale.pk).update(body=stale.body + "补记一句。")
    # A new timestamp alone changes nothing the index holds.
    Document.objects.filter(pk=archive[2].pk).update(
        updated_at=archive[2].updated_at + datetime.timedelta(seconds=5)
    )
    orphan = archive[1].pk
    Document.objects.filter(pk=orphan).delete()
    status = index_status()
    assert (status.missing, status.stale, status.orphans) == (
        [missing.pk],
        [stale.pk],
        [orphan],
    )
    index_documents(status.missing + status.stale + status.orphans)
    assert index_status().ok


def test_remove_and_rebuild(archive):
    assert remove_documents([archive[0].pk]) == 1
    assert run("").total == 3
    assert rebuild_index() == 4
    assert run("").total == 4
    assert index_status().ok


def test_haystack_rebuild_index_command_uses_our_schema(archive, search_index):
    call_command("rebuild_index", interactive=False, verbosity=0)
    assert run("").total == 4
    assert run("小城市").total == 1
    assert search_index.index.doc_count() == Document.objects.count()


@pytest.mark.django_db(transaction=True)
def test_parallel_rebuild_finds_what_one_process_finds(archive, monkeypatch):
    terms = ["美丽城镇", "垃圾分类", "小城市", "乡村", "美"]

    def hits() -> dict[str, list[int]]:
        return {
            term: sorted(hit.id for hit in run(term, page_size=50).results)
            for term in terms
        }

    assert rebuild_index(procs=1) == 4
    serial = hits()
    monkeypatch.setattr("search.services.PARALLEL_MIN_DOCUMENTS", 0)
    assert rebuild_index(procs=2) == 4
    assert hits() == serial
    # The ground truth: a substring scan of the database.
    for term in terms:
        scan = sorted(
            d.pk for d in Document.objects.all() if term in d.title + "\n" + d.body
        )
        assert serial[term] == scan, term
    assert index_status().ok


def _segment_sizes(settings) -> list[int]:
    from whoosh.index import open_dir

    from search.engine.schema import INDEX_NAME

    path = settings.HAYSTACK_CONNECTIONS["default"]["PATH"]
    index = open_dir(path, indexname=INDEX_NAME)
    return [segment.doc_count() for segment in index._segments()]


def test_rebuild_closes_a_segment_at_its_byte_budget_and_loses_nothing(
    archive, monkeypatch, settings
):
    terms = ["美丽城镇", "垃圾分类", "小城市", "美"]
    assert rebuild_index(procs=1) == 4
    assert _segment_sizes(settings) == [4]
    whole = {
        term: sorted(h.id for h in run(term, page_size=50).results) for term in terms
    }
    # A budget smaller than one document's postings: a segment a document.
    monkeypatch.setattr("search.services.segment_bytes", lambda procs: 1)
    assert rebuild_index(procs=1) == 4
    assert _segment_sizes(settings) == [1, 1, 1, 1]
    for term in terms:
        found = sorted(h.id for h in run(term, page_size=50).results)
        scan = sorted(
            d.pk for d in Document.objects.all() if term in d.title + "\n" + d.body
        )
        assert found == whole[term] == scan, term
    # The document cap still applies on its own.
    monkeypatch.undo()
    settings.SEARCH_SEGMENT_DOCS = 3
    assert rebuild_index(procs=1) == 4
    assert sorted(_segment_sizes(settings)) == [1, 3]


def test_segment_budget_follows_the_setting_else_the_machine(monkeypatch, settings):
    from search.services import segment_bytes

    settings.SEARCH_SEGMENT_MB = 300
    assert segment_bytes(2) == 300 << 20
    settings.SEARCH_SEGMENT_MB = 0
    monkeypatch.setattr("search.services.machine_memory_mb", lambda: 24 * 1024)
    # A third of 24 GB for two workers, capped at 4 GB a worker.
    assert segment_bytes(2) == 4096 << 20
    assert segment_bytes(8) == 1024 << 20
    monkeypatch.setattr("search.services.machine_memory_mb", lambda: 2 * 1024)
    assert segment_bytes(4) == 256 << 20  # never below the floor
    monkeypatch.setattr("search.services.machine_memory_mb", lambda: None)
    assert segment_bytes(2) == 256 << 20


_TEST_PROCESS = os.getpid()


def _killed_worker(ids: list[int], *, segment_bytes: int) -> list:
    """A rebuild worker the kernel kills (as the OOM killer would)."""
    if os.getpid() != _TEST_PROCESS:
        os.kill(os.getpid(), signal.SIGKILL)
    return []


@pytest.mark.django_db(transaction=True)
def test_a_killed_rebuild_worker_fails_the_rebuild_and_keeps_the_index(
    archive, monkeypatch, settings
):
    """multiprocessing.Pool waited forever for a worker killed out of memory."""
    monkeypatch.setattr("search.services.PARALLEL_MIN_DOCUMENTS", 0)
    monkeypatch.setattr("search.services._write_part", _killed_worker)
    with pytest.raises(SearchBackendError, match="rebuild worker died"):
        rebuild_index(procs=2)
    assert run("美丽城镇").total == 3
    assert index_status().ok
    index_dir = Path(settings.HAYSTACK_CONNECTIONS["default"]["PATH"])
    assert not list(index_dir.parent.glob(f"{index_dir.name}.new-*"))


def test_rebuild_inside_a_transaction_keeps_the_callers_connection(
    archive, monkeypatch
):
    """Workers forked inside a transaction could not see its rows (PostgreSQL),
    and closing the shared connection would end the caller's session."""
    monkeypatch.setattr("search.services.PARALLEL_MIN_DOCUMENTS", 0)
    assert rebuild_index(procs=2) == 4
    assert Document.objects.count() == 4
    assert run("美丽城镇").total == 3


def test_rebuild_index_command_is_ours_and_asks_first(archive, monkeypatch, capsys):
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    remove_documents([archive[0].pk])
    call_command("rebuild_index")
    assert run("").total == 3  # declined: nothing rebuilt
    call_command("rebuild_index", "--noinput", "--procs", "1")
    assert run("").total == 4
    assert "4 篇" in capsys.readouterr().out
