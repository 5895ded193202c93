"""Export records in a stable, documented shape (JSON lines or CSV), streaming.

The one exporter: export_plans writes the whole archive with it, and the
research exports (/api/export, KWIC, trend) their result sets. The columns
come from the field registry (documents/fields.py).

What an export holds travels with it: a first row (CSV: ``#plansite-export``
and ``key=value`` cells, a line that pandas and R skip as a comment; JSON
lines: an object with the one key ``plansite_export``) gives the query, the
filters, the software and archive versions and the export time, and, for the
documents a harvest captured, each source's coverage (``harvest_coverage``: what
its lists showed, what was captured, what failed, documents/harvest/coverage.py;
JSON in the CSV cell). The importer
(documents/ingest/extract/tabular.py) recognises it. CSV headers are the
fields' Chinese labels or their names (``Lang``); dates in CSV are
YYYY-MM-DD (a publish time after a space), which Excel reads as dates.
"""

from __future__ import annotations

import csv
import functools
import json
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Max, QuerySet, TextChoices
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from documents import fields as metadata
from documents.harvest.coverage import provenance_coverage
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
# The first row of an export, before the header: what the file holds.
EXPORT_MARKER = "#plansite-export"
# The key of the first object of a JSON lines export.
META_KEY = "plansite_export"
# Columns of the result-set exports that are no document field: derived from
# the archive, never imported back (the importer skips them in an export).
EXTRA_LABELS = {
    "id": _("编号"),
    "hits": _("命中次数"),
    "snippet": _("摘要"),
    "url": _("档案链接"),
}


class Lang(TextChoices):
    """The language of an export's column names."""

    # The fields' Chinese labels: what a researcher opening the CSV expects.
    ZH = "zh", _("中文列名")
    # The field names (index_no, title…): stable keys for programs.
    EN = "en", _("字段名（英文）")

    @classmethod
    def parse(cls, value: str | None) -> Lang | None:
        """The language named by value, or None for unknown input."""
        try:
            return cls(value)
        except ValueError:
            return None


def column_label(key: str, lang: Lang) -> str:
    """A column's name in an export's header."""
    if lang is Lang.EN:
        return key
    if key in EXTRA_LABELS:
        return str(EXTRA_LABELS[key])
    try:
        return str(metadata.label(key))
    except KeyError:
        return key


def derived_column_names() -> frozenset[str]:
    """The extra columns' names in either language, for the importer."""
    return frozenset(EXTRA_LABELS) | {str(label) for label in EXTRA_LABELS.values()}


@functools.cache
def app_version() -> str:
    """The software's version (pyproject.toml), "" when it cannot be read."""
    try:
        with (Path(settings.BASE_DIR) / "pyproject.toml").open("rb") as handle:
            return str(tomllib.load(handle)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return ""


def export_meta(**facts: Any) -> dict[str, Any]:
    """What an export holds and when it was made: ``facts`` (query, filters…)
    and the versions of the software and of the archive (how many documents,
    when one last changed)."""
    last = Document.objects.aggregate(last=Max("updated_at"))["last"]
    return {
        **{key: value for key, value in facts.items() if value not in (None, "")},
        "version": app_version(),
        "documents": Document.objects.count(),
        "archive_updated": last.astimezone(_CHINA).isoformat() if last else "",
        "exported_at": timezone.now().astimezone(_CHINA).isoformat(timespec="seconds"),
    }


def meta_cells(meta: Mapping[str, Any]) -> list[str]:
    """The first CSV row: the marker, then one ``key=value`` cell a fact (a
    list or a mapping, the harvest coverage, as JSON)."""
    return [
        EXPORT_MARKER,
        *(f"{key}={_meta_value(value)}" for key, value in meta.items()),
    ]


def _meta_value(value: Any) -> str:
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def read_meta_cells(cells: Sequence[str]) -> dict[str, str] | None:
    """The facts of a CSV's first row, or None if it is no export's."""
    if not cells or cells[0].lstrip("\ufeff").strip() != EXPORT_MARKER:
        return None
    return dict(cell.partition("=")[::2] for cell in cells[1:] if "=" in cell)


def read_meta_object(data: Mapping[str, Any]) -> dict[str, Any] | None:
    """The facts of a JSON lines export's first object, or None."""
    if set(data) == {META_KEY} and isinstance(data[META_KEY], dict):
        return dict(data[META_KEY])
    return None


def _publish(document: Document, *, spreadsheet: bool = False) -> str | None:
    """The publish date in ISO 8601, with its time in China's zone when known;
    for a spreadsheet, "YYYY-MM-DD HH:MM" (China time), which Excel reads as a
    date where it cannot read ISO 8601's T and zone."""
    if document.publish_date is None:
        return None
    if document.publish_time is None:
        return document.publish_date.isoformat()
    if spreadsheet:
        time = document.publish_time
        clock = f"{time:%H:%M:%S}" if time.second else f"{time:%H:%M}"
        return f"{document.publish_date.isoformat()} {clock}"
    return datetime.combine(
        document.publish_date, document.publish_time, _CHINA
    ).isoformat()


def _value(
    document: Document, spec: metadata.MetadataField, *, spreadsheet: bool = False
) -> Any:
    value = getattr(document, spec.name)
    if spec.type is metadata.FieldType.DATETIME:
        return _publish(document, spreadsheet=spreadsheet)
    if spec.type is metadata.FieldType.DATE:
        return value.isoformat() if value else None
    if spec.type is metadata.FieldType.LIST:
        return list(value)
    if spec.type in (metadata.FieldType.TEXT, metadata.FieldType.CHOICE):
        return value or ""  # A NULL 索引号 exports as "", as every empty text.
    return value


def export_row(document: Document, *, spreadsheet: bool = False) -> dict[str, Any]:
    """One document as a flat mapping with the export keys, dates in ISO 8601
    (for a spreadsheet, a publish time as Excel reads it: see _publish)."""
    return {
        name: _value(document, metadata.field(name), spreadsheet=spreadsheet)
        for name in EXPORT_KEYS
    }


def archive_rows(
    queryset: QuerySet[Document], *, spreadsheet: bool = False
) -> Iterator[dict[str, Any]]:
    """Every document of ``queryset`` with the archive keys, in id order."""
    documents = queryset.only(*EXPORT_COLUMNS, "review_notes").order_by("pk")
    for document in documents.iterator(chunk_size=500):
        row = export_row(document, spreadsheet=spreadsheet)
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
    records: Iterable[dict[str, Any]],
    columns: Sequence[str],
    *,
    bom: bool = True,
    lang: Lang = Lang.EN,
    meta: Mapping[str, Any] | None = None,
) -> Iterator[str]:
    """CSV text with a UTF-8 BOM (so Excel reads the Chinese) and formula-safe
    cells: the row of ``meta`` if given, the header row (names in ``lang``),
    then the records."""
    writer = csv.writer(_Echo())
    first = "\ufeff" if bom else ""
    if meta is not None:
        first += writer.writerow(meta_cells(meta))
    header = [column_label(key, lang) for key in columns]
    yield first + writer.writerow(header)
    chunk: list[str] = []
    for record in records:
        chunk.append(writer.writerow([_cell(record, key) for key in columns]))
        if len(chunk) >= ROWS_PER_CHUNK:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


def jsonl_chunks(
    records: Iterable[dict[str, Any]],
    *,
    lang: Lang = Lang.EN,
    meta: Mapping[str, Any] | None = None,
) -> Iterator[str]:
    """One JSON object per line, UTF-8 as is; the object of ``meta`` first if
    given; keys in ``lang``."""
    chunk: list[str] = []
    if meta is not None:
        chunk.append(json.dumps({META_KEY: dict(meta)}, ensure_ascii=False) + "\n")
    for record in records:
        if lang is not Lang.EN:
            record = {column_label(key, lang): value for key, value in record.items()}
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


def archive_meta() -> dict[str, Any]:
    """The first row of export_plans' files: the whole archive, no query, and
    the coverage of every harvested source."""
    return export_meta(export="archive", harvest_coverage=provenance_coverage() or None)


def write_jsonl(
    queryset: QuerySet[Document],
    out: TextIO,
    *,
    lang: Lang = Lang.EN,
    meta: bool = True,
) -> int:
    """Write one JSON object per document; returns the number written."""
    tally = [0]
    chunks = jsonl_chunks(
        _counted(archive_rows(queryset), tally),
        lang=lang,
        meta=archive_meta() if meta else None,
    )
    _write(chunks, out)
    return tally[0]


def write_csv(
    queryset: QuerySet[Document],
    out: TextIO,
    *,
    bom: bool = True,
    lang: Lang = Lang.ZH,
    meta: bool = True,
) -> int:
    """Write CSV with a UTF-8 BOM so Excel reads the Chinese correctly, Chinese
    headers and spreadsheet dates by default."""
    tally = [0]
    chunks = csv_chunks(
        _counted(archive_rows(queryset, spreadsheet=True), tally),
        ARCHIVE_KEYS,
        bom=bom,
        lang=lang,
        meta=archive_meta() if meta else None,
    )
    _write(chunks, out)
    return tally[0]
