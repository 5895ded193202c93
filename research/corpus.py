"""A result set's documents read in chunks, and where its query terms occur."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from documents.models import Document
from documents.texts import with_parts
from search.normalise import fold
from search.query import parse_query, terms_of

# Rows per database query: bounded memory, and far below SQLite's
# 32,766-parameter limit.
CHUNK = 200


def query_terms(query: str) -> list[str]:
    """The positive terms of a query, once each as the search matches them.

    Raises search.query.QueryError. "GDP OR gdp" is one term: matching folds
    ASCII case, so counting both would count every occurrence twice.
    """
    terms: dict[str, str] = {}
    for term in terms_of(parse_query(query)):
        terms.setdefault(fold(term), term)
    return list(terms.values())


def iter_documents(ids: Sequence[int], *, fields: Sequence[str]) -> Iterator[Document]:
    """The documents with these ids in this order, read CHUNK at a time.

    Ids no longer in the database (deleted since they were indexed) are skipped.
    Reading the body reads the attachments' texts too (documents/texts.py):
    whatever counts or shows hits reads every searchable part.
    """
    queryset = Document.objects.only(*fields)
    if "body" in fields:
        queryset = with_parts(queryset)
    for offset in range(0, len(ids), CHUNK):
        chunk = list(ids[offset : offset + CHUNK])
        found = queryset.in_bulk(chunk)
        for pk in chunk:
            document = found.get(pk)
            if document is not None:
                yield document


def find_occurrences(text: str, terms: Sequence[str]) -> list[tuple[int, str]]:
    """(offset, term) for every place a term starts, in text order.

    Matching is the search's: substring, ASCII case folded. Every start
    counts, so 哈哈 occurs twice in 哈哈哈, and a term inside another term
    (小微企业 in 中小微企业) counts for both when both are asked for.
    """
    folded = fold(text)
    found: list[tuple[int, str]] = []
    for term in terms:
        needle = fold(term)
        if not needle:
            continue
        start = folded.find(needle)
        while start != -1:
            found.append((start, term))
            start = folded.find(needle, start + 1)
    found.sort()
    return found


def count_occurrences(text: str, terms: Sequence[str]) -> int:
    """How many times the terms occur in text (see find_occurrences)."""
    folded = fold(text)
    total = 0
    for term in terms:
        needle = fold(term)
        if not needle:
            continue
        start = folded.find(needle)
        while start != -1:
            total += 1
            start = folded.find(needle, start + 1)
    return total
