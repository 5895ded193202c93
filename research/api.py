"""The research tools as JSON and file downloads under /api/."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict
from itertools import islice
from typing import Any

from django.core.paginator import Paginator
from django.http import (
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from plansite.form_schema import invalid_parameters
from research.compare import MAX_PLACES, MIN_PLACES
from research.corpus import query_node, query_terms
from research.export import (
    ANONYMOUS_ROW_LIMIT,
    ExportFormat,
    csv_chunks,
    document_records,
    download_name,
    export_columns,
    export_lang,
    jsonl_chunks,
    result_set_meta,
    row_limit,
)
from research.forms import (
    ToolParams,
    compare_error,
    parse_tool_params,
)
from research.kwic import EXPORT_COLUMNS, KwicLine, KwicOrder, csv_record, iter_lines
from research.kwic import MAX_LINES as MAX_KWIC_LINES
from research.resources import (
    compare_payload,
    comparison_for,
    concordance_for,
    error_payload,
    export_for,
    kwic_payload,
    kwic_records,
    trend_for,
    trend_payload,
)
from research.schemas import (
    CompareOut,
    CompareQuery,
    ExportQuery,
    KwicOut,
    KwicQuery,
    TrendOut,
    TrendQuery,
)
from research.throttle import DownloadSlot, SlotStream, take_download_slot
from research.trend import CSV_COLUMNS, trend_records
from research.trend import MAX_LINES as MAX_TREND_LINES
from search.forms import search_querystring
from search.query import QueryError
from search.schemas import ErrorOut
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

# Each endpoint's ``described`` parameter gives the OpenAPI document its query
# parameters (generated from the forms); the endpoint reads request.GET through
# those forms, as the pages do (plansite.form_schema.LenientQuery says why).
router = Router()

# What the schema says of the downloads and their headers, which no Schema types.
FILE = {"type": "string", "format": "binary"}
FILES = {"text/csv": {"schema": FILE}, "application/x-ndjson": {"schema": FILE}}
LIMIT_HEADERS = {
    "X-Export-Limit": {
        "description": f"此客户端可下载的行数：未登录 {ANONYMOUS_ROW_LIMIT}，"
        "工作人员登录后为 none。",
        "schema": {"type": "string"},
    },
}
EXPORT_HEADERS = {
    "X-Export-Total": {"description": "命中文档数。", "schema": {"type": "integer"}},
    "X-Export-Rows": {"description": "文件中的行数。", "schema": {"type": "integer"}},
}
RETRY_HEADERS = {
    "Retry-After": {"description": "稍后重试的秒数。", "schema": {"type": "integer"}}
}


def _error(
    message: str,
    params: ToolParams | None = None,
    *,
    fields: dict[str, list[str]] | None = None,
) -> JsonResponse:
    return JsonResponse(
        error_payload(message, params, fields=fields),
        status=400,
        json_dumps_params=_JSON,
    )


def _field_error(params: ToolParams, name: str, problem: str) -> JsonResponse:
    """A 400 for one parameter whose value this endpoint cannot use."""
    return _error(problem, params, fields={name: [problem]})


def _query_error(params: ToolParams, exc: QueryError) -> JsonResponse:
    """A 400 for a query that cannot run: the parameter at fault is q."""
    return _field_error(params, "q", str(exc))


def _invalid(params: ToolParams, described: type[Schema]) -> JsonResponse | None:
    """A 400 answer if any parameter this endpoint reads (its schema
    ``described``) was given but not valid (PARAMETER_RULE); the others are
    not read at all."""
    fields = {
        name: errors
        for name, errors in params.field_errors.items()
        if name in described.model_fields
    }
    if fields:
        return _error(invalid_parameters(fields), params, fields=fields)
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
    # A name with its suffix already (download_name) is kept as it is.
    filename = name if name.endswith(f".{fmt}") else f"{name}.{fmt}"
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    for key, value in headers.items():
        response[key] = value
    return response


def _limit_headers(limit: int | None) -> dict[str, str]:
    return {"X-Export-Limit": str(limit) if limit is not None else "none"}


@router.get(
    "/trend",
    url_name="trend",
    response={200: TrendOut, 400: ErrorOut},
    summary="趋势：各计划年度的命中文档数与检索词出现次数，及其占当年文档的比例",
    description="比例和每篇次数都除以当年在相同筛选条件下的全部文档数（不论检索词）。"
    f"split 按区县或乡镇另加命中最多的几条线（至多 {MAX_TREND_LINES} 条）。"
    "CSV 每行一条线的一个年度，place 列为地名，整组结果的那条线写作“全部”"
    "（JSON 中这条线的 place 为空）。",
    openapi_extra={
        "responses": {200: {"content": {"text/csv": {"schema": FILE}}}},
        "x-examples": [
            {"q": "乡村振兴"},
            {"q": "发展", "split": "county", "format": "csv"},
        ],
    },
)
def trend_api(
    request: HttpRequest, described: Query[TrendQuery]
) -> HttpResponse | dict[str, Any]:
    _form, params = parse_tool_params(request.GET)
    if (bad := _invalid(params, TrendQuery)) is not None:
        return bad
    if params.format == ExportFormat.JSONL:
        return _field_error(params, "format", _("趋势只提供 JSON 与 CSV。"))
    try:
        result = trend_for(params)
    except QueryError as exc:
        return _query_error(params, exc)
    records = list(trend_records(result))
    if params.format == ExportFormat.CSV:
        # A spreadsheet reader sees what the line is; the column stays a name.
        rows = [{**r, "place": r["place"] or OVERALL_PLACE} for r in records]
        response = HttpResponse(
            "".join(csv_chunks(rows, CSV_COLUMNS)),
            content_type=_CONTENT_TYPES["csv"],
        )
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=_file_name(params, "csv", tool="trend")
        )
        return response
    return trend_payload(result, params)


@router.get(
    "/kwic",
    url_name="kwic",
    response={200: KwicOut, 400: ErrorOut, 429: ErrorOut},
    summary="语境（KWIC）：检索词的每一处出现及左右语境",
    description=f"JSON 分页和按语境排序最多覆盖前 {MAX_KWIC_LINES} 处"
    "（truncated 表示被截断）；按文档或日期排序的 CSV、JSON Lines 逐行输出全部"
    "出现位置（受导出上限约束）。date 是文档的成文日期，没有则为发布日期，都没有"
    "则为空。CSV 中语境里的换行写作 ⏎（JSON 与 JSON Lines 保留原样）。"
    "服务器同时输出的文件数有限，已满时返回 429，响应头 Retry-After 给出"
    "稍后重试的秒数。",
    openapi_extra={
        "responses": {
            200: {"headers": LIMIT_HEADERS, "content": FILES},
            429: {"headers": RETRY_HEADERS},
        },
        "x-examples": [
            {"q": "乡村振兴", "page_size": 20},
            {"q": "五水共治", "order": "date", "format": "csv"},
        ],
    },
)
def kwic_api(
    request: HttpRequest, described: Query[KwicQuery]
) -> HttpResponse | dict[str, Any]:
    _form, params = parse_tool_params(request.GET)
    if (bad := _invalid(params, KwicQuery)) is not None:
        return bad
    fmt = params.format
    try:
        if fmt in (ExportFormat.CSV, ExportFormat.JSONL):
            return _gated(lambda slot: _kwic_download(request, params, fmt, slot))
        result = concordance_for(params)
    except QueryError as exc:
        return _query_error(params, exc)
    if not result.terms:
        return _field_error(params, "q", _("请输入要查看语境的检索词。"))
    paginator = Paginator(result.lines, params.search.page_size)
    page = paginator.get_page(params.search.page)
    site = request.build_absolute_uri("/")[:-1]
    return kwic_payload(result, page, params, site=site)


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
    search = params.search
    if not query_terms(params.query, form=search.form, near=search.near):
        return _field_error(params, "q", _("请输入要查看语境的检索词。"))
    lines: Iterable[KwicLine]
    if params.order in (KwicOrder.LEFT, KwicOrder.RIGHT):
        # A sort by context needs every line at once, so it has a limit of its own.
        lines = concordance_for(params).lines
    else:
        # The documents are found now, so a bad query is a 400, not a cut stream.
        ids = [
            m.id
            for m in matching_documents(
                query=params.query,
                filters=params.filters,
                form=search.form,
                near=search.near,
            )
        ]
        lines = iter_lines(
            query=params.query,
            filters=params.filters,
            order=params.order,
            width=params.width,
            documents=ids,
            form=search.form,
            near=search.near,
        )
    if limit is not None:
        lines = islice(lines, limit)
    records = kwic_records(lines, request.build_absolute_uri("/")[:-1])
    chunks = (
        csv_chunks((csv_record(r) for r in records), EXPORT_COLUMNS)
        if fmt == "csv"
        else jsonl_chunks(records)
    )
    return _download(
        chunks,
        fmt=fmt,
        name=_file_name(params, fmt, tool="kwic"),
        headers=_limit_headers(limit),
        slot=slot,
    )


@router.get(
    "/compare",
    url_name="compare",
    response={200: CompareOut, 400: ErrorOut},
    summary=f"地区比较：{MIN_PLACES}–{MAX_PLACES} 个乡镇或区县的年度文档数与特色词语",
    description="地名须与地区页上的全名一致，且在所选层级有文档，否则返回 400 并说明"
    "哪个地名没有找到。特色词语与其他地方合起来相比，按对数似然比（G²）排序；"
    "停用词、单字和数字不计。检索词留空时比较全部文档。",
    openapi_extra={
        "x-examples": [
            {"level": "township", "place": ["东塍镇", "周巷镇"]},
            {"level": "county", "place": ["平潭县", "慈溪市"], "q": "发展"},
        ],
    },
)
def compare_api(
    request: HttpRequest, described: Query[CompareQuery]
) -> HttpResponse | dict[str, Any]:
    _form, params = parse_tool_params(request.GET)
    if (bad := _invalid(params, CompareQuery)) is not None:
        return bad
    if len(params.places) < MIN_PLACES and not params.repeated_places:
        return _field_error(
            params,
            "place",
            _("请用 place 参数给出至少 %(n)d 个地方。") % {"n": MIN_PLACES},
        )
    # Two of the same place, or a name without documents at this level.
    if problem := compare_error(params):
        return _field_error(params, "place", problem)
    try:
        result = comparison_for(params)
    except QueryError as exc:
        return _query_error(params, exc)
    return compare_payload(result, params)


@router.get(
    "/export",
    url_name="export",
    response={200: None, 400: ErrorOut, 429: ErrorOut},
    summary="导出：整组检索结果，CSV 或 JSON Lines",
    description="按 sort 的顺序逐行输出全部命中文档。列："
    + ", ".join(export_columns(full=True))
    + "（body 仅在 full=1 时；hits 为检索词在该文档中出现的次数）。"
    "CSV 的列名默认为中文标签，JSON Lines 默认为字段名，lang=zh|en 可改。"
    "文件的第一行说明内容：CSV 为以 #plansite-export 开头的一行 key=value，"
    'JSON Lines 为 {"plansite_export": {…}}，含检索式、筛选条件、软件与档案'
    "版本和导出时间；本站导入时识别并跳过这一行。CSV 的日期为 YYYY-MM-DD"
    "（发布时间在空格后，北京时间），Excel 读作日期。文件名含检索式、筛选条件"
    "和日期。" + f"未以工作人员身份登录时每个文件至多 "
    f"{ANONYMOUS_ROW_LIMIT} 行。响应头 X-Export-Limit（上限，登录后为 none）、"
    "X-Export-Total（命中总数）、X-Export-Rows（文件中的行数）说明是否有截断。"
    "服务器同时输出的文件数有限，已满时返回 429，响应头 Retry-After 给出稍后重试"
    "的秒数。",
    openapi_extra={
        "responses": {
            200: {
                "description": "文件",
                "headers": {**LIMIT_HEADERS, **EXPORT_HEADERS},
                "content": {
                    "application/x-ndjson": {"schema": FILE},
                    "text/csv": {"schema": FILE},
                },
            },
            429: {"headers": RETRY_HEADERS},
        },
        "x-examples": [{"q": "乡村振兴", "format": "csv"}, {"q": "发展", "full": 1}],
    },
)
def export_api(request: HttpRequest, described: Query[ExportQuery]) -> HttpResponse:
    _form, params = parse_tool_params(request.GET)
    if (bad := _invalid(params, ExportQuery)) is not None:
        return bad
    return _gated(lambda slot: _export(request, params, slot))


def _export(
    request: HttpRequest, params: ToolParams, slot: DownloadSlot
) -> HttpResponse:
    fmt = params.format if params.format != "json" else ExportFormat.JSONL
    limit = row_limit(request.user)
    try:
        found = export_for(params, limit=limit)
        node = query_node(
            params.query, form=params.search.form, near=params.search.near
        )
    except QueryError as exc:
        return _query_error(params, exc)
    site = request.build_absolute_uri("/")[:-1]
    csv_format = fmt == ExportFormat.CSV
    records = document_records(
        found.rows,
        query=params.query,
        terms=node,
        form=params.search.form,
        near=params.search.near,
        full=params.full,
        site=site,
        spreadsheet=csv_format,
    )
    lang = export_lang(params.lang, fmt)
    meta = result_set_meta(
        query=params.query,
        querystring=search_querystring(params.search, sort=params.search.sort),
        site=site,
        total=found.total,
        rows=len(found.rows),
        document_ids=found.rows,
    )
    if csv_format:
        columns = export_columns(full=params.full)
        chunks = csv_chunks(records, columns, lang=lang, meta=meta)
    else:
        chunks = jsonl_chunks(records, lang=lang, meta=meta)
    headers = _limit_headers(limit)
    headers["X-Export-Total"] = str(found.total)
    headers["X-Export-Rows"] = str(len(found.rows))
    name = _file_name(params, fmt)
    return _download(chunks, fmt=fmt, name=name, headers=headers, slot=slot)


def _file_name(params: ToolParams, fmt: str, *, tool: str = "") -> str:
    """What a download is called: its tool, query, filters and today's date."""
    return download_name(
        query=params.query,
        filters=asdict(params.filters),
        fmt=fmt,
        full=params.full and not tool,
        day=timezone.localdate(),
        tool=tool,
    )
