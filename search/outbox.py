"""The outbox of index writes: edits queue documents here, writers carry them out.

A queued row commits or rolls back with the edit that queued it, so a process
killed between an edit and its index write loses nothing: the next writer
(an import, check_index --repair, a starting web process) finds the row.
"""

from __future__ import annotations

from collections.abc import Iterable

from search import services
from search.models import PendingIndexWrite

# Queued requests deleted per statement (SQLite allows 32,766 parameters).
_DELETE_BATCH = 500


def queue_index_writes(document_ids: Iterable[int]) -> list[int]:
    """Queue these documents for the index, in the caller's transaction.

    Returns the ids queued (sorted, without repeats).
    """
    ids = sorted(set(document_ids))
    PendingIndexWrite.objects.bulk_create(
        [PendingIndexWrite(document_id=pk) for pk in ids]
    )
    return ids


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
    pending = list(PendingIndexWrite.objects.values_list("pk", "document_id"))
    if not pending:
        return 0
    ids = sorted({document_id for _, document_id in pending})
    # index_documents reads the rows after it holds the lock, so it writes
    # each document as the newest committed edit left it (or removes it).
    services.index_documents(ids, wait=wait, fold_limit=fold_limit)
    done = [pk for pk, _ in pending]
    for offset in range(0, len(done), _DELETE_BATCH):
        PendingIndexWrite.objects.filter(
            pk__in=done[offset : offset + _DELETE_BATCH]
        ).delete()
    return len(ids)


def pending_index_writes() -> int:
    """How many documents wait for their index entry to follow an edit."""
    return PendingIndexWrite.objects.values("document_id").distinct().count()
