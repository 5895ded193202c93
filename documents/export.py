"""Export records in a stable, documented shape (JSON lines or CSV), streaming.

The one exporter: export_plans writes the whole archive with it, and the
research exports (/api/export, KWIC, trend) their result sets. The columns
come from the field registry (documents/fields.py).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from documents import fields as metadata
from documents.models import Document

EXPORT_KEYS = metadata.EXPORT_KEYS
# export_plans also writes the review notes, so that importing its output gives
# the records back with their provenance (inferred, needs_review, notes).
ARCHIVE_KEYS = metadata.ARCHIVE_KEYS
# The Document columns export_row reads (a publish date needs its time too).
EXPORT_COLUMNS = tuple(
    column for name in EXPORT_KEYS for column in metadata.field(name).model_columns
)
_CHINA = ZoneInfo("Asia/Shanghai")
# Spreadsheet programs run cells that start with these as formulas.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Rows joined into one chunk of a stream.
ROWS_PER_CHUNK = 100
# Review notes hold semicolons of their own: one note per line in the cell.
_CELL_SEPARATORS = {"review_notes": "\n"}


def _publish(document: Document) -> str | None:
    """The publish date in ISO 8601, with its time in China's zone when known."""
    if document.publish_date is None:
        return None
    if document.publish_time is None:
        return document.publish_date.isoformat()
    return datetime.combine(
        document.publish_date, document.publish_time, _CHINA
    ).isoformat()


def _value(document: Document, spec: metadata.MetadataField) -> Any:
    value = getattr(document, spec.name)
    if spec.type is metadata.FieldType.DATETIME:
        return _publish(document)
    if spec.type is metadata.FieldType.DATE:
        return value.isoformat() if value else None
    if spec.type is metadata.FieldType.LIST:
        return list(value)
    if spec.type in (metadata.FieldType.TEXT, metadata.FieldType.CHOICE):
        return value or ""  # A NULL 索引号 exports as "", as every empty text.
    return value


def export_row(document: Document) -> dict[str, Any]:
    """One document as a flat mapping with the export keys, dates in ISO 8601."""
    return {name: _value(document, metadata.field(name)) for name in EXPORT_KEYS}


def archive_rows(queryset: QuerySet[Document]) -> Iterator[dict[str, Any]]:
    """Every document of ``queryset`` with the archive keys, in id order."""
    documents = queryset.only(*EXPORT_COLUMNS, "review_notes").order_by("pk")
    for document in documents.iterator(chunk_size=500):
        row = export_row(document)
        row["review_notes"] = list(document.review_notes)
        yield row


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


def _cell(record: dict[str, Any], key: str) -> str:
    value = record.get(key)
    separator = _CELL_SEPARATORS.get(key)
    if separator is not None and isinstance(value, list):
        value = separator.join(str(v) for v in value)
    return csv_safe(value)


class _Echo:
    """A file that hands back what is written, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(
    records: Iterable[dict[str, Any]], columns: Sequence[str], *, bom: bool = True
) -> Iterator[str]:
    """CSV text with a UTF-8 BOM (so Excel reads the Chinese) and formula-safe
    cells, a header row first."""
    writer = csv.writer(_Echo())
    yield ("\ufeff" if bom else "") + writer.writerow(list(columns))
    chunk: list[str] = []
    for record in records:
        chunk.append(writer.writerow([_cell(record, key) for key in columns]))
        if len(chunk) >= ROWS_PER_CHUNK:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


def jsonl_chunks(records: Iterable[dict[str, Any]]) -> Iterator[str]:
    """One JSON object per line, UTF-8 as is."""
    chunk: list[str] = []
    for record in records:
        chunk.append(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        if len(chunk) >= ROWS_PER_CHUNK:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


def _write(chunks: Iterable[str], out: TextIO) -> None:
    for chunk in chunks:
        out.write(chunk)


def _counted(rows: Iterable[dict[str, Any]], tally: list[int]) -> Iterator[dict]:
    for row in rows:
        tally[0] += 1
        yield row


def write_jsonl(queryset: QuerySet[Document], out: TextIO) -> int:
    """Write one JSON object per document; returns the number written."""
    tally = [0]
    _write(jsonl_chunks(_counted(archive_rows(queryset), tally)), out)
    return tally[0]


def write_csv(queryset: QuerySet[Document], out: TextIO, *, bom: bool = True) -> int:
    """Write CSV with a UTF-8 BOM so Excel reads the Chinese correctly."""
    tally = [0]
    _write(
        csv_chunks(_counted(archive_rows(queryset), tally), ARCHIVE_KEYS, bom=bom), out
    )
    return tally[0]
