"""What /api/search takes and answers, as django-ninja Schemas.

The parameters come from SearchForm (plansite/form_schema.py), the document
fields of a hit from plansite.api_fields; /api/openapi.json is generated from
these and the page /research/api/ from that.
"""

from __future__ import annotations

from typing import Any

from django import forms
from ninja import Schema
from pydantic import Field, create_model

from plansite.api_fields import API_FIELDS, document_field_specs
from plansite.form_schema import query_schema
from search.forms import RESULT_SET, SearchForm
from search.query import MAX_QUERY_LENGTH

# The query's own limit is the parser's; the form field has none.
RESULT_SET_OVERRIDES = {"q": {"max_length": MAX_QUERY_LENGTH}}


def search_fields(*names: str) -> dict[str, forms.Field]:
    """SearchForm's fields named ``names``, in that order."""
    return {name: SearchForm.base_fields[name] for name in names}


SearchQuery = query_schema(
    "SearchQuery",
    search_fields(*RESULT_SET, "sort", "page", "page_size"),
    RESULT_SET_OVERRIDES,
)


class ErrorOut(Schema):
    error: str = Field(description="出了什么问题")
    fields: dict[str, list[str]] = Field(
        default_factory=dict,
        description="无效的参数：参数名 → 问题（参数都有效时为空）",
    )
    messages: list[str] = Field(description="其他提示")


SearchHit = create_model(
    "SearchHit",
    __base__=Schema,
    id=(int, ...),
    **document_field_specs(*API_FIELDS),
    url=(str, Field(..., description="文档页，带检索词以标出命中处")),
    title_html=(str, Field(..., description="HTML：标题，命中处在 <mark> 中")),
    snippet_html=(str, Field(..., description="HTML：命中片段，命中处在 <mark> 中")),
    snippet_part=(
        str,
        Field(
            "",
            description="片段出自附件时为附件名称（“附件1：文件名”），出自正文时为空",
        ),
    ),
    snippet_url=(
        str,
        Field(
            "",
            description="片段出自附件时为该附件文本页上第一处命中的地址，否则为空",
        ),
    ),
)


class FacetCount(Schema):
    value: Any
    count: int


class SearchOut(Schema):
    total: int
    page: int
    page_size: int
    num_pages: int
    query: str
    terms: list[str] = Field(description="检索式中要匹配的词")
    results: list[SearchHit]
    identified: list[SearchHit] = Field(
        default=[],
        description=(
            "检索式恰为某文档的索引号或文号时（不论全角半角、空格、〔〕[]() 等写法），"
            "该文档列在此处（编号相符），仅第一页；不计入 total"
        ),
    )
    facets: dict[str, list[FacetCount]] = Field(
        description="各分面（省份、乡镇、区县、年度、分类、发布机构）在全部命中中的计数"
    )
    messages: list[str]
