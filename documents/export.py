"""Export records in a stable, documented shape (JSON lines or CSV), streaming."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from documents.models import Document

EXPORT_KEYS = (
    "index_no",
    "title",
    "issuer",
    "level",
    "issuer_is_department",
    "township",
    "county",
    "city",
    "province",
    "division_code",
    "doc_date",
    "publish_date",
    "plan_year",
    "category",
    "doc_number",
    "disclosure",
    "source_file",
    "source_url",
    "body",
    "needs_review",
    "inferred",
)
# export_plans also writes the review notes, so that importing its output gives
# the records back with their provenance (inferred, needs_review, notes).
ARCHIVE_KEYS = (*EXPORT_KEYS, "review_notes")
_CHINA = ZoneInfo("Asia/Shanghai")
# Spreadsheet programs run cells that start with these as formulas.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def export_row(document: Document) -> dict[str, Any]:
    """One document as a flat mapping with the export keys, dates in ISO 8601."""
    publish = None
    if document.publish_date is not None:
        if document.publish_time is not None:
            stamp = datetime.combine(
                document.publish_date, document.publish_time, _CHINA
            )
            publish = stamp.isoformat()
        else:
            publish = document.publish_date.isoformat()
    return {
        "index_no": document.index_no or "",
        "title": document.title,
        "issuer": document.issuer,
        "level": document.level,
        "issuer_is_department": document.issuer_is_department,
        "township": document.township,
        "county": document.county,
        "city": document.city,
        "province": document.province,
        "division_code": document.division_code,
        "doc_date": document.doc_date.isoformat() if document.doc_date else None,
        "publish_date": publish,
        "plan_year": document.plan_year,
        "category": document.category,
        "doc_number": document.doc_number,
        "disclosure": document.disclosure,
        "source_file": document.source_file,
        "source_url": document.source_url,
        "body": document.body,
        "needs_review": document.needs_review,
        "inferred": list(document.inferred),
    }


def _rows(queryset: QuerySet[Document]) -> Iterator[dict[str, Any]]:
    for document in queryset.order_by("pk").iterator(chunk_size=500):
        row = export_row(document)
        row["review_notes"] = list(document.review_notes)
        yield row


def write_jsonl(queryset: QuerySet[Document], out: TextIO) -> int:
    """Write one JSON object per line; returns the number written."""
    count = 0
    for row in _rows(queryset):
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


def csv_safe(value: Any) -> str:
    """A cell that a spreadsheet shows as text, never runs as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        value = ";".join(str(v) for v in value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_lines(rows: Iterable[dict[str, Any]]) -> Iterator[list[str]]:
    yield list(ARCHIVE_KEYS)
    for row in rows:
        # Notes hold semicolons of their own: one note per line in the cell.
        notes = "\n".join(str(note) for note in row["review_notes"])
        yield [
            csv_safe(notes if key == "review_notes" else row[key])
            for key in ARCHIVE_KEYS
        ]


def write_csv(queryset: QuerySet[Document], out: TextIO, *, bom: bool = True) -> int:
    """Write CSV with a UTF-8 BOM so Excel reads the Chinese correctly."""
    if bom:
        out.write("\ufeff")
    writer = csv.writer(out)
    count = -1
    for line in csv_lines(_rows(queryset)):
        writer.writerow(line)
        count += 1
    return count
