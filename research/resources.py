"""One builder per research resource, shared by the tool pages and /api/.

Each ``*_for(params)`` runs a tool on a request's parameters (raising QueryError
for a query that cannot run); each ``*_payload`` turns its result into the JSON
the API answers. A page and its API twin therefore cannot ask differently.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page

from research.compare import Comparison, compare
from research.forms import ToolParams
from research.kwic import Concordance, KwicLine, concordance
from research.trend import Trend, series_records, trend
from search.selection import matching_documents


def trend_for(params: ToolParams) -> Trend:
    return trend(
        query=params.query,
        filters=params.filters,
        split=params.split,
        lines=params.lines,
        form=params.search.form,
        near=params.search.near,
    )


def concordance_for(params: ToolParams) -> Concordance:
    return concordance(
        query=params.query,
        filters=params.filters,
        order=params.order,
        width=params.width,
        form=params.search.form,
        near=params.search.near,
    )


def comparison_for(params: ToolParams) -> Comparison:
    return compare(
        query=params.query,
        filters=params.filters,
        level=params.level,
        places=params.places,
        form=params.search.form,
        near=params.search.near,
    )


@dataclass(frozen=True)
class ExportSet:
    """The documents of an export: every match in the order of ``sort``, and
    how many of them this client may download (None: no limit)."""

    ids: list[int]
    limit: int | None

    @property
    def total(self) -> int:
        return len(self.ids)

    @property
    def rows(self) -> list[int]:
        return self.ids if self.limit is None else self.ids[: self.limit]


def export_for(params: ToolParams, *, limit: int | None) -> ExportSet:
    """What the export page counts and /api/export writes, the same way."""
    matches = matching_documents(
        query=params.query,
        filters=params.filters,
        sort=params.search.sort,
        form=params.search.form,
        near=params.search.near,
    )
    return ExportSet(ids=[m.id for m in matches], limit=limit)


def error_payload(
    message: str,
    params: ToolParams | None = None,
    *,
    fields: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """The API's error shape: what went wrong, the parameters at fault (name
    -> why) and the request's other notices."""
    return {
        "error": message,
        "fields": fields or {},
        "messages": params.search.notes if params is not None else [],
    }


def trend_payload(result: Trend, params: ToolParams) -> dict[str, Any]:
    return {
        "query": result.query,
        "terms": result.terms,
        "split": result.split.value if result.split else None,
        "years": result.years,
        "series": [
            {
                "place": line.place,
                "documents": line.documents,
                "occurrences": line.occurrences,
                "rows": [
                    {k: v for k, v in record.items() if k != "place"}
                    for record in series_records(line)
                ],
            }
            for line in result.series
        ],
        "messages": params.problems,
    }


def kwic_records(lines: Iterable[KwicLine], site: str) -> Iterator[dict[str, Any]]:
    """The lines as records, their links absolute (``site`` is the origin)."""
    for line in lines:
        record = line.as_json()
        record["url"] = site + line.url
        yield record


def kwic_payload(
    result: Concordance, page: Page, params: ToolParams, *, site: str
) -> dict[str, Any]:
    paginator = page.paginator
    return {
        "query": result.query,
        "terms": result.terms,
        "order": result.order.value,
        "width": result.width,
        "documents": result.documents,
        "total": paginator.count,
        "truncated": result.truncated,
        "page": page.number,
        "page_size": paginator.per_page,
        "num_pages": paginator.num_pages,
        "lines": list(kwic_records(page.object_list, site)),
        "messages": params.problems,
    }


def compare_payload(result: Comparison, params: ToolParams) -> dict[str, Any]:
    return {
        "query": result.query,
        "level": result.level.value,
        "years": result.years,
        "places": [
            {
                "name": place.name,
                "documents": place.documents,
                "years": [
                    {"plan_year": year, "documents": count}
                    for year, count in sorted(
                        place.years.items(),
                        key=lambda item: (item[0] is None, item[0] or 0),
                    )
                ],
                "words_from_documents": place.words_from,
                "tokens": place.tokens,
                "keywords": [
                    {
                        "word": k.word,
                        "count": k.count,
                        "per_10k": k.per_10k,
                        "log_likelihood": k.score,
                    }
                    for k in place.keywords
                ],
            }
            for place in result.places
        ],
        "messages": params.problems,
    }
