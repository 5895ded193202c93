"""Index upkeep: the index follows admin edits and imports of documents.

Documents never call the index themselves: an edit sends
documents.signals.documents_edited (search/signals.py queues it here), and
import_plans calls index_after_import once its files are stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import transaction

from search import outbox, services, tasks
from search.errors import REPAIR_COMMAND, IndexBusy, IndexDamaged

logger = logging.getLogger(__name__)

# Documents of small index segments an admin save may re-index with its own
# (about 1 s at most); larger folds run on the background worker.
EDIT_FOLD_LIMIT = 64


def sync_index_after_edit(document_ids: Iterable[int]) -> None:
    """Make the index follow an admin edit or delete of these documents.

    The request is stored in the edit's transaction (the outbox), so it
    commits or rolls back with the edit. Once the edit commits, this process
    waits briefly (SEARCH_EDIT_WAIT) for the write lock; when a bulk import
    holds it, the background worker waits instead, so the editor neither
    blocks nor sees a LockError. Should this process die first, the stored
    request is carried out by the next writer. Rows are read after the lock is
    taken, so the newest edit wins whichever writer is last.
    """
    if outbox.queue_index_writes(document_ids):
        transaction.on_commit(_flush_now_or_later, robust=True)


def _flush_now_or_later() -> None:
    try:
        if services.index_missing():
            # Rebuilding the whole index would hold this editor's request
            # for minutes: leave it queued for check_index --repair.
            raise IndexDamaged("no index on disk")
        # The editor waits for this: larger folds of small segments are left
        # to the background worker.
        outbox.flush_pending_index_writes(
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
    except IndexBusy:
        logger.info("index busy; queued edits will be indexed when it is free")
        tasks.flush_queued_writes_later()
        return
    if services.folds_due():
        # Should it fail, only the segment count suffers; the next import folds.
        tasks.fold_segments_later()


def index_after_import(
    *,
    changed: Iterable[int],
    unchanged: Iterable[int],
    on_behind: Callable[[int], None] | None = None,
) -> int:
    """Index what an import changed, what an earlier run left behind, and
    admin edits queued meanwhile. Returns the number of documents indexed.

    ``on_behind`` hears how many unchanged documents were found missing from
    or stale in the index (before they are indexed). Raises IndexDamaged when
    the index cannot be written (import_advice says what to do).
    """
    # A run killed before it indexed leaves documents that the next run
    # finds unchanged; index those too, or the index stays behind.
    behind = services.behind_in_index(set(unchanged))
    if behind and on_behind is not None:
        on_behind(len(behind))
    to_index = sorted(set(changed) | set(behind))
    if to_index:
        services.index_documents(to_index)
    # Admin edits made while this import held the index's lock, by a web
    # process that may be gone by now.
    outbox.flush_pending_index_writes()
    return len(to_index)


def import_advice(damage: IndexDamaged) -> str:
    """What an operator reads when an import's documents could not be indexed."""
    return (
        f"检索索引已损坏（{damage.reason}），本次导入的文档已入库但未编入索引："
        f"请运行 {REPAIR_COMMAND}"
    )
