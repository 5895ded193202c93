"""The search results page and its JSON twin; both share parameters and logic."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from search.forms import parse_search_params
from search.results import run_search

FACET_LABELS = {
    "township": "乡镇街道",
    "county": "区县",
    "plan_year": "计划年度",
    "category": "主题分类",
}


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    form, params = parse_search_params(request.GET)
    outcome = run_search(params)
    facets = []
    if outcome.page is not None:
        for name, label in FACET_LABELS.items():
            values = outcome.page.facets.get(name, [])
            if values:
                facets.append({"name": name, "label": label, "values": values})
    return render(
        request,
        "search/results.html",
        {
            "form": form,
            "params": params,
            "outcome": outcome,
            "page": outcome.page,
            "rows": outcome.rows,
            "facets": facets,
        },
    )


@require_GET
def search_api(request: HttpRequest) -> JsonResponse:
    _form, params = parse_search_params(request.GET)
    outcome = run_search(params)
    if outcome.page is None:
        return JsonResponse(
            {"error": outcome.error, "messages": outcome.problems},
            status=400,
            json_dumps_params={"ensure_ascii": False},
        )
    page = outcome.page
    return JsonResponse(
        {
            "total": page.total,
            "page": page.page,
            "page_size": page.page_size,
            "num_pages": page.num_pages,
            "query": params.query,
            "results": [row.as_json() for row in outcome.rows],
            "facets": {
                name: [{"value": value, "count": count} for value, count in values]
                for name, values in page.facets.items()
            },
            "messages": outcome.problems,
        },
        json_dumps_params={"ensure_ascii": False},
    )
