"""/api/search: one page of results with facets, as JSON (django-ninja)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from search.forms import parse_search_params
from search.payloads import search_error_payload, search_payload
from search.results import run_search
from search.schemas import ErrorOut, SearchOut, SearchQuery

router = Router()


@router.get(
    "/search",
    url_name="search",
    response={200: SearchOut, 400: ErrorOut},
    summary="检索：一页结果及各分面（乡镇、区县、年度、分类）的计数",
    description="无效的参数被忽略，原因写在 messages 中。",
    openapi_extra={
        "x-examples": [{"q": "乡村振兴", "county": "平潭县"}, {"q": "“美丽城镇” 慈溪"}]
    },
)
def search(
    request: HttpRequest, described: Query[SearchQuery]
) -> Status | dict[str, Any]:
    # SearchForm reads request.GET (see plansite.form_schema.LenientQuery).
    _form, search_params = parse_search_params(request.GET)
    outcome = run_search(search_params)
    if outcome.page is None:
        return Status(400, search_error_payload(outcome))
    return search_payload(search_params, outcome)
