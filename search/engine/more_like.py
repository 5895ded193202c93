"""Similar documents: Whoosh's more_like (Bo1 key terms, BM25), with arrays."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from haystack.constants import DJANGO_ID
from haystack.constants import ID as UNIQUE_ID
from whoosh import query as wq

from search.engine.expansion import FrequencyCache, key_terms
from search.engine.matching import Matcher


def more_like_ids(
    searcher: Any,
    matcher: Matcher,
    *,
    field: str,
    identifier: str,
    text: str | Callable[[], str],
    top: int,
    numterms: int,
    cache: FrequencyCache,
) -> list[str]:
    """Django ids of the documents most like the one indexed as ``identifier``.

    The key terms are the words of ``text`` that are frequent in it and rare
    in the archive (Whoosh's Bo1 model); the others are ranked by BM25 over
    those terms, each weighted as Whoosh weighs it. ``text`` may be a function
    that reads it, called only once the document is found in the index.
    """
    docnum = searcher.document_number(**{UNIQUE_ID: identifier})
    if docnum is None:
        return []
    if callable(text):
        text = text()
    terms = key_terms(searcher, field, text, numterms=numterms, cache=cache)
    if not terms:
        return []
    words = [word for word, _ in terms]
    candidates = matcher.match(wq.Or([wq.Term(field, word) for word in words]))
    candidates = candidates[candidates != docnum]
    scores = matcher.bm25(
        candidates, field, words, boosts=[weight for _, weight in terms]
    )
    best = candidates[np.lexsort((candidates, -scores))[:top]]
    return [str(pk) for pk in matcher.values(DJANGO_ID, best)]
