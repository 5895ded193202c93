"""/api/search: one page of results with facets, as JSON (django-ninja)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from plansite.form_schema import PARAMETER_RULE, invalid_parameters
from search.forms import parse_search_params
from search.payloads import search_error_payload, search_payload
from search.results import run_search
from search.schemas import ErrorOut, SearchOut, SearchQuery

router = Router()


@router.get(
    "/search",
    url_name="search",
    response={200: SearchOut, 400: ErrorOut},
    summary="检索：一页结果及各分面（乡镇、区县、年度、分类、在线状态）的计数",
    description=PARAMETER_RULE,
    openapi_extra={
        "x-examples": [{"q": "乡村振兴", "county": "平潭县"}, {"q": "“美丽城镇” 慈溪"}]
    },
)
def search(
    request: HttpRequest, described: Query[SearchQuery]
) -> Status | dict[str, Any]:
    # SearchForm reads request.GET (see plansite.form_schema.LenientQuery).
    _form, search_params = parse_search_params(request.GET)
    if search_params.field_errors:
        return Status(
            400,
            {
                "error": invalid_parameters(search_params.field_errors),
                "fields": search_params.field_errors,
                "messages": search_params.notes,
            },
        )
    outcome = run_search(search_params)
    if outcome.page is None:
        # Only a query that cannot run fails here: the parameter at fault is q.
        payload = search_error_payload(outcome)
        return Status(400, {**payload, "fields": {"q": [payload["error"]]}})
    return search_payload(search_params, outcome)
