"""The API described for people, in Chinese, from the OpenAPI schema itself.

Everything on the page is read from the document that plansite.api generates
(/api/openapi.json): the endpoints, their summaries and descriptions, the
parameters with their types, limits and wording (the forms' help_text), the
formats, and the example queries (each operation's ``x-examples``). Only the
names of the types and formats are translated here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

TYPES = {
    "string": _("文本"),
    "integer": _("整数"),
    "array": _("可重复"),
    "number": _("数"),
}
FORMATS = {
    "application/json": "JSON",
    "text/csv": "CSV",
    "application/x-ndjson": "JSON Lines",
}


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: str
    allowed: str
    description: str
    required: bool


@dataclass(frozen=True)
class Endpoint:
    path: str
    summary: str
    details: str
    parameters: list[Parameter]
    formats: list[str]
    examples: list[str]


def _plain(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema of a value that may be left out: pydantic's ``anyOf`` with
    null reduced to the value's own schema."""
    options = [o for o in schema.get("anyOf", []) if o.get("type") != "null"]
    if len(options) == 1:
        rest = {k: v for k, v in schema.items() if k != "anyOf"}
        return {**options[0], **rest}
    return schema


def _allowed(schema: dict[str, Any]) -> str:
    """The values a parameter takes, from its schema: 1–100, relevance / newest."""
    if schema.get("type") == "array":
        schema = {**schema.get("items", {}), **schema}
        schema.pop("type", None)
    parts = []
    if "enum" in schema:
        parts.append(" / ".join(str(v) for v in schema["enum"]))
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None:
        parts.append(f"{low}–{high}")
    elif low is not None:
        parts.append(f"≥ {low}")
    if "maxLength" in schema:
        parts.append(str(_("最多 %(n)s 字")) % {"n": schema["maxLength"]})
    if "minItems" in schema:
        parts.append(
            str(_("%(a)s–%(b)s 个"))
            % {"a": schema["minItems"], "b": schema["maxItems"]}
        )
    if schema.get("default") is not None:
        parts.append(str(_("默认 %(v)s")) % {"v": schema["default"]})
    return "；".join(parts)


def _parameter(raw: dict[str, Any]) -> Parameter:
    schema = _plain(raw.get("schema", {}))
    kind = schema.get("type", "string")
    return Parameter(
        name=raw["name"],
        kind=str(TYPES.get(kind, kind)),
        allowed=_allowed(schema),
        description=raw.get("description") or schema.get("description", ""),
        required=bool(raw.get("required")),
    )


def _formats(operation: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for response in operation.get("responses", {}).values():
        for content_type in response.get("content", {}):
            label = FORMATS.get(content_type, content_type)
            if label not in found:
                found.append(label)
    return found


def api_reference(schema: dict[str, Any], *, server: str = "") -> list[Endpoint]:
    """Every GET endpoint of the schema, in its order, described in Chinese."""
    endpoints = []
    for path, item in schema.get("paths", {}).items():
        operation = item.get("get")
        if operation is None:
            continue
        examples = [
            f"{server}{path}" + (f"?{urlencode(query, doseq=True)}" if query else "")
            for query in operation.get("x-examples", [])
        ]
        endpoints.append(
            Endpoint(
                path=path,
                summary=operation.get("summary", ""),
                details=operation.get("description", ""),
                parameters=[_parameter(p) for p in operation.get("parameters", [])],
                formats=_formats(operation),
                examples=examples,
            )
        )
    return endpoints
