"""Every document a query and filters match, for tools that analyse a whole result set.

/search/ shows one page of a result set; the research tools need all of it.
The same query parser and filters make the same set, so a tool's numbers
always agree with the search page's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from haystack.constants import DJANGO_ID

from search.normalise import Form
from search.query import Unit, parse_query
from search.services import SearchFilters, matching_columns, matching_queryset
from search.verification import matching_ids, needs_texts

_FIELDS = ("pk", "plan_year", "township", "county")
_COLUMNS = (DJANGO_ID, "plan_year", "township", "county")


class Match(NamedTuple):
    """One matching document, with the fields the tools group by (from the index).

    ``occurrences`` is how often the asked-for terms occur in its title and
    text together, when the index could count them (else None). A tuple: tools
    make one for each of up to the whole archive's documents.
    """

    id: int
    plan_year: int | None
    township: str
    county: str
    occurrences: int | None = None


def matching_documents(
    *,
    query: str,
    filters: SearchFilters,
    sort: str = "",
    occurrences_of: Sequence[str] = (),
    form: Form = Form.FOLDED,
    near: Unit | None = None,
) -> list[Match]:
    """Every match, in the search page's order for ``sort``.

    Raises search.query.QueryError for a query that cannot be parsed. An empty
    query matches every document the filters allow.
    """
    node = parse_query(query, form=form, near=near)
    columns = matching_columns(
        node=node,
        filters=filters,
        sort=sort,
        fields=_COLUMNS,
        occurrences_of=occurrences_of,
    )
    if columns is not None:
        ids, years, townships, counties = (columns[name] for name in _COLUMNS)
        counts = [columns[f"occurrences:{t}"] for t in occurrences_of]
        # A count the index could not make (None) leaves the total to the texts.
        totals = (
            [None if None in row else sum(row) for row in zip(*counts, strict=True)]
            if counts
            else [None] * len(ids)
        )
        return [
            Match(
                int(pk),
                int(year) if year is not None else None,
                township or "",
                county or "",
                total,
            )
            for pk, year, township, county, total in zip(
                ids, years, townships, counties, totals, strict=True
            )
        ]
    sqs = matching_queryset(node=node, filters=filters, sort=sort)
    total = sqs.count()
    if not total:
        return []
    rows = list(sqs.values_list(*_FIELDS)[:total])
    if needs_texts(node):
        # The engine found candidates; the texts say which match.
        kept = matching_ids([int(row[0]) for row in rows], node)
        rows = [row for row in rows if int(row[0]) in kept]
    return [
        Match(
            id=int(pk),
            plan_year=int(year) if year is not None else None,
            township=township or "",
            county=county or "",
        )
        for pk, year, township, county in rows
    ]
