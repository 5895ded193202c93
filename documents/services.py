"""Writes to documents outside the import: region corrections and index upkeep."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import connections as db_connections
from django.db import transaction

from documents.models import Division, Document, PendingIndexWrite
from search.errors import IndexDamaged

logger = logging.getLogger(__name__)

# Queued requests deleted per statement (SQLite allows 32,766 parameters).
_DELETE_BATCH = 500
# Threads finishing admin edits' index writes (non-daemon: the process waits).
_background: list[threading.Thread] = []
_background_lock = threading.Lock()
# Documents of small index segments an admin save may re-index with its own
# (about 1 s at most); larger folds run in a background thread.
EDIT_FOLD_LIMIT = 64


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
    three times as long). Takes ~0.1 s at 50,000. On PostgreSQL, VACUUM also
    marks the new rows' pages all-visible, so the counts of the browse pages
    are index-only scans at once rather than after autovacuum comes by.
    """
    connection = db_connections["default"]
    table = connection.ops.quote_name(Document._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
        else:
            cursor.execute(f"ANALYZE {table}")


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
    """Make the index follow an admin edit or delete of these documents.

    The request is stored in the edit's transaction (PendingIndexWrite), so it
    commits or rolls back with the edit. Once the edit commits, this process
    waits briefly (SEARCH_EDIT_WAIT) for the write lock; when a bulk import
    holds it, a background thread waits instead, so the editor neither blocks
    nor sees a LockError. Should this process die first, the stored request is
    carried out by the next writer (flush_pending_index_writes). Rows are read
    after the lock is taken, so the newest edit wins whichever writer is last.
    """
    ids = sorted(set(document_ids))
    if not ids:
        return
    PendingIndexWrite.objects.bulk_create(
        [PendingIndexWrite(document_id=pk) for pk in ids]
    )
    transaction.on_commit(_flush_now_or_later, robust=True)


def flush_pending_index_writes(
    *, wait: float | None = None, fold_limit: int | None = None
) -> int:
    """Index (or drop from the index) every document an edit has queued.

    Returns the number of documents written. Raises search's IndexBusy when
    the write lock stays taken for ``wait`` seconds; the requests then stay
    queued. Only the requests read here are deleted: one that commits while
    this runs waits for the next flush (the document is read again then).
    ``fold_limit`` caps the documents of small segments re-indexed with them.
    """
    from search import services as search_services

    pending = list(PendingIndexWrite.objects.values_list("pk", "document_id"))
    if not pending:
        return 0
    ids = sorted({document_id for _, document_id in pending})
    # index_documents reads the rows after it holds the lock, so it writes
    # each document as the newest committed edit left it (or removes it).
    search_services.index_documents(ids, wait=wait, fold_limit=fold_limit)
    done = [pk for pk, _ in pending]
    for offset in range(0, len(done), _DELETE_BATCH):
        PendingIndexWrite.objects.filter(
            pk__in=done[offset : offset + _DELETE_BATCH]
        ).delete()
    return len(ids)


def pending_index_writes() -> int:
    """How many documents wait for their index entry to follow an edit."""
    return PendingIndexWrite.objects.values("document_id").distinct().count()


def _flush_now_or_later() -> None:
    from search import services as search_services

    try:
        if search_services.index_missing():
            # Rebuilding the whole index would hold this editor's request
            # for minutes: leave it queued for check_index --repair.
            raise IndexDamaged("no index on disk")
        # The editor waits for this: larger folds of small segments are left
        # to a background writer.
        flush_pending_index_writes(
            wait=settings.SEARCH_EDIT_WAIT, fold_limit=EDIT_FOLD_LIMIT
        )
    except IndexDamaged as damage:
        # The edit is saved and its index write stays queued; the search
        # pages say the index needs repair, and the repair carries it out.
        logger.warning(
            "index write queued, the search index cannot be written (%s); "
            "run manage.py check_index --repair",
            damage.reason,
        )
        return
    except search_services.IndexBusy:
        logger.info("index busy; queued edits will be indexed when it is free")
        flush = _logged(
            flush_pending_index_writes,
            "queued index writes failed; the next import or "
            "`manage.py check_index --repair` carries them out",
        )
        _in_background(flush, "plansite-index-edit")
        return
    if search_services.folds_due():
        # Should it fail, only the segment count suffers; the next import folds.
        fold = _logged(search_services.fold_segments, "folding index segments failed")
        _in_background(fold, "plansite-index-fold")


def _logged(job: Callable[[], object], failure: str) -> Callable[[], None]:
    """``job`` as a background thread runs it: failures logged, connections closed."""

    def run() -> None:
        try:
            job()
        except Exception:
            logger.exception(failure)
        finally:
            db_connections.close_all()

    return run


def _in_background(target: Callable[[], None], name: str) -> None:
    worker = threading.Thread(target=target, name=name)
    with _background_lock:
        _background.append(worker)
    worker.start()


def wait_for_background_index_writes(timeout: float | None = None) -> bool:
    """Join the background index writers; True when none is left running."""
    with _background_lock:
        workers = list(_background)
    for worker in workers:
        worker.join(timeout)
    with _background_lock:
        _background[:] = [w for w in _background if w.is_alive()]
        return not _background
