"""A result set's documents read in chunks, and where its query terms occur."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from documents.models import Document
from documents.texts import TITLE, searchable_text, with_parts
from search.normalise import Form, fold
from search.query import And, Node, Unit, parse_query
from search.textmatch import FULL_TEXT, counted_hits, counted_terms, starts

# Rows per database query: bounded memory, and far below SQLite's
# 32,766-parameter limit.
CHUNK = 200


def query_node(
    query: str, *, form: Form = Form.FOLDED, near: Unit | None = None
) -> Node | None:
    """The parsed query of a tool (raises search.query.QueryError)."""
    return parse_query(query, form=form, near=near)


def query_terms(
    query: str, *, form: Form = Form.FOLDED, near: Unit | None = None
) -> list[str]:
    """The terms whose occurrences a tool counts, once each as the search
    matches them (search.textmatch.counted_terms: plain and OR terms, and
    the first term of a proximity clause).

    Raises search.query.QueryError. "GDP OR gdp" is one term: matching folds
    ASCII case, so counting both would count every occurrence twice.
    """
    return counted_terms(query_node(query, form=form, near=near))


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


def find_occurrences(
    text: str, query: Node | Sequence[str], *, field: str = FULL_TEXT
) -> list[tuple[int, str]]:
    """(offset, term) for every occurrence that counts, in text order.

    For a parsed query, search.textmatch.counted_hits (proximity judged
    within ``text``). For plain terms, matching is the search's: substring,
    ASCII case folded. Every start counts, so 哈哈 occurs twice in 哈哈哈, and
    a term inside another term (小微企业 in 中小微企业) counts for both when
    both are asked for.
    """
    if isinstance(query, And):
        return [(hit.start, hit.term) for hit in counted_hits(text, query, field=field)]
    folded = fold(text)
    found: list[tuple[int, str]] = []
    for term in query:
        needle = fold(term)
        if not needle:
            continue
        found.extend((start, term) for start in starts(folded, needle))
    found.sort()
    return found


def count_occurrences(text: str, query: Node | Sequence[str]) -> int:
    """How many occurrences count in text (see find_occurrences)."""
    return len(find_occurrences(text, query))


def document_occurrences(document: Document, query: Node | Sequence[str]) -> int:
    """How many occurrences count in a document's searchable text: those KWIC
    lists, so a title-field term (标题:) counts in the title, where the full
    text starts (documents/texts.py), and a field term elsewhere not at all."""
    text = searchable_text(document)
    found = set(find_occurrences(text, query))
    if isinstance(query, And):
        found.update(find_occurrences(document.title, query, field=TITLE))
    return len(found)
