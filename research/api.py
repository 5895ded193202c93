"""The research tools as JSON and file downloads under /api/."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import islice

from django.core.paginator import Paginator
from django.http import (
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from plansite.http import read_only
from research.compare import MIN_PLACES
from research.corpus import query_terms
from research.export import (
    ExportFormat,
    csv_chunks,
    document_records,
    export_columns,
    jsonl_chunks,
    row_limit,
)
from research.forms import ToolParams, compare_error, parse_tool_params
from research.kwic import EXPORT_COLUMNS, KwicLine, KwicOrder, iter_lines
from research.openapi import openapi_schema
from research.resources import (
    compare_payload,
    comparison_for,
    concordance_for,
    error_payload,
    kwic_payload,
    kwic_records,
    trend_for,
    trend_payload,
)
from research.throttle import DownloadSlot, SlotStream, take_download_slot
from research.trend import CSV_COLUMNS, trend_records
from search.query import QueryError
from search.selection import matching_documents

_JSON = {"ensure_ascii": False}
# What a client told that every download place is taken waits before retrying.
RETRY_AFTER_SECONDS = 10
# The trend CSV's `place` for the line of the whole result set.
OVERALL_PLACE = "全部"
_CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson; charset=utf-8",
}


def _error(message: str, params: ToolParams | None = None) -> JsonResponse:
    return JsonResponse(
        error_payload(message, params), status=400, json_dumps_params=_JSON
    )


def _invalid(params: ToolParams) -> JsonResponse | None:
    """A 400 answer if any parameter was given but not valid."""
    if params.invalid:
        names = "、".join(sorted(set(params.invalid)))
        return _error(_("参数无效：%(names)s") % {"names": names}, params)
    return None


def _busy() -> JsonResponse:
    response = JsonResponse(
        error_payload(_("同时进行的下载太多，请稍后再试。")),
        status=429,
        json_dumps_params=_JSON,
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _download(
    chunks: Iterable[str],
    *,
    fmt: str,
    name: str,
    headers: dict[str, str],
    slot: DownloadSlot,
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        SlotStream((chunk.encode("utf-8") for chunk in chunks), slot),
        content_type=_CONTENT_TYPES[fmt],
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{name}.{fmt}"
    )
    for key, value in headers.items():
        response[key] = value
    return response


def _limit_headers(limit: int | None) -> dict[str, str]:
    return {"X-Export-Limit": str(limit) if limit is not None else "none"}


@read_only
def trend_api(request: HttpRequest) -> HttpResponse:
    _form, params = parse_tool_params(request.GET)
    if (bad := _invalid(params)) is not None:
        return bad
    if params.format == ExportFormat.JSONL:
        return _error(_("趋势只提供 JSON 与 CSV。"), params)
    try:
        result = trend_for(params)
    except QueryError as exc:
        return _error(str(exc), params)
    records = list(trend_records(result))
    if params.format == ExportFormat.CSV:
        # A spreadsheet reader sees what the line is; the column stays a name.
        rows = [{**r, "place": r["place"] or OVERALL_PLACE} for r in records]
        response = HttpResponse(
            "".join(csv_chunks(rows, CSV_COLUMNS)),
            content_type=_CONTENT_TYPES["csv"],
        )
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename="plansite-trend.csv"
        )
        return response
    return JsonResponse(trend_payload(result, params), json_dumps_params=_JSON)


@read_only
def kwic_api(request: HttpRequest) -> HttpResponse:
    _form, params = parse_tool_params(request.GET)
    if (bad := _invalid(params)) is not None:
        return bad
    fmt = params.format
    try:
        if fmt in (ExportFormat.CSV, ExportFormat.JSONL):
            return _gated(lambda slot: _kwic_download(request, params, fmt, slot))
        result = concordance_for(params)
    except QueryError as exc:
        return _error(str(exc), params)
    if not result.terms:
        return _error(_("请输入要查看语境的检索词。"), params)
    paginator = Paginator(result.lines, params.search.page_size)
    page = paginator.get_page(params.search.page)
    site = request.build_absolute_uri("/")[:-1]
    return JsonResponse(
        kwic_payload(result, page, params, site=site), json_dumps_params=_JSON
    )


def _gated(answer: Callable[[DownloadSlot], HttpResponse]) -> HttpResponse:
    """``answer(slot)`` if a download place is free (the response then owns the
    place), else 429. Any answer but a download gives the place back at once."""
    slot = take_download_slot()
    if slot is None:
        return _busy()
    try:
        response = answer(slot)
    except BaseException:
        slot.release()
        raise
    if not response.streaming:
        slot.release()
    return response


def _kwic_download(
    request: HttpRequest, params: ToolParams, fmt: str, slot: DownloadSlot
) -> HttpResponse:
    limit = row_limit(request.user)
    if not query_terms(params.query):
        return _error(_("请输入要查看语境的检索词。"), params)
    lines: Iterable[KwicLine]
    if params.order in (KwicOrder.LEFT, KwicOrder.RIGHT):
        # A sort by context needs every line at once, so it has a limit of its own.
        lines = concordance_for(params).lines
    else:
        # The documents are found now, so a bad query is a 400, not a cut stream.
        ids = [
            m.id for m in matching_documents(query=params.query, filters=params.filters)
        ]
        lines = iter_lines(
            query=params.query,
            filters=params.filters,
            order=params.order,
            width=params.width,
            documents=ids,
        )
    if limit is not None:
        lines = islice(lines, limit)
    records = kwic_records(lines, request.build_absolute_uri("/")[:-1])
    chunks = (
        csv_chunks(records, EXPORT_COLUMNS) if fmt == "csv" else jsonl_chunks(records)
    )
    return _download(
        chunks,
        fmt=fmt,
        name="plansite-kwic",
        headers=_limit_headers(limit),
        slot=slot,
    )


@read_only
def compare_api(request: HttpRequest) -> JsonResponse:
    _form, params = parse_tool_params(request.GET)
    if (bad := _invalid(params)) is not None:
        return bad
    if len(params.places) < MIN_PLACES and not params.repeated_places:
        return _error(
            _("请用 place 参数给出至少 %(n)d 个地方。") % {"n": MIN_PLACES}, params
        )
    # Two of the same place, or a name without documents at this level.
    if problem := compare_error(params):
        return _error(problem, params)
    try:
        result = comparison_for(params)
    except QueryError as exc:
        return _error(str(exc), params)
    return JsonResponse(compare_payload(result, params), json_dumps_params=_JSON)


@read_only
def export_api(request: HttpRequest) -> HttpResponse:
    _form, params = parse_tool_params(request.GET)
    if (bad := _invalid(params)) is not None:
        return bad
    return _gated(lambda slot: _export(request, params, slot))


def _export(
    request: HttpRequest, params: ToolParams, slot: DownloadSlot
) -> HttpResponse:
    fmt = params.format if params.format != "json" else ExportFormat.JSONL
    try:
        matches = matching_documents(
            query=params.query, filters=params.filters, sort=params.search.sort
        )
        terms = query_terms(params.query)
    except QueryError as exc:
        return _error(str(exc), params)
    limit = row_limit(request.user)
    ids = [m.id for m in matches]
    rows = ids if limit is None else ids[:limit]
    records = document_records(
        rows,
        query=params.query,
        terms=terms,
        full=params.full,
        site=request.build_absolute_uri("/")[:-1],
    )
    if fmt == ExportFormat.CSV:
        chunks = csv_chunks(records, export_columns(full=params.full))
    else:
        chunks = jsonl_chunks(records)
    headers = _limit_headers(limit)
    headers["X-Export-Total"] = str(len(ids))
    headers["X-Export-Rows"] = str(len(rows))
    return _download(
        chunks, fmt=fmt, name="plansite-export", headers=headers, slot=slot
    )


@read_only
def openapi_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        openapi_schema(server=request.build_absolute_uri("/")[:-1]),
        json_dumps_params=_JSON,
    )
