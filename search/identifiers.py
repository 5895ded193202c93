"""A query that is one 索引号 or 文号, in any form, finds that document first.

浙政发〔2021〕8号 typed as 浙政发[2021]8号, 浙政发（２０２１）８号 or
浙政发 [2021] 8号 is the same number (documents/numbers.py). Such a document is
shown above the results, marked 编号相符, whether or not the text search
finds it in the typed form; the number of results stays the scan's.
"""

from __future__ import annotations

import re

from django.db.models import Q

from documents.models import NUMBER_KEY_FIELDS, Document
from documents.numbers import is_number_like, number_key
from search.query import FIELD_PREFIXES, Node, Term
from search.request import SearchFilters
from search.search_indexes import indexed_province

# The fields a number may be looked up in; a query with no prefix, both.
NUMBER_FIELDS = tuple(NUMBER_KEY_FIELDS)
_PREFIX = re.compile(
    r"^\s*(?:" + "|".join(map(re.escape, FIELD_PREFIXES)) + r")\s*[:：]"
)
# A number names one document, rarely a few (a 文号 reused by two issuers).
MAX_IDENTIFIED = 5


def typed_number(raw: str, node: Node | None) -> tuple[str, tuple[str, ...]] | None:
    """(key, fields to look in) when the whole query ``raw`` (parsed: ``node``)
    is one number, else None.

    The query must be plain terms only (the spaces between them are the
    number's own: 浙政发 〔2021〕 8号), the first perhaps with 文号: or 索引号:.
    """
    if node is None or not node.clauses:
        return None
    if not all(isinstance(clause, Term) for clause in node.clauses):
        return None
    fields = {clause.field for clause in node.clauses} - {""}
    if not fields <= set(NUMBER_FIELDS) or len(fields) > 1:
        return None
    if any(clause.field for clause in node.clauses[1:]):
        return None  # 文号:a 文号:b is two terms, not one number
    # The query as typed (a lone "-" between spaces is no word to the parser,
    # but part of LH331082 - 074), without its field prefix.
    key = number_key(_PREFIX.sub("", raw, count=1))
    if not is_number_like(key):
        return None
    return key, tuple(fields) or NUMBER_FIELDS


def _passes(document: Document, filters: SearchFilters) -> bool:
    """Whether the index's filters would keep ``document`` (search/request.py)."""
    for name, value in filters.exact_values():
        found = indexed_province(document) if name == "province" else None
        if (found if found is not None else getattr(document, name)) != value:
            return False
    year = document.plan_year
    if filters.year_from is not None and (year is None or year < filters.year_from):
        return False
    return filters.year_to is None or (year is not None and year <= filters.year_to)


def identified_documents(
    raw: str, node: Node | None, filters: SearchFilters
) -> list[Document]:
    """The documents whose 索引号 or 文号 the query ``raw`` is, within the filters."""
    found = typed_number(raw, node)
    if found is None:
        return []
    key, fields = found
    where = Q()
    for name in fields:
        where |= Q(**{NUMBER_KEY_FIELDS[name]: key})
    documents = Document.objects.defer("body", "original").filter(where)
    chosen = [d for d in documents.order_by("pk") if _passes(d, filters)]
    return chosen[:MAX_IDENTIFIED]
