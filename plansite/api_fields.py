"""The document fields that the API's answers carry.

Every answer that shows a document (a search hit, a KWIC line) takes its
document fields from ``document_fields()``: their types and Chinese labels come
from the one registry of metadata fields (documents/fields.py), so the API's
schema follows a change there.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from documents import fields as metadata

# The fields a hit shows, in the order of the answer's keys.
API_FIELDS = (
    "index_no",
    "title",
    "issuer",
    "township",
    "county",
    "city",
    "province",
    "plan_year",
    "doc_date",
    "availability",
)

# What a null means, where the API can answer one.
_NULL_NOTES = {
    "plan_year": "（未知为 null）",
    "doc_date": "（ISO 8601，未知为 null）",
    "availability": "：online 在线，withdrawn 已撤下，unknown 未知（文件导入）",
}


def document_fields() -> dict[str, tuple[Any, str]]:
    """Each metadata field the API shows: name → (JSON type, description)."""
    return {
        name: (
            metadata.field(name).value_type,
            str(metadata.label(name)) + _NULL_NOTES.get(name, ""),
        )
        for name in API_FIELDS
    }


def document_field_specs(*names: str) -> dict[str, tuple[Any, Any]]:
    """pydantic (type, Field) pairs for ``names``, for create_model()."""
    fields = document_fields()
    return {
        name: (fields[name][0], Field(..., description=fields[name][1]))
        for name in names
    }
