"""The index follows the database: bulk on import, at once on admin edits and deletes."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections as db_connections

from documents.models import Document
from search.services import (
    IndexBusy,
    SearchFilters,
    index_documents,
    index_status,
    remove_documents,
    search_documents,
)
from search.tasks import wait_for_background_index_writes
from tests.admin_forms import change_form_data
from tests.search.conftest import make_document, segment_sizes

pytestmark = [pytest.mark.django_db, pytest.mark.search]


def hits(query: str) -> set[int]:
    page = search_documents(
        query=query, filters=SearchFilters(), sort="relevance", page=1, page_size=100
    )
    return {hit.id for hit in page.results}


def test_import_indexes_in_bulk(search_index, seeds_dir: Path) -> None:
    call_command("import_plans", str(seeds_dir), stdout=io.StringIO())
    assert index_status().ok
    assert hits("专精特新") == {
        d.pk for d in Document.objects.all() if "专精特新" in d.body
    }


def _closing_connections(job):  # noqa: ANN001, ANN202
    """``job`` as a worker thread runs it: its database connections closed after."""

    def run() -> None:
        try:
            job()
        finally:
            db_connections.close_all()

    return run


def _change_form(admin_client, doc: Document, body: str) -> dict[str, str]:  # noqa: ANN001
    """The admin change form's current values, with a new body."""
    return {**change_form_data(admin_client, doc), "body": body}


def test_admin_edit_and_delete_update_the_index(
    admin_client, search_index, seeds_dir: Path, django_capture_on_commit_callbacks
) -> None:
    call_command("import_plans", str(seeds_dir), stdout=io.StringIO())
    doc = Document.objects.get(index_no="002590139/2023-74151")
    assert doc.pk not in hits("量子计算试验场")
    data = _change_form(admin_client, doc, doc.body + "\n建设量子计算试验场。")
    # The index follows once the edit's transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"/admin/documents/document/{doc.pk}/change/", data
        )
    assert response.status_code == 302
    assert hits("量子计算试验场") == {doc.pk}
    assert index_status().ok

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"/admin/documents/document/{doc.pk}/delete/", {"post": "yes"}
        )
    assert response.status_code == 302
    assert hits("量子计算试验场") == set()
    assert index_status().ok


@pytest.mark.django_db(transaction=True)
def test_admin_edits_while_an_import_holds_the_writer_are_not_lost(
    admin_client, search_index, seeds_dir: Path, settings
) -> None:
    """Whoosh allows one writer: an edit made while another writer holds the
    lock neither fails nor is lost, and the newest of two edits wins."""
    call_command("import_plans", str(seeds_dir), stdout=io.StringIO())
    doc = Document.objects.get(index_no="002590139/2023-74151")
    settings.SEARCH_EDIT_WAIT = 0.2
    held = search_index.index.writer()  # as a bulk import would hold it
    try:
        for body in (
            doc.body + "\n第一次修改：量子通信。",
            doc.body + "\n第二次修改：深海养殖。",
        ):
            response = admin_client.post(
                f"/admin/documents/document/{doc.pk}/change/",
                _change_form(admin_client, doc, body),
            )
            assert response.status_code == 302
        doc.refresh_from_db()
        assert "深海养殖" in doc.body
        assert hits("深海养殖") == set()  # not yet: the lock is taken
    finally:
        held.cancel()
    assert wait_for_background_index_writes(timeout=60)
    assert hits("深海养殖") == {doc.pk}
    assert hits("量子通信") == set()
    assert index_status().ok

    held = search_index.index.writer()
    try:
        response = admin_client.post(
            f"/admin/documents/document/{doc.pk}/delete/", {"post": "yes"}
        )
        assert response.status_code == 302
    finally:
        held.cancel()
    assert wait_for_background_index_writes(timeout=60)
    assert hits("深海养殖") == set()
    assert index_status().ok


def test_batch_writers_wait_for_the_lock_then_say_it_is_busy(
    search_index, settings
) -> None:
    doc = make_document("等待写锁", "写锁被占用时的批量写入。")
    search_index.setup()
    held = search_index.index.writer()
    try:
        with pytest.raises(IndexBusy):
            index_documents([doc.pk], wait=0.3)
        with pytest.raises(IndexBusy):
            remove_documents([doc.pk], wait=0.3)
    finally:
        held.cancel()
    assert index_documents([doc.pk], wait=0.3) == 1
    assert hits("写锁") == {doc.pk}


def test_an_index_of_another_schema_is_rebuilt_not_misread(search_index, client):
    """An index written by an earlier version (other posting formats) must never
    be read with this version's decoders: pages say so, check_index rebuilds."""
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError
    from whoosh.fields import ID, TEXT, Schema

    from search.services import index_status

    doc = make_document("旧索引", "乡村振兴")
    search_index.setup()
    old = Schema(id=ID(stored=True, unique=True), exact=TEXT(phrase=True))
    search_index.storage.create_index(old, indexname=search_index.index.indexname)
    search_index.setup()
    assert search_index.needs_rebuild()
    assert index_status().outdated
    response = client.get("/search/", {"q": "乡村振兴"})
    assert response.status_code == 503
    assert "rebuild_index" in response.content.decode()
    assert client.get("/api/search", {"q": "乡村"}).status_code == 503
    with pytest.raises(CommandError):
        call_command("check_index", stdout=StringIO())
    call_command("check_index", "--fix", stdout=StringIO())
    assert not search_index.needs_rebuild()
    assert index_status().ok
    assert client.get("/api/search", {"q": "乡村振兴"}).json()["total"] == 1
    assert doc.pk == client.get("/api/search", {"q": "乡村"}).json()["results"][0]["id"]


@pytest.mark.django_db(transaction=True)
def test_admin_saves_leave_large_folds_to_a_background_writer(
    admin_client, search_index, seeds_dir: Path, monkeypatch,
    django_capture_on_commit_callbacks,
) -> None:  # fmt: skip
    """An editor waits for their own document's index entry, not for the
    re-indexing of every small segment that happens to be due."""
    call_command("import_plans", str(seeds_dir), stdout=io.StringIO())
    monkeypatch.setattr("search.upkeep.EDIT_FOLD_LIMIT", 2)
    deferred = []
    monkeypatch.setattr(
        "search.tasks.enqueue", lambda job, failure: deferred.append(job)
    )
    docs = list(Document.objects.order_by("pk"))
    assert segment_sizes(search_index) == [5]
    for n, doc in enumerate(docs[:3]):
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(
                f"/admin/documents/document/{doc.pk}/change/",
                _change_form(admin_client, doc, f"{doc.body}\n第{n}次编辑：折叠测试。"),
            )
        assert response.status_code == 302
    # The third save made a fourth small segment of its size level (the
    # import's, now 2 documents, and three edits): folding it would re-index
    # 4 documents, more than an editor waits for.
    assert segment_sizes(search_index) == [1, 1, 1, 2] and len(deferred) == 1
    # As the web process runs it: a thread with its own database connection.
    worker = threading.Thread(target=_closing_connections(deferred.pop()))
    worker.start()
    worker.join(timeout=60)
    assert segment_sizes(search_index) == [5]
    assert hits("折叠测试") == {d.pk for d in docs[:3]}
    assert index_status().ok
