"""The one translation of a SearchRequest for haystack's own engines: a SearchQuerySet.

haystack's stock engines (its Whoosh, Elasticsearch) take a query string;
the parsed tree is printed once, by query.to_query_string, and the filters
become haystack filters. plansite's own engine never goes this way.
"""

from __future__ import annotations

from haystack.inputs import Exact, Raw
from haystack.query import SearchQuerySet

from documents.models import Document
from search.normalise import Form
from search.query import And, Node, Not, to_query_string
from search.request import YEAR_FIELD, SearchRequest


def candidate_node(node: Node | None) -> Node | None:
    """What the engine is asked for ``node``: in the EXACT form, the positive
    clauses only (its index is folded, so excluding 憲法 would also drop 宪法;
    the candidates are checked against the text, search/engines.py)."""
    if node is None or node.form is not Form.EXACT:
        return node
    kept = tuple(c for c in node.clauses if not isinstance(c, Not))
    return And(kept, form=node.form) if kept else None


def to_search_queryset(request: SearchRequest) -> SearchQuerySet:
    """Every document ``request`` matches, in its order, with its facets."""
    sqs = SearchQuerySet().models(Document)
    node = candidate_node(request.node)
    if node is not None:
        sqs = sqs.filter(content=Raw(to_query_string(node)))
    for name, value in request.filters.exact_values():
        # Exact keeps a value such as "桃源乡 人民政府" as one term.
        sqs = sqs.filter(**{name: Exact(value)})
    if request.filters.year_from is not None:
        sqs = sqs.filter(**{f"{YEAR_FIELD}__gte": request.filters.year_from})
    if request.filters.year_to is not None:
        sqs = sqs.filter(**{f"{YEAR_FIELD}__lte": request.filters.year_to})
    if request.order_by:
        sqs = sqs.order_by(*request.order_by)
    for name in request.facets:
        sqs = sqs.facet(name)
    return sqs
