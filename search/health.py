"""Whether the search index answers: for /healthz, without repairing anything."""

from __future__ import annotations

import logging

from haystack.query import SearchQuerySet

from documents.models import Document
from search.engines import current_engine
from search.errors import IndexDamaged, IndexOutdated

logger = logging.getLogger(__name__)


def index_answers() -> bool:
    """The index is on disk, sound, written for this schema, and a search reads it.

    Unlike haystack's setup this never creates the index: opening a missing
    folder would give an empty index that looks healthy. The damage itself
    is logged once by the backend, not on every probe.
    """
    try:
        # The check every search page makes before reading (503 when it fails).
        if current_engine().index_problem() is not None:
            return False
        results = SearchQuerySet().models(Document)
        if results.count():
            list(results[:1])
    except (IndexDamaged, IndexOutdated):
        return False
    except Exception:  # noqa: BLE001 - any other failure means "not answering"
        logger.warning("health check: the search index does not answer", exc_info=True)
        return False
    return True
