"""What the research endpoints take and answer, as django-ninja Schemas.

Their parameters come from the forms that read them (SearchForm's result set
and ToolForm's options); /api/openapi.json is generated from these.
"""

from __future__ import annotations

from ninja import Schema
from pydantic import Field, create_model

from plansite.api_fields import document_field_specs
from plansite.form_schema import query_schema
from research.compare import MAX_PLACES, MIN_PLACES
from research.forms import ToolForm
from search.forms import RESULT_SET
from search.schemas import RESULT_SET_OVERRIDES, search_fields


def _tool_fields(*names: str) -> dict:
    return {name: ToolForm.base_fields[name] for name in names}


def _formats(*values: str) -> dict:
    """The formats one endpoint offers, the first the default."""
    return {"enum": list(values), "default": values[0]}


TrendQuery = query_schema(
    "TrendQuery",
    {**search_fields(*RESULT_SET), **_tool_fields("split", "lines", "format")},
    {**RESULT_SET_OVERRIDES, "format": _formats("json", "csv")},
)
KwicQuery = query_schema(
    "KwicQuery",
    {
        **search_fields(*RESULT_SET),
        **_tool_fields("order", "width"),
        **search_fields("page", "page_size"),
        **_tool_fields("format"),
    },
    {**RESULT_SET_OVERRIDES, "format": _formats("json", "csv", "jsonl")},
)
CompareQuery = query_schema(
    "CompareQuery",
    {**search_fields(*RESULT_SET), **_tool_fields("level")},
    {**RESULT_SET_OVERRIDES, "level": {"default": "township"}},
    # Repeated boxes, read by research.forms._places rather than a form field.
    extra={
        "place": (
            list[str],
            Field(
                ...,
                min_length=MIN_PLACES,
                max_length=MAX_PLACES,
                description="地名，重复这个参数给出多个地方。",
            ),
        )
    },
)
ExportQuery = query_schema(
    "ExportQuery",
    {
        **search_fields(*RESULT_SET, "sort"),
        **_tool_fields("format", "full", "lang"),
    },
    {
        **RESULT_SET_OVERRIDES,
        "format": _formats("jsonl", "csv"),
        "full": {"enum": ["0", "1"], "default": "0"},
        "lang": {"enum": ["zh", "en"]},
    },
)


class TrendRow(Schema):
    plan_year: int | None = Field(description="计划年度（null：年度未知）")
    archive_documents: int = Field(
        description="当年在相同筛选条件下档案中的文档数（不论检索词）"
    )
    matching_documents: int
    documents_share: float | None = Field(description="matching / archive")
    occurrences: int = Field(
        description="检索词在标题和正文中出现的次数（每个起始位置都算）"
    )
    occurrences_per_document: float | None = Field(description="occurrences / archive")


class TrendSeries(Schema):
    place: str = Field(description="区县或乡镇；整组结果的那条线为空")
    documents: int
    occurrences: int
    rows: list[TrendRow]


class TrendOut(Schema):
    query: str
    terms: list[str]
    split: str | None
    years: list[int]
    series: list[TrendSeries]
    messages: list[str]


KwicLineOut = create_model(
    "KwicLine",
    __base__=Schema,
    document_id=(int, ...),
    **document_field_specs("title", "index_no", "township", "county", "plan_year"),
    date=(str | None, Field(..., description="成文日期，没有则为发布日期")),
    field=(
        str,
        Field(..., description="命中所在部分：title、body 或 attachment-N（附件N）"),
    ),
    part=(str, Field(..., description="该部分的名称：标题、正文或“附件N：文件名”")),
    offset=(
        int,
        Field(
            ...,
            description="命中处在该字段中的字符位置："
            "text[offset:offset+len(match)] == match",
        ),
    ),
    term=(str, Field(..., description="检索词")),
    match=(str, Field(..., description="原文写法（ASCII 大小写可能不同）")),
    left=(str, ...),
    right=(str, ...),
    hit=(
        int | None,
        Field(..., description="文档页上的标记 id=hit-N；url 指向含它的分部"),
    ),
    url=(str, ...),
)


class KwicOut(Schema):
    query: str
    terms: list[str]
    order: str
    width: int
    documents: int
    total: int
    truncated: bool
    page: int
    page_size: int
    num_pages: int
    lines: list[KwicLineOut]
    messages: list[str]


class YearCount(Schema):
    plan_year: int | None
    documents: int


class KeywordOut(Schema):
    word: str
    count: int
    per_10k: float
    log_likelihood: float


class PlaceOut(Schema):
    name: str
    documents: int
    years: list[YearCount]
    words_from_documents: int
    tokens: int
    keywords: list[KeywordOut]


class CompareOut(Schema):
    query: str
    level: str
    years: list[int]
    places: list[PlaceOut]
    messages: list[str]
