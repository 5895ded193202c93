"""Documents that share a document's most distinctive jieba words."""

from __future__ import annotations

import logging

from django.core.cache import cache

from documents.models import Document
from search.engines import current_engine
from search.errors import IndexDamaged, IndexOutdated
from search.request import CONTENT_TYPE
from search.search_indexes import searchable_text

logger = logging.getLogger(__name__)

KEY_TERMS = 12
# Analysing a long report with jieba takes a while; the start says what it is about.
MAX_TEXT_CHARS = 20_000
CACHE_SECONDS = 60 * 60


def _key(document: Document) -> str:
    stamp = document.updated_at.timestamp() if document.updated_at else 0
    return f"similar:{document.pk}:{stamp}"


def similar_document_ids(*, document: Document, limit: int = 5) -> list[int]:
    """Ids of up to ``limit`` indexed documents most like ``document``, best first.

    Key terms are the jieba words of the title and body that are frequent here
    and rare in the archive (Whoosh's Bo1 model); the other documents are
    ranked by those terms. Returns [] when the engine cannot rank similar
    documents (search.engines.Capability.SIMILAR) or the document is not
    indexed, so the page can still show its other neighbours.
    """
    cached = cache.get(_key(document))
    if cached is not None:
        return cached[:limit]
    try:
        ids = _more_like(document, limit=max(limit, 10))
    except (IndexDamaged, IndexOutdated):
        # Logged once by the backend; the page shows its other neighbours.
        return []
    except Exception:  # noqa: BLE001 - a missing or foreign index must not break a page
        logger.warning("similar documents failed for %s", document.pk, exc_info=True)
        return []
    cache.set(_key(document), ids, CACHE_SECONDS)
    return ids[:limit]


def _more_like(document: Document, *, limit: int) -> list[int]:
    def text() -> str:
        # Read only when needed: the body of a long document is megabytes.
        return searchable_text(document)[:MAX_TEXT_CHARS]

    found = current_engine().more_like_ids(
        f"{CONTENT_TYPE}.{document.pk}", text, top=limit, numterms=KEY_TERMS
    )
    return [int(pk) for pk in found if pk.isdigit() and int(pk) != document.pk]
