"""Ranking: BM25 over the jieba words of the required terms, or a field's order.

Exact matching is on character bigrams, which say nothing about relevance;
relevance is scored on the jieba words of the terms the query requires
(index mode adds jieba's sub-words, so 小微企业 also ranks 中小微企业).
Sorting by a date keeps undated documents last.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence

import numpy as np
from django.utils.encoding import force_str
from haystack.exceptions import SearchBackendError
from whoosh import query as wq
from whoosh.fields import FieldType

from search.engine.matching import Matcher
from search.engine.topk import first_positions
from search.fieldnames import is_field_gram_field
from search.query import CHAR_FIELD, EXACT_FIELD


def required_texts(parsed: wq.Query) -> list[str]:
    """The texts of the exact terms ``parsed`` requires (excluded ones left out)."""
    texts: list[str] = []

    def walk(q: wq.Query) -> None:
        if isinstance(q, wq.Not):
            return
        if isinstance(q, wq.AndNot):
            walk(q.a)
            return
        # A field term (标题:乡村振兴) ranks by its words in the text too.
        name = getattr(q, "fieldname", None) or ""
        exact = name == EXACT_FIELD or is_field_gram_field(name)
        if isinstance(q, wq.Phrase) and exact:
            words = list(q.words)
            texts.append(words[0] + "".join(w[1:] for w in words[1:]))
        elif isinstance(q, wq.Term) and (exact or name == CHAR_FIELD):
            texts.append(force_str(q.text))
        else:
            for child in q.children():
                walk(child)

    walk(parsed)
    return texts


def ranking_words(
    texts: Sequence[str],
    field: FieldType,
    words_of: Callable[[str], Iterable[str]] | None = None,
) -> list[str]:
    """The jieba words (index mode) of ``texts``, by ``field``'s analyzer
    (or ``words_of``, a cache of it: text_words())."""
    if words_of is None:
        return sorted(
            {w for text in texts for w in field.process_text(text, mode="index")}
        )
    return sorted({w for text in texts for w in words_of(text)})


def text_words(field: FieldType, size: int = 2048) -> Callable[[str], tuple[str, ...]]:
    """A text's jieba words by ``field``'s analyzer, the last ``size`` texts
    kept: jieba costs ~0.1 ms a query, and the same terms are asked again."""

    @functools.lru_cache(maxsize=size)
    def words(text: str) -> tuple[str, ...]:
        return tuple(field.process_text(text, mode="index"))

    return words


def sorting(sort_by: Sequence[str] | None) -> tuple[str | None, bool]:
    """(field, descending) from haystack's order_by list; (None, False) for BM25."""
    if not sort_by:
        return None, False
    if len(sort_by) > 1:
        raise SearchBackendError("plansite sorts by one field at a time")
    name = sort_by[0]
    return name.lstrip("-"), name.startswith("-")


def ordered(
    matcher: Matcher,
    docs: np.ndarray,
    *,
    sort_by: Sequence[str] | None,
    content_field: str,
    words: Sequence[str],
    stop: int | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """(docs in order, their scores or None): by a field, else BM25 over
    ``words``; only the first ``stop`` of that order when given (a page)."""
    sortedby, reverse = sorting(sort_by)
    if sortedby is not None:
        return matcher.sort(docs, sortedby, reverse=reverse, stop=stop), None
    scores = matcher.bm25(docs, content_field, list(words))
    # Best first; equal scores keep document order.
    order = first_positions(-scores, docs, stop)
    return docs[order], scores[order]
