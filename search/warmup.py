"""Load what the first search would otherwise wait for, when a web process starts."""

from __future__ import annotations

import logging
import threading

logger = logging.getLogger(__name__)


def warm_up() -> None:
    """jieba's dictionaries, the index's searcher, its columns (facets, sorting,
    year ranges, BM25 lengths): about 5 s at 50,000 documents, off the first
    reader's time.

    First, index the edits a web process that died had left queued.
    """
    finish_queued_index_writes()
    from search.errors import IndexDamaged, IndexOutdated

    try:
        from search.services import SearchFilters, search_documents

        # Browse (the date column, every facet), a term (BM25's lengths,
        # jieba), a year range (the year column): what a first query of
        # each kind would otherwise decode.
        for query, filters in (
            ("", SearchFilters()),
            ("发展", SearchFilters()),
            ("", SearchFilters(year_from=1900, year_to=2100)),
        ):
            search_documents(query=query, filters=filters, sort="", page=1, page_size=1)
    except (IndexDamaged, IndexOutdated) as error:
        # No traceback: the search pages answer 503 and say what to run.
        logger.warning("search warm-up: %s", error)
    except Exception:  # noqa: BLE001 - a missing index must not stop the server
        logger.warning("search warm-up failed", exc_info=True)


def finish_queued_index_writes() -> None:
    """Carry out queued index writes if the write lock is free at once (a busy
    lock's holder, an import or another web process, carries them out)."""
    from search.outbox import flush_pending_index_writes
    from search.services import IndexBusy

    try:
        flush_pending_index_writes(wait=0)
    except IndexBusy:
        pass
    except Exception:  # noqa: BLE001 - e.g. not migrated yet; never stop the server
        logger.warning("queued index writes failed", exc_info=True)


def warm_up_in_background() -> threading.Thread:
    """Start warm_up() in a daemon thread; requests meanwhile simply wait for it."""
    thread = threading.Thread(target=warm_up, name="search-warm-up", daemon=True)
    thread.start()
    return thread
