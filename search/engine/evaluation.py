"""Query evaluation: a parsed query, restricted to models and filters, to documents.

The matching itself is array work (search/engine/matching.py); this module
builds the one Whoosh query it evaluates: the user's query AND the indexed
models AND each narrowing filter.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from haystack.constants import DJANGO_CT
from whoosh import query as wq

from search.engine.matching import Matcher


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
