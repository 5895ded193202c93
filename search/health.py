"""Whether the search index answers: for /healthz, without repairing anything."""

from __future__ import annotations

import logging

from haystack import connections
from haystack.query import SearchQuerySet

from documents.models import Document

logger = logging.getLogger(__name__)


def index_answers() -> bool:
    """The index is on disk, written for this schema, and a search reads it.

    Unlike a search page this never creates the index: opening a missing
    folder would give an empty index that looks healthy.
    """
    backend = connections["default"].get_backend()
    try:
        if getattr(backend, "use_file_storage", False) and not _on_disk(backend):
            return False
        # The check the search pages make before answering (503 when it fails).
        if hasattr(backend, "index_is_current") and not backend.index_is_current():
            return False
        results = SearchQuerySet().models(Document)
        if results.count():
            list(results[:1])
    except Exception:  # noqa: BLE001 - any damage means "not answering"
        logger.warning("health check: the search index does not answer", exc_info=True)
        return False
    return True


def _on_disk(backend: object) -> bool:
    from whoosh import index as whoosh_index

    return whoosh_index.exists_in(backend.path)
