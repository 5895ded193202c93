"""Query evaluation: a parsed query, restricted to models and filters, to documents.

The matching itself is array work (search/engine/matching.py); this module
builds the one Whoosh query it evaluates: the user's query AND the indexed
models AND each filter. A SearchRequest's tree becomes that query directly
(query.to_whoosh): no query string, no second parser. haystack's own
SearchQuerySet API (narrow queries as strings) goes through restricted().
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from haystack.constants import DJANGO_CT
from whoosh import query as wq

from search.engine.matching import Matcher
from search.query import to_whoosh
from search.request import CONTENT_TYPE, YEAR_FIELD, SearchRequest


def request_query(request: SearchRequest) -> tuple[wq.Query, wq.Query | None]:
    """(the Whoosh query of ``request``, the query of its terms alone or None).

    Relevance is ranked on the second: the words of what the user asked for,
    not of the filters.
    """
    positive = to_whoosh(request.node) if request.node is not None else None
    required = [
        wq.Every() if positive is None else positive,
        wq.Term(DJANGO_CT, CONTENT_TYPE),
    ]
    for name, value in request.filters.exact_values():
        required.append(wq.Term(name, value))
    low, high = request.filters.year_from, request.filters.year_to
    if low is not None:
        required.append(wq.NumericRange(YEAR_FIELD, low, None))
    if high is not None:
        required.append(wq.NumericRange(YEAR_FIELD, None, high))
    return wq.And(required), positive


def restricted(
    parsed: wq.Query, *, content_types: Sequence[str], narrows: Sequence[wq.Query]
) -> wq.Query:
    """``parsed`` AND one of ``content_types`` (if any) AND every narrowing query."""
    required = [parsed]
    if content_types:
        required.append(wq.Or([wq.Term(DJANGO_CT, ct) for ct in content_types]))
    required.extend(narrows)
    return wq.And(required) if len(required) > 1 else parsed


def matches(matcher: Matcher, query: wq.Query) -> np.ndarray:
    """The sorted document numbers ``query`` matches: exactly Whoosh's set."""
    return matcher.match(query)
