"""The research pages: trend, KWIC, compare and export, over any search result set."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from documents.places import place_hints
from documents.selectors import place_names
from plansite.http import read_only
from research.apidocs import api_reference
from research.compare import (
    MAX_PLACES,
    MAX_WORD_CHARS,
    MAX_WORD_DOCUMENTS,
    MIN_PLACES,
    Comparison,
    Level,
)
from research.export import ANONYMOUS_ROW_LIMIT, row_limit
from research.forms import (
    ToolParams,
    compare_error,
    parse_tool_params,
)
from research.kwic import KwicOrder
from research.resources import (
    comparison_for,
    concordance_for,
    export_for,
    trend_for,
)
from research.trend import MAX_LINES, Split, Trend
from search.forms import SearchParams, search_querystring
from search.query import QueryError

KWIC_ORPHANS = 5
# Places offered as suggestions in the compare form.
MAX_SUGGESTIONS = 300


def _context(request: HttpRequest, form: Any, params: ToolParams) -> dict[str, Any]:
    filters = params.filters
    return {
        "form": form,
        "params": params,
        "problems": params.problems,
        "error": "",
        # A tool runs once it is asked something; a bare visit shows the form.
        "asked": bool(request.GET),
        "result_set": search_querystring(params.search),
        # The place boxes offer the names that have documents, and a name that
        # has none gets a hint (平潭 → 平潭县) instead of a silent 0.
        "county_names": place_names(level="county"),
        "township_names": place_names(
            level="township", within={"county": filters.county}
        ),
        "place_hints": place_hints(
            {"county": filters.county, "township": filters.township}
        ),
    }


@read_only
def index(request: HttpRequest) -> HttpResponse:
    form, params = parse_tool_params(request.GET)
    return render(request, "research/index.html", _context(request, form, params))


@read_only
def trend_page(request: HttpRequest) -> HttpResponse:
    form, params = parse_tool_params(request.GET)
    context = _context(request, form, params)
    context.update(
        {"splits": Split.choices, "max_lines": MAX_LINES, "result": None, "chart": None}
    )
    if context["asked"]:
        try:
            result = trend_for(params)
        except QueryError as exc:
            context["error"] = str(exc)
        else:
            context["result"] = result
            context["chart"] = chart_data(result)
            context["csv_query"] = search_querystring(
                params.search,
                split=params.split,
                lines=params.lines if params.split else None,
                format="csv",
            )
    return render(request, "research/trend.html", context)


# Years of the chart's axis either side of the first and last year with a match,
# so that the years before a term first appears still show as zeros.
CHART_PADDING_YEARS = 1


def chart_years(result: Trend) -> list[int]:
    """The chart's axis: the years from the first to the last with a matching
    document in any line, padded, within the years the trend covers. The
    table keeps every year; the chart need not run from 1954 for a term that
    appears from 2018."""
    found = [
        row.year
        for line in result.series
        for row in line.rows
        if row.year is not None and row.documents
    ]
    if not found:
        return result.years
    first = min(found) - CHART_PADDING_YEARS
    last = max(found) + CHART_PADDING_YEARS
    return [year for year in result.years if first <= year <= last]


def chart_data(result: Trend) -> dict[str, Any]:
    """What the ECharts script draws: one value per year and line, per measure."""
    years = chart_years(result)
    series = []
    for line in result.series:
        by_year = {row.year: row for row in line.rows if row.year is not None}
        rows = [by_year.get(year) for year in years]

        def values(measure: str, rows=rows) -> list[Any]:
            return [None if row is None else getattr(row, measure) for row in rows]

        series.append(
            {
                "name": line.place or _("全部"),
                "documents": values("documents"),
                "share": [
                    None if v is None else round(v * 100, 2)
                    for v in values("documents_share")
                ],
                "occurrences": values("occurrences"),
                "perDocument": [
                    None if v is None else round(v, 3)
                    for v in values("occurrences_per_document")
                ],
            }
        )
    return {
        "years": years,
        "series": series,
        # One panel per line (small multiples) when split: lines of a year or
        # two drawn over each other on one axis hide each other.
        "split": result.split is not None and len(series) > 1,
        "hasTerms": bool(result.terms),
        "labels": {
            "share": _("命中文档占当年文档 %"),
            "perDocument": _("每篇文档出现次数（按当年全部文档）"),
            "documents": _("命中文档数"),
            "occurrences": _("出现次数"),
        },
    }


@read_only
def kwic_page(request: HttpRequest) -> HttpResponse:
    form, params = parse_tool_params(request.GET)
    context = _context(request, form, params)
    context.update({"orders": KwicOrder.choices, "result": None, "page_obj": None})
    if context["asked"]:
        try:
            result = concordance_for(params)
        except QueryError as exc:
            context["error"] = str(exc)
        else:
            if not result.terms:
                context["error"] = _("请输入要查看语境的检索词。")
            paginator = Paginator(
                result.lines, params.search.page_size, orphans=KWIC_ORPHANS
            )
            if params.search.page > paginator.num_pages:
                params.problems.append(
                    _("第 %(page)d 页超出范围，已显示最后一页。")
                    % {"page": params.search.page}
                )
            context["result"] = result
            context["page_obj"] = paginator.get_page(params.search.page)
            context["export_query"] = search_querystring(
                params.search, order=params.order, width=params.width
            )
    return render(request, "research/kwic.html", context)


@read_only
def compare_page(request: HttpRequest) -> HttpResponse:
    form, params = parse_tool_params(request.GET)
    context = _context(request, form, params)
    boxes = params.places + [""] * (MAX_PLACES - len(params.places))
    context.update(
        {
            "levels": Level.choices,
            "boxes": boxes,
            "min_places": MIN_PLACES,
            "max_places": MAX_PLACES,
            "result": None,
            # Both levels' names; the boxes use the chosen level's list.
            "suggestions": {level: _suggestions(params, level) for level in Level},
            "unknown": [],
        }
    )
    if context["asked"]:
        context["error"] = compare_error(params)
        if not context["error"]:
            try:
                result = comparison_for(params)
            except QueryError as exc:
                context["error"] = str(exc)
            else:
                context.update(_comparison_context(result, params))
    return render(request, "research/compare.html", context)


def _comparison_context(result: Comparison, params: ToolParams) -> dict[str, Any]:
    years: list[int | None] = [*result.years]
    if any(None in place.years for place in result.places):
        years.append(None)
    year_rows = [
        {"year": year, "counts": [place.years.get(year, 0) for place in result.places]}
        for year in years
    ]
    profiles = []
    for place in result.places:
        narrowed = replace(params.filters, **{result.level.value: place.name})
        keywords = [
            {
                "word": k.word,
                "count": k.count,
                "score": k.score,
                "kwic_query": search_querystring(
                    SearchParams(query=k.word, filters=narrowed)
                ),
            }
            for k in place.keywords
        ]
        profiles.append({"place": place, "keywords": keywords})
    return {
        "result": result,
        "year_rows": year_rows,
        "profiles": profiles,
        "max_word_documents": MAX_WORD_DOCUMENTS,
        "max_word_chars": MAX_WORD_CHARS,
    }


def _suggestions(params: ToolParams, level: Level) -> list[str]:
    """The names at ``level`` that have documents, within the province, city
    or county filters if any."""
    filters = params.filters
    within = {"province": filters.province, "city": filters.city}
    if level is Level.TOWNSHIP:
        within["county"] = filters.county
    return place_names(level=level.value, within=within)[:MAX_SUGGESTIONS]


@read_only
def export_page(request: HttpRequest) -> HttpResponse:
    form, params = parse_tool_params(request.GET)
    context = _context(request, form, params)
    limit = row_limit(request.user)
    context.update(
        {"total": None, "limit": limit, "anonymous_limit": ANONYMOUS_ROW_LIMIT}
    )
    if context["asked"]:
        try:
            found = export_for(params, limit=limit)
        except QueryError as exc:
            context["error"] = str(exc)
        else:
            context["total"] = found.total
            context["rows"] = len(found.rows)
            sort = params.search.sort
            context["downloads"] = [
                (
                    label,
                    search_querystring(params.search, sort=sort, format=fmt, full=full),
                )
                for label, fmt, full in (
                    (_("CSV（元数据与摘要）"), "csv", ""),
                    (_("JSON Lines（元数据与摘要）"), "jsonl", ""),
                    (_("CSV（含全文）"), "csv", "1"),
                    (_("JSON Lines（含全文）"), "jsonl", "1"),
                )
            ]
    return render(request, "research/export.html", context)


@read_only
def api_docs(request: HttpRequest) -> HttpResponse:
    """The JSON API in Chinese, generated from the OpenAPI schema."""
    # Imported here: plansite.api imports research.api, which imports this app.
    from plansite.api import openapi_document

    server = request.build_absolute_uri("/")[:-1]
    schema = openapi_document(server=server)
    return render(
        request,
        "research/api.html",
        {
            "endpoints": api_reference(schema, server=server),
            # The API's own description: what every endpoint takes, and the
            # one rule for a bad parameter (plansite.form_schema.PARAMETER_RULE).
            "about": schema["info"].get("description", ""),
            "server": server,
            "version": schema["openapi"],
        },
    )
