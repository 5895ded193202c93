"""The OpenAPI 3.1 description of /api/search and the research endpoints.

Written by hand: six GET endpoints that share one set of query parameters do
not need a framework. tests/research/test_api.py checks it against the URLs.
"""

from __future__ import annotations

from typing import Any

from documents.forms import MAX_FILTER_LENGTH
from research.compare import MAX_PLACES, MIN_PLACES
from research.export import ANONYMOUS_ROW_LIMIT
from research.kwic import MAX_LINES as MAX_KWIC_LINES
from research.kwic import MAX_WIDTH, MIN_WIDTH, KwicOrder
from research.trend import MAX_LINES, Split
from search.query import MAX_QUERY_LENGTH
from search.services import MAX_PAGE_SIZE, SortOrder


def _param(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def _text(name: str, description: str) -> dict[str, Any]:
    return _param(name, {"type": "string", "maxLength": MAX_FILTER_LENGTH}, description)


def _year(name: str, description: str) -> dict[str, Any]:
    return _param(
        name, {"type": "integer", "minimum": 1900, "maximum": 2100}, description
    )


RESULT_SET = [
    _param(
        "q",
        {"type": "string", "maxLength": MAX_QUERY_LENGTH},
        "Query: terms side by side must all occur, `a OR b`, `-a` excludes, "
        '`"a b"` keeps the space. Every term matches as an exact substring of '
        "title + body (ASCII case folded). Empty: every document.",
    ),
    _text("township", "Exact township name (乡镇街道)."),
    _text("county", "Exact county name (区县)."),
    _text("city", "Exact city name (地市)."),
    _text("province", "Exact province name (省份)."),
    _text("category", "Exact category (主题分类)."),
    _text("issuer", "Exact issuer (发布机构)."),
    _year("year_from", "First plan year."),
    _year("year_to", "Last plan year."),
]
SORT = _param(
    "sort", {"type": "string", "enum": SortOrder.values}, "Order of the documents."
)
PAGE = _param("page", {"type": "integer", "minimum": 1}, "Page number.")
PAGE_SIZE = _param(
    "page_size",
    {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
    "Rows per page.",
)


def _format(values: list[str], default: str) -> dict[str, Any]:
    return _param(
        "format",
        {"type": "string", "enum": values, "default": default},
        "Response format. csv starts with a UTF-8 BOM; cells that a spreadsheet "
        "would run as a formula start with an apostrophe.",
    )


ERROR = {
    "description": "A parameter is not valid, or the query cannot be parsed.",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["error", "messages"],
                "properties": {
                    "error": {"type": "string"},
                    "messages": {"type": "array", "items": {"type": "string"}},
                },
            }
        }
    },
}
BUSY = {
    "description": "Every download place of the server is taken (kwic files and "
    "exports): try again after `Retry-After` seconds.",
    "headers": {
        "Retry-After": {"description": "Seconds.", "schema": {"type": "integer"}}
    },
    "content": ERROR["content"],
}
LIMIT_HEADERS = {
    "X-Export-Limit": {
        "description": f"Rows this client may download: {ANONYMOUS_ROW_LIMIT} "
        "without a staff login, `none` with one.",
        "schema": {"type": "string"},
    },
}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }


def _object(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


INTEGER = {"type": "integer"}
NULL_INTEGER = {"type": ["integer", "null"]}
NUMBER = {"type": ["number", "null"]}
STRING = {"type": "string"}
STRINGS = {"type": "array", "items": STRING}
FILE = {"type": "string", "format": "binary"}


def _get(summary: str, description: str, parameters: list, responses: dict) -> dict:
    return {
        "get": {
            "summary": summary,
            "description": description,
            "parameters": parameters,
            "responses": {**responses, "400": ERROR},
        }
    }


def openapi_schema(*, server: str = "") -> dict[str, Any]:
    """The schema served at /api/openapi.json."""
    search_hit = _object(
        id=INTEGER,
        index_no=STRING,
        title=STRING,
        issuer=STRING,
        township=STRING,
        county=STRING,
        city=STRING,
        province=STRING,
        plan_year=NULL_INTEGER,
        doc_date={"type": ["string", "null"], "format": "date"},
        url=STRING,
        snippet_html={"type": "string", "description": "HTML; hits in <mark>."},
    )
    facet = {"type": "array", "items": _object(value={}, count=INTEGER)}
    year_row = _object(
        plan_year={**NULL_INTEGER, "description": "null: year not known"},
        archive_documents={
            **INTEGER,
            "description": "documents that year in the "
            "archive under the filters (query ignored)",
        },
        matching_documents=INTEGER,
        documents_share={**NUMBER, "description": "matching / archive"},
        occurrences={
            **INTEGER,
            "description": "occurrences of the query's terms "
            "in titles and bodies (every start position counts)",
        },
        occurrences_per_document={**NUMBER, "description": "occurrences / archive"},
    )
    kwic_line = _object(
        document_id=INTEGER,
        title=STRING,
        index_no=STRING,
        township=STRING,
        county=STRING,
        plan_year=NULL_INTEGER,
        date={"type": ["string", "null"], "format": "date"},
        field={"type": "string", "enum": ["title", "body"]},
        offset={
            **INTEGER,
            "description": "character offset of the match in the "
            "field: text[offset:offset+len(match)] == match",
        },
        term={**STRING, "description": "the query term"},
        match={**STRING, "description": "the text as written (ASCII case may differ)"},
        left=STRING,
        right=STRING,
        hit={
            **NULL_INTEGER,
            "description": "the mark id=hit-N on the document page; "
            "url names the part that holds it when the text is shown in parts",
        },
        url=STRING,
    )
    export_columns = (
        "id, index_no, title, issuer, level, issuer_is_department, township, "
        "county, city, province, "
        "division_code, doc_date, publish_date, plan_year, category, doc_number, "
        "disclosure, source_file, source_url, needs_review, inferred, snippet, url, "
        "and body with full=1"
    )
    paths = {
        "/api/search": _get(
            "One page of search results",
            "Results with facets over all matches. Invalid parameters are ignored "
            "and reported in `messages`.",
            [*RESULT_SET, SORT, PAGE, PAGE_SIZE],
            {
                "200": _json(
                    _object(
                        total=INTEGER,
                        page=INTEGER,
                        page_size=INTEGER,
                        num_pages=INTEGER,
                        query=STRING,
                        results={"type": "array", "items": search_hit},
                        facets=_object(
                            township=facet,
                            county=facet,
                            plan_year=facet,
                            category=facet,
                        ),
                        messages=STRINGS,
                    ),
                    "Search results.",
                )
            },
        ),
        "/api/trend": _get(
            "Matches and occurrences per plan year",
            "Per plan year: matching documents, occurrences of the query's terms, "
            "and both divided by the documents of that year in the archive under "
            "the same filters. With `split`, one more line for each of the "
            f"`lines` (≤ {MAX_LINES}) places with most matches.",
            [
                *RESULT_SET,
                _param(
                    "split",
                    {"type": "string", "enum": Split.values},
                    "Add a line per county or township.",
                ),
                _param(
                    "lines",
                    {"type": "integer", "minimum": 1, "maximum": MAX_LINES},
                    "Places with a line.",
                ),
                _format(["json", "csv"], "json"),
            ],
            {
                "200": {
                    "description": "The numbers; CSV has one row per line and year "
                    "(column `place`: the county or township, `全部` for the "
                    "line of the whole result set; in JSON that line's `place` "
                    "is empty).",
                    "content": {
                        "application/json": {
                            "schema": _object(
                                query=STRING,
                                terms=STRINGS,
                                split={"type": ["string", "null"]},
                                years={"type": "array", "items": INTEGER},
                                series={
                                    "type": "array",
                                    "items": _object(
                                        place=STRING,
                                        documents=INTEGER,
                                        occurrences=INTEGER,
                                        rows={"type": "array", "items": year_row},
                                    ),
                                },
                                messages=STRINGS,
                            )
                        },
                        "text/csv": {"schema": FILE},
                    },
                }
            },
        ),
        "/api/kwic": _get(
            "Every occurrence of the query's terms, in context",
            "One line per occurrence in the titles and bodies of the result set. "
            f"The JSON pages and the sorts by context cover the first {MAX_KWIC_LINES} "
            "lines (`truncated`); csv and jsonl in document or date order stream "
            "every line, up to the export limit.",
            [
                *RESULT_SET,
                _param(
                    "order",
                    {"type": "string", "enum": KwicOrder.values},
                    "doc: by title; date: oldest first; left: by the reversed "
                    "left context; right: by the right context.",
                ),
                _param(
                    "width",
                    {"type": "integer", "minimum": MIN_WIDTH, "maximum": MAX_WIDTH},
                    "Characters of context on each side.",
                ),
                PAGE,
                PAGE_SIZE,
                _format(["json", "csv", "jsonl"], "json"),
            ],
            {
                "200": {
                    "description": "A page of lines, or every line as a file.",
                    "headers": LIMIT_HEADERS,
                    "content": {
                        "application/json": {
                            "schema": _object(
                                query=STRING,
                                terms=STRINGS,
                                order=STRING,
                                width=INTEGER,
                                documents=INTEGER,
                                total=INTEGER,
                                truncated={"type": "boolean"},
                                page=INTEGER,
                                page_size=INTEGER,
                                num_pages=INTEGER,
                                lines={"type": "array", "items": kwic_line},
                                messages=STRINGS,
                            )
                        },
                        "text/csv": {"schema": FILE},
                        "application/x-ndjson": {"schema": FILE},
                    },
                },
                "429": BUSY,
            },
        ),
        "/api/compare": _get(
            "Compare townships or counties",
            f"{MIN_PLACES} to {MAX_PLACES} places: their matching documents per "
            "plan year (every document with an empty query), and their most "
            "characteristic jieba words against the other places (Dunning's "
            "log-likelihood; stop words, single characters and numbers removed).",
            [
                *RESULT_SET,
                _param(
                    "level",
                    {
                        "type": "string",
                        "enum": ["township", "county"],
                        "default": "township",
                    },
                    "What the places are.",
                ),
                {
                    "name": "place",
                    "in": "query",
                    "required": True,
                    "schema": {
                        "type": "array",
                        "items": STRING,
                        "minItems": MIN_PLACES,
                        "maxItems": MAX_PLACES,
                    },
                    "style": "form",
                    "explode": True,
                    "description": "Exact names; repeat the parameter.",
                },
            ],
            {
                "200": _json(
                    _object(
                        query=STRING,
                        level=STRING,
                        years={"type": "array", "items": INTEGER},
                        places={
                            "type": "array",
                            "items": _object(
                                name=STRING,
                                documents=INTEGER,
                                years={
                                    "type": "array",
                                    "items": _object(
                                        plan_year=NULL_INTEGER, documents=INTEGER
                                    ),
                                },
                                words_from_documents=INTEGER,
                                tokens=INTEGER,
                                keywords={
                                    "type": "array",
                                    "items": _object(
                                        word=STRING,
                                        count=INTEGER,
                                        per_10k={"type": "number"},
                                        log_likelihood={"type": "number"},
                                    ),
                                },
                            ),
                        },
                        messages=STRINGS,
                    ),
                    "One profile per place.",
                )
            },
        ),
        "/api/export": _get(
            "Download a result set",
            f"Every matching document, streamed, in the order of `sort`. Columns: "
            f"{export_columns}. Without a staff login at most {ANONYMOUS_ROW_LIMIT} "
            "rows; the headers say how many there are and how many were sent.",
            [
                *RESULT_SET,
                SORT,
                _format(["jsonl", "csv"], "jsonl"),
                _param(
                    "full",
                    {"type": "string", "enum": ["0", "1"], "default": "0"},
                    "1: add the full text (column `body`).",
                ),
            ],
            {
                "200": {
                    "description": "The file.",
                    "headers": {
                        **LIMIT_HEADERS,
                        "X-Export-Total": {
                            "description": "Matching documents.",
                            "schema": {"type": "integer"},
                        },
                        "X-Export-Rows": {
                            "description": "Rows in this file.",
                            "schema": {"type": "integer"},
                        },
                    },
                    "content": {
                        "application/x-ndjson": {"schema": FILE},
                        "text/csv": {"schema": FILE},
                    },
                },
                "429": BUSY,
            },
        ),
        "/api/openapi.json": {
            "get": {
                "summary": "This description",
                "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1.")},
            }
        },
    }
    schema: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "plansite API",
            "version": "1",
            "description": "Search and research tools over the archive of Chinese "
            "government work plans. Every endpoint takes the same query and "
            "filter parameters as /search/.",
        },
        "paths": paths,
    }
    if server:
        schema["servers"] = [{"url": server}]
    return schema
