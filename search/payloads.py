"""The JSON of a search: one builder for /api/search and ``search_plans --json``.

Both answered from their own copy before, and the copies drifted (the CLI had
``terms`` and no ``query``); now they print the same dictionary.
"""

from __future__ import annotations

from typing import Any

from search.forms import SearchParams
from search.results import SearchOutcome


def ordered_facets(outcome: SearchOutcome) -> dict[str, list[tuple[Any, int]]]:
    """Facet counts, most documents first; years in order, newest first."""
    if outcome.page is None:
        return {}
    facets = dict(outcome.page.facets)
    if "plan_year" in facets:
        facets["plan_year"] = sorted(facets["plan_year"], key=lambda v: -v[0])
    return facets


def search_error_payload(outcome: SearchOutcome) -> dict[str, Any]:
    """Why the query could not run, in the API's error shape."""
    return {"error": outcome.error, "messages": outcome.problems}


def search_payload(params: SearchParams, outcome: SearchOutcome) -> dict[str, Any]:
    """One page of results with the facets over every match."""
    page = outcome.page
    assert page is not None, "a failed search has search_error_payload()"
    return {
        "total": page.total,
        "page": page.page,
        "page_size": page.page_size,
        "num_pages": page.num_pages,
        "query": params.query,
        "terms": page.terms,
        "results": [row.as_json() for row in outcome.rows],
        "identified": [row.as_json() for row in outcome.identified],
        "facets": {
            name: [{"value": value, "count": count} for value, count in values]
            for name, values in ordered_facets(outcome).items()
        },
        "messages": outcome.problems,
    }
