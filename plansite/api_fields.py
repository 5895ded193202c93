"""The document fields that the API's answers carry, described in one place.

Every answer that shows a document (a search hit, a KWIC line) takes its
document fields from ``document_fields()``, so when the metadata fields change
(or come from a registry of fields), the API's schema follows from here.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field


def document_fields() -> dict[str, tuple[Any, str]]:
    """Each metadata field the API shows: name → (JSON type, description)."""
    return {
        "index_no": (str, "索引号"),
        "title": (str, "标题"),
        "issuer": (str, "发布机构"),
        "township": (str, "乡镇街道"),
        "county": (str, "区县"),
        "city": (str, "地市"),
        "province": (str, "省份"),
        "plan_year": (int | None, "计划年度（未知为 null）"),
        "doc_date": (str | None, "成文日期（ISO 8601，未知为 null）"),
    }


def document_field_specs(*names: str) -> dict[str, tuple[Any, Any]]:
    """pydantic (type, Field) pairs for ``names``, for create_model()."""
    fields = document_fields()
    return {
        name: (fields[name][0], Field(..., description=fields[name][1]))
        for name in names
    }
