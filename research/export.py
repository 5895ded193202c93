"""Export a result set as CSV or JSON lines, streamed a chunk of rows at a time.

The rows and the writers are documents/export.py's; this module adds what a
result set has: a snippet and a URL per document, the format, the row limit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from html import unescape
from typing import Any

from django.db.models import TextChoices
from django.urls import reverse
from django.utils.http import urlencode

from documents.export import (
    EXPORT_COLUMNS,
    EXPORT_KEYS,
    csv_chunks,
    export_row,
    jsonl_chunks,
)
from documents.models import Document
from research.corpus import iter_documents
from search.highlight import Marked
from search.normalise import Form
from search.query import Unit
from search.results import document_query, document_snippets

# What the API imports from here; the writers are documents/export.py's.
__all__ = [
    "ANONYMOUS_ROW_LIMIT",
    "ExportFormat",
    "csv_chunks",
    "document_records",
    "export_columns",
    "jsonl_chunks",
    "plain_snippet",
    "row_limit",
]

# Rows an anonymous visitor may export at once; logged-in staff have no limit.
ANONYMOUS_ROW_LIMIT = 10_000
SNIPPET_WIDTH = 120
_TAG = re.compile(r"<[^>]*>")


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


def export_columns(*, full: bool) -> list[str]:
    """The documented columns: metadata, snippet and URL, then the text if asked."""
    metadata = [key for key in EXPORT_KEYS if key != "body"]
    return ["id", *metadata, "snippet", "url", *(["body"] if full else [])]


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
) -> Iterator[dict[str, Any]]:
    """One record per document, in the order of ``ids``; ``site`` is the
    scheme and host the URLs start with. ``terms`` is the parsed query (or
    plain terms): what the snippet marks."""
    link = document_query(query, form=form, near=near) if terms else {}
    suffix = f"?{urlencode(link)}" if link else ""
    for document in iter_documents(ids, fields=EXPORT_COLUMNS):
        row = export_row(document)
        body = row.pop("body")
        record = {"id": document.pk, **row}
        record["snippet"] = plain_snippet(document, terms)
        path = reverse("documents:detail", args=[document.pk])
        record["url"] = f"{site}{path}{suffix}"
        if full:
            record["body"] = body
        yield record
