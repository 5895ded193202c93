"""The metadata fields of a document, defined once for every part that names them.

The model takes its labels from here; the importer (normalise, merge, store)
its list of fields with provenance; the exports their columns; the search index
its filter and facet fields; the API its document schema. Adding a field is one
entry in FIELDS (plus, where it is new, the model column and a migration).

Each entry is either a column of Document or, like "region", a field made of
several columns whose provenance is recorded as one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class FieldType(StrEnum):
    """What a field's value is, as exports and the API give it."""

    TEXT = "text"
    # One of a fixed set of values (Document.Level).
    CHOICE = "choice"
    BOOL = "bool"
    # ISO 8601 day: 2021-01-13.
    DATE = "date"
    # ISO 8601 day, with its time and zone when the source gave one.
    DATETIME = "datetime"
    YEAR = "year"
    # Several columns, exported and searched column by column.
    REGION = "region"
    LIST = "list"


class IndexRole(StrEnum):
    """How the search index holds a field."""

    # Kept for result lists, not searchable.
    STORED = "stored"
    # Filterable, untokenised.
    FILTER = "filter"
    # Filterable and counted in the facets.
    FACET = "facet"


@dataclass(frozen=True)
class MetadataField:
    """One metadata field: its name, label, type and where each part reads it."""

    name: str
    label: Promise
    type: FieldType
    # The Document attributes that hold it (region: its division and names).
    columns: tuple[str, ...] = ()
    # The attribute whose emptiness says the field is empty (default: the name).
    present_by: str = ""
    # Every document has a value (a title, a body; a flag is true or false).
    required: bool = False
    # The longest text the column holds: the importer cuts values to it.
    max_length: int | None = None
    # Where its value came from is recorded (read, inferred, corrected): it is
    # in Document.inferred, field_sources and the review notes.
    provenance: bool = False
    # Merged source by source when several sources describe one document.
    merged: bool = False
    # A column of the exports (export_plans, /api/export).
    exported: bool = False
    # Only in export_plans' archive form, which imports back with provenance.
    archive_only: bool = False
    index: IndexRole | None = None

    @property
    def model_columns(self) -> tuple[str, ...]:
        return self.columns or (self.name,)

    @property
    def presence_column(self) -> str:
        return self.present_by or self.name

    @property
    def value_type(self) -> Any:
        """The Python type of the field's value in an export row or a JSON
        answer (a pydantic or ninja Schema field can be declared with it)."""
        return _VALUE_TYPES[self.type]


# How documents/export.py gives each type: texts are "" when empty (a NULL
# 索引号 too), dates ISO 8601 strings or null, a year an integer or null.
_VALUE_TYPES: dict[FieldType, Any] = {
    FieldType.TEXT: str,
    FieldType.CHOICE: str,
    FieldType.BOOL: bool,
    FieldType.DATE: str | None,
    FieldType.DATETIME: str | None,
    FieldType.YEAR: int | None,
    FieldType.REGION: dict[str, str] | None,
    FieldType.LIST: list[str],
}
_TEXT, _DATE = FieldType.TEXT, FieldType.DATE

# In the order of the export columns. Labels are the model's verbose names.
FIELDS: tuple[MetadataField, ...] = (
    MetadataField(
        "index_no",
        _("索引号"),
        _TEXT,
        max_length=128,
        provenance=True,
        merged=True,
        exported=True,
    ),
    MetadataField(
        "title",
        _("标题"),
        _TEXT,
        max_length=500,
        required=True,
        provenance=True,
        merged=True,
        exported=True,
        index=IndexRole.STORED,
    ),
    MetadataField(
        "issuer",
        _("发布机构"),
        _TEXT,
        max_length=200,
        provenance=True,
        merged=True,
        exported=True,
        index=IndexRole.FACET,
    ),
    MetadataField("level", _("层级"), FieldType.CHOICE, max_length=10, exported=True),
    MetadataField(
        "issuer_is_department",
        _("部门发文"),
        FieldType.BOOL,
        required=True,
        exported=True,
    ),
    MetadataField(
        "region",
        _("地区"),
        FieldType.REGION,
        columns=(
            "division_id",
            "township",
            "county",
            "city",
            "province",
            "division_code",
        ),
        present_by="division_code",
        provenance=True,
        merged=True,
    ),
    MetadataField(
        "township",
        _("乡镇街道"),
        _TEXT,
        max_length=64,
        exported=True,
        index=IndexRole.FACET,
    ),
    MetadataField(
        "county", _("区县"), _TEXT, max_length=64, exported=True, index=IndexRole.FACET
    ),
    MetadataField(
        "city", _("地市"), _TEXT, max_length=64, exported=True, index=IndexRole.FACET
    ),
    MetadataField(
        "province",
        _("省份"),
        _TEXT,
        max_length=64,
        exported=True,
        index=IndexRole.FACET,
    ),
    MetadataField(
        "division_code",
        _("区划代码"),
        _TEXT,
        max_length=12,
        exported=True,
        index=IndexRole.FILTER,
    ),
    MetadataField(
        "doc_date",
        _("成文日期"),
        _DATE,
        provenance=True,
        merged=True,
        exported=True,
        index=IndexRole.FILTER,
    ),
    MetadataField(
        "publish_date",
        _("发布日期"),
        FieldType.DATETIME,
        columns=("publish_date", "publish_time"),
        provenance=True,
        merged=True,
        exported=True,
        index=IndexRole.FILTER,
    ),
    MetadataField(
        "plan_year",
        _("计划年度"),
        FieldType.YEAR,
        provenance=True,
        merged=True,
        exported=True,
        index=IndexRole.FACET,
    ),
    MetadataField(
        "category",
        _("主题分类"),
        _TEXT,
        max_length=200,
        provenance=True,
        merged=True,
        exported=True,
        index=IndexRole.FACET,
    ),
    MetadataField(
        "doc_number",
        _("文号"),
        _TEXT,
        max_length=200,
        provenance=True,
        merged=True,
        exported=True,
    ),
    MetadataField(
        "disclosure",
        _("公开方式"),
        _TEXT,
        max_length=64,
        provenance=True,
        merged=True,
        exported=True,
    ),
    MetadataField("source_file", _("来源文件"), _TEXT, max_length=1000, exported=True),
    MetadataField(
        "source_url", _("原文链接"), _TEXT, max_length=1000, merged=True, exported=True
    ),
    MetadataField("body", _("正文"), _TEXT, required=True, exported=True),
    MetadataField(
        "needs_review",
        _("待复核"),
        FieldType.BOOL,
        required=True,
        exported=True,
        index=IndexRole.FILTER,
    ),
    # Whether the page it was captured from is still published (issue 18):
    # set by the harvester, never read from a source; a filter and a facet.
    MetadataField(
        "availability",
        _("在线状态"),
        FieldType.CHOICE,
        max_length=10,
        required=True,
        index=IndexRole.FACET,
    ),
    MetadataField("inferred", _("推断字段"), FieldType.LIST, exported=True),
    MetadataField(
        "review_notes",
        _("复核说明"),
        FieldType.LIST,
        exported=True,
        archive_only=True,
    ),
)

_BY_NAME = {spec.name: spec for spec in FIELDS}


def field(name: str) -> MetadataField:
    """The field called ``name`` (KeyError for an unknown name)."""
    return _BY_NAME[name]


def max_length(name: str) -> int:
    """The longest value a text field's column holds."""
    length = _BY_NAME[name].max_length
    if length is None:
        raise ValueError(f"{name} has no length limit")
    return length


def label(name: str) -> Promise:
    """The Chinese label of a field, lazily translated (a model's verbose_name)."""
    return _BY_NAME[name].label


def document_fields() -> tuple[MetadataField, ...]:
    """Every metadata field, in export order: what an API schema describes."""
    return FIELDS


# Fields whose provenance is recorded, in a fixed order (Document.inferred and
# the review notes name them).
PROVENANCE_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.provenance)
# Fields merged one by one from a document's sources (documents/ingest/merge.py).
MERGED_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.merged)
# The Document attributes behind the merged fields.
MERGED_COLUMNS: tuple[str, ...] = tuple(
    column for f in FIELDS if f.merged for column in f.model_columns
)
# The columns of every export; the archive form (export_plans) adds its own.
EXPORT_KEYS: tuple[str, ...] = tuple(
    f.name for f in FIELDS if f.exported and not f.archive_only
)
ARCHIVE_KEYS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.exported)
# The fields the search index holds, with how.
INDEXED: tuple[MetadataField, ...] = tuple(f for f in FIELDS if f.index is not None)
# Labels of the provenance fields, for pages that name them (review notes).
PROVENANCE_LABELS: dict[str, Promise] = {
    name: _BY_NAME[name].label for name in PROVENANCE_FIELDS
}


def present(document: Any, name: str) -> bool:
    """Whether ``document`` (a Document) has a value for this field."""
    value = getattr(document, _BY_NAME[name].presence_column)
    return value not in (None, "")
