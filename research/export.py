"""Export a result set as CSV or JSON lines, streamed a chunk of rows at a time.

The rows and the writers are documents/export.py's; this module adds what a
result set has: a hit count, a snippet and a URL per document, the format, the
column language, the row limit, a file name that says what is inside, and the
first row that carries the query, the filters and the versions with the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from html import unescape
from typing import Any
from urllib.parse import unquote_plus

from django.db.models import TextChoices
from django.urls import reverse
from django.utils.http import urlencode

from documents.export import (
    EXPORT_COLUMNS,
    EXPORT_KEYS,
    csv_chunks,
    export_meta,
    export_row,
    jsonl_chunks,
)
from documents.export import Lang as ExportLang
from documents.harvest.coverage import provenance_coverage
from documents.models import Document
from research.corpus import document_occurrences, iter_documents
from search.engine.schema import SCHEMA_VERSION
from search.highlight import Marked
from search.normalise import Form
from search.query import Unit
from search.results import document_query, document_snippets

# What the API imports from here; the writers are documents/export.py's.
__all__ = [
    "ANONYMOUS_ROW_LIMIT",
    "ExportFormat",
    "ExportLang",
    "csv_chunks",
    "document_records",
    "download_name",
    "export_columns",
    "export_lang",
    "hit_count",
    "jsonl_chunks",
    "plain_snippet",
    "result_set_meta",
    "row_limit",
]

# Rows an anonymous visitor may export at once; logged-in staff have no limit.
ANONYMOUS_ROW_LIMIT = 10_000
SNIPPET_WIDTH = 120
_TAG = re.compile(r"<[^>]*>")
# A file name keeps this much of the query and of each filter.
NAME_QUERY_CHARS = 30
NAME_FILTER_CHARS = 12
# Characters no file system or download dialog takes, and runs of space.
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\s]+')


class ExportFormat(TextChoices):
    CSV = "csv", "CSV"
    JSONL = "jsonl", "JSON Lines"

    @classmethod
    def parse(cls, value: str | None) -> ExportFormat | None:
        """The format named by value, or None for unknown input."""
        try:
            return cls(value)
        except ValueError:
            return None


def row_limit(user: Any) -> int | None:
    """How many rows this user may export (None: no limit)."""
    if getattr(user, "is_authenticated", False) and getattr(user, "is_staff", False):
        return None
    return ANONYMOUS_ROW_LIMIT


def export_lang(lang: ExportLang | None, fmt: str) -> ExportLang:
    """The column names asked for, else the format's default: Chinese labels
    in a CSV (what a researcher opening it in Excel expects), field names in
    JSON lines (read by programs)."""
    if lang is not None:
        return lang
    return ExportLang.ZH if fmt == ExportFormat.CSV else ExportLang.EN


def export_columns(*, full: bool) -> list[str]:
    """The documented columns: metadata, hit count, snippet and URL, then the
    text if asked."""
    metadata = [key for key in EXPORT_KEYS if key != "body"]
    return [
        "id",
        *metadata,
        "hits",
        "snippet",
        "url",
        *(["body"] if full else []),
    ]


def hit_count(document: Document, terms: Marked | None) -> int | None:
    """How often the query's terms occur in the document's searchable text,
    counted as the trend counts them (research/corpus.py); None without a
    query. The one place an export counts hits."""
    if not terms:
        return None
    return document_occurrences(document, terms)


def plain_snippet(document: Document, terms: Marked | None) -> str:
    """The passage the results page shows first, as plain text; one from an
    attachment starts with the attachment's name."""
    found = document_snippets(document, terms, n=1, width=SNIPPET_WIDTH)
    if not found.passages:
        return ""
    # snippets() escapes the text and adds only <mark> tags.
    text = unescape(_TAG.sub("", found.passages[0]))
    return f"［{found.label}］{text}" if found.label else text


def document_records(
    ids: Sequence[int],
    *,
    query: str,
    terms: Marked | None,
    full: bool,
    site: str,
    form: Form = Form.FOLDED,
    near: Unit | None = None,
    spreadsheet: bool = False,
) -> Iterator[dict[str, Any]]:
    """One record per document, in the order of ``ids``; ``site`` is the
    scheme and host the URLs start with; ``spreadsheet`` dates for a CSV.
    ``terms`` is the parsed query (or plain terms): what the snippet marks
    and the hit count counts."""
    link = document_query(query, form=form, near=near) if terms else {}
    suffix = f"?{urlencode(link)}" if link else ""
    for document in iter_documents(ids, fields=EXPORT_COLUMNS):
        row = export_row(document, spreadsheet=spreadsheet)
        body = row.pop("body")
        record = {"id": document.pk, **row}
        record["hits"] = hit_count(document, terms)
        record["snippet"] = plain_snippet(document, terms)
        path = reverse("documents:detail", args=[document.pk])
        record["url"] = f"{site}{path}{suffix}"
        if full:
            record["body"] = body
        yield record


def _name_part(text: str, limit: int) -> str:
    cleaned = _UNSAFE_NAME.sub("_", text).strip("._-")
    return cleaned[:limit].rstrip("._-")


def download_name(
    *,
    query: str,
    filters: Mapping[str, object],
    fmt: str,
    full: bool,
    day: date,
    tool: str = "",
) -> str:
    """A file name that says what is inside: plansite-乡村振兴-平潭县-2026-12-07.csv
    (the query and the filters shortened, 全部 without a query, 全文 with the
    text; a tool's downloads say which: plansite-kwic-…). Django's
    Content-Disposition gives non-ASCII names as RFC 5987 ``filename*``."""
    parts = ["plansite", *([tool] if tool else [])]
    parts.append(_name_part(query, NAME_QUERY_CHARS) or "全部")
    for key in ("province", "city", "county", "township", "category", "issuer"):
        part = _name_part(str(filters.get(key) or ""), NAME_FILTER_CHARS)
        if part:
            parts.append(part)
    first, last = filters.get("year_from"), filters.get("year_to")
    if first or last:
        years = [str(y) for y in dict.fromkeys((first, last)) if y]
        parts.append("至".join(years) + "年")
    if full:
        parts.append("全文")
    parts.append(day.isoformat())
    return f"{'-'.join(parts)}.{fmt}"


def result_set_meta(
    *,
    query: str,
    querystring: str,
    site: str,
    total: int,
    rows: int,
    document_ids: Sequence[int] = (),
) -> dict[str, Any]:
    """What travels with a result-set export in its first row: the query, the
    filters as the search page's URL takes them, the search page that shows
    the same set, how many matched and how many the file holds, the versions
    (software, index schema, archive), the export time, and the coverage of
    each harvested source that ``document_ids`` (the rows) came from."""
    # Readable in a spreadsheet's cell: the filters with their Chinese as is.
    filters = unquote_plus(
        "&".join(
            part
            for part in querystring.split("&")
            if part and not part.startswith("q=")
        )
    )
    search_url = f"{site}{reverse('search:page')}?{querystring}" if querystring else ""
    return export_meta(
        export="result_set",
        query=query,
        filters=filters,
        search_url=search_url,
        total=total,
        rows=rows,
        index_schema=SCHEMA_VERSION,
        harvest_coverage=provenance_coverage(document_ids) or None,
    )
