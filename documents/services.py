"""Writes to documents outside the import: region corrections and index upkeep."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

from django.conf import settings
from django.db import connections as db_connections
from django.db import transaction

from documents.models import Division, Document

logger = logging.getLogger(__name__)

# Threads finishing admin edits' index writes (non-daemon: the process waits).
_background: list[threading.Thread] = []
_background_lock = threading.Lock()


def region_names(division: Division | None) -> dict[str, str]:
    """Province/city/county/township names and code for a division and its parents."""
    names = {
        "township": "",
        "county": "",
        "city": "",
        "province": "",
        "division_code": "",
    }
    if division is None:
        return names
    names["division_code"] = division.code
    node: Division | None = division
    while node is not None:
        names[node.level] = node.name
        node = node.parent
    # Pseudo-cities (市辖区, 县, …直辖县级行政区划) are not places a reader knows.
    if names["city"] in ("市辖区", "县"):
        names["city"] = names["province"]
    elif names["city"] in ("省直辖县级行政区划", "自治区直辖县级行政区划"):
        names["city"] = ""
    return names


def apply_division(document: Document) -> None:
    """Make the region names agree with the document's division (after an edit)."""
    if document.division_id is None:
        return
    for field, value in region_names(document.division).items():
        setattr(document, field, value)
    if "region" in document.inferred:
        document.inferred = [f for f in document.inferred if f != "region"]


def refresh_statistics() -> None:
    """Let the database's query planner see the archive's current shape.

    SQLite never gathers statistics by itself, and without them it picks a
    poor index for the browse pages' GROUP BY queries (the year page took
    three times as long). PostgreSQL's autovacuum does this too, but an
    explicit ANALYZE after a bulk import does no harm. Takes ~0.1 s at 50,000.
    """
    with db_connections["default"].cursor() as cursor:
        cursor.execute(f"ANALYZE {Document._meta.db_table}")


def reindex(document_ids: Iterable[int]) -> None:
    """Bring the search index up to date for these documents (imports, commands).

    Waits for Whoosh's write lock as long as settings.SEARCH_WRITE_WAIT says.
    """
    from search import services as search_services

    search_services.index_documents(list(document_ids))


def unindex(document_ids: Iterable[int]) -> None:
    """Remove deleted documents from the search index."""
    from search import services as search_services

    search_services.remove_documents(list(document_ids))


def sync_index_after_edit(document_ids: Iterable[int]) -> None:
    """After an admin edit or delete commits, make the index follow the database.

    Deleted ids are dropped from the index, the others re-read and reindexed.
    The edit waits briefly (SEARCH_EDIT_WAIT) for the write lock; when a bulk
    import holds it, a background thread waits for it instead, so the editor
    neither blocks nor sees a LockError. Rows are read after the lock is taken,
    so the newest edit always wins, whichever writer commits last.
    """
    ids = sorted(set(document_ids))
    if ids:
        transaction.on_commit(lambda: _sync_now_or_later(ids), robust=True)


def _sync_now_or_later(ids: list[int]) -> None:
    from search import services as search_services

    try:
        search_services.index_documents(ids, wait=settings.SEARCH_EDIT_WAIT)
    except search_services.IndexBusy:
        logger.info("index busy; documents %s will be reindexed when it is free", ids)
        worker = threading.Thread(
            target=_sync_in_background, args=(ids,), name="plansite-index-edit"
        )
        with _background_lock:
            _background.append(worker)
        worker.start()


def _sync_in_background(ids: list[int]) -> None:
    from search import services as search_services

    try:
        search_services.index_documents(ids)
    except Exception:
        logger.exception(
            "reindexing %s failed; `manage.py check_index --repair` will fix it", ids
        )
    finally:
        db_connections.close_all()


def wait_for_background_index_writes(timeout: float | None = None) -> bool:
    """Join the background index writers; True when none is left running."""
    with _background_lock:
        workers = list(_background)
    for worker in workers:
        worker.join(timeout)
    with _background_lock:
        _background[:] = [w for w in _background if w.is_alive()]
        return not _background
