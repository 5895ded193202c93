"""Which candidate documents a query really matches, checked on their texts.

An engine that cannot evaluate part of a query (proximity or the EXACT form
in a stock engine such as Elasticsearch; proximity in a plansite index
written without the offsets it reads, search/engine/matching.py) finds the
candidates, and this module keeps those search/textmatch.py says match.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from documents.models import Document
from documents.texts import searchable_fields, with_parts
from search.normalise import Form
from search.query import Near, Node
from search.textmatch import matches

# Rows read per database query (SQLite's parameter limit is far above).
CHUNK = 200


def needs_texts(node: Node | None) -> bool:
    """Whether a stock engine's matches of ``node`` are only candidates.

    It cannot evaluate proximity, and its index holds the folded text (the
    analyzers fold), so the EXACT form is checked against the text as written.
    """
    if node is None:
        return False
    return node.form is Form.EXACT or any(isinstance(c, Near) for c in node.clauses)


def matching_ids(ids: Sequence[int], node: Node) -> set[int]:
    """The ids among ``ids`` whose document matches ``node`` (textmatch)."""
    queryset = with_parts(Document.objects.defer("original"))
    kept: set[int] = set()
    for offset in range(0, len(ids), CHUNK):
        chunk = list(ids[offset : offset + CHUNK])
        for pk, document in queryset.in_bulk(chunk).items():
            if matches(searchable_fields(document), node):
                kept.add(pk)
    return kept


def keep_matching(ids: Iterable[int], node: Node) -> list[int]:
    """``ids`` in their order, those whose document matches ``node``."""
    ids = list(ids)
    kept = matching_ids(ids, node)
    return [pk for pk in ids if pk in kept]
