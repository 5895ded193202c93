"""Every document a query and filters match, for tools that analyse a whole result set.

/search/ shows one page of a result set; the research tools need all of it.
The same query parser and filters make the same set, so a tool's numbers
always agree with the search page's.
"""

from __future__ import annotations

from dataclasses import dataclass

from search.query import parse_query
from search.services import SearchFilters, matching_queryset

_FIELDS = ("pk", "plan_year", "township", "county")


@dataclass(frozen=True)
class Match:
    """One matching document, with the fields the tools group by (from the index)."""

    id: int
    plan_year: int | None
    township: str
    county: str


def matching_documents(
    *, query: str, filters: SearchFilters, sort: str = ""
) -> list[Match]:
    """Every match, in the search page's order for ``sort``.

    Raises search.query.QueryError for a query that cannot be parsed. An empty
    query matches every document the filters allow.
    """
    sqs = matching_queryset(node=parse_query(query), filters=filters, sort=sort)
    total = sqs.count()
    if not total:
        return []
    rows = sqs.values_list(*_FIELDS)[:total]
    return [
        Match(
            id=int(pk),
            plan_year=int(year) if year is not None else None,
            township=township or "",
            county=county or "",
        )
        for pk, year, township, county in rows
    ]
