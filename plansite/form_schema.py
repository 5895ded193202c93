"""OpenAPI query parameters generated from the Django forms that read them.

The forms stay the one place where a parameter's type, limits and choices are
defined: they read every request, dropping a bad value with a message instead
of refusing the request. This module turns their fields into a django-ninja
Schema so that /api/openapi.json describes the same parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from django import forms
from ninja import Schema
from pydantic import ConfigDict, Field, create_model, model_validator

# The one rule for a bad parameter, said in the OpenAPI description and on
# /research/api/. The pages read the same forms and ignore such a value with a
# notice instead.
PARAMETER_RULE = (
    "参数值无效（类型不对、超出范围、不在可选值中、过长、含有不属于名称的字符，"
    "或检索式无法执行）时，接口一律返回 400：error 说明原因，fields 按参数名列出"
    "每个无效参数的问题，messages 为其他提示；接口不会忽略无效参数后照常回答。"
    "起始年度晚于截止年度时按对调后的范围回答，并在 messages 中说明。"
    "接口未列出的参数不读取。网页则忽略无效参数，并在页面上说明。"
)


def invalid_parameters(field_errors: Mapping[str, list[str]]) -> str:
    """The ``error`` of a 400 for parameters that are not valid."""
    return "参数无效：" + "、".join(field_errors)


class LenientQuery(Schema):
    """A query schema that describes parameters but never refuses a request.

    The view reads ``request.GET`` through its form, which keeps every
    parameter's problems (SearchParams.field_errors); the endpoint answers them
    with a 400 in the API's error shape (PARAMETER_RULE), which ninja's own
    422 would change.
    """

    model_config = ConfigDict(extra="ignore")

    @model_validator(mode="wrap")
    @classmethod
    def _describe_only(cls, data: Any, handler: Any) -> LenientQuery:
        return cls.model_construct()


def _choices(field: forms.ChoiceField) -> list[str]:
    return [str(value) for value, _label in field.choices if value != ""]


def field_spec(field: forms.Field, **override: Any) -> tuple[Any, Any]:
    """A pydantic (type, Field) pair for one form field; ``override`` wins."""
    kind: Any = str
    limits: dict[str, Any] = {}
    if isinstance(field, forms.ChoiceField):
        kind = Literal[tuple(_choices(field))]
    elif isinstance(field, forms.IntegerField):
        kind = int
        limits = {"ge": field.min_value, "le": field.max_value}
    elif isinstance(field, forms.CharField):
        limits = {"max_length": field.max_length}
    if "enum" in override:
        kind = Literal[tuple(override.pop("enum"))]
    kind = override.pop("kind", kind)
    limits.update(override)
    limits = {k: v for k, v in limits.items() if v is not None}
    default = limits.pop("default", None)
    if "description" not in limits and field.help_text:
        limits["description"] = str(field.help_text)
    return kind, Field(default, **limits)


def query_schema(
    name: str,
    fields: Mapping[str, forms.Field],
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    extra: Mapping[str, tuple[Any, Any]] | None = None,
) -> type[LenientQuery]:
    """A Schema named ``name`` with a parameter per form field, in order.

    ``overrides`` change what one field's schema says (the formats one
    endpoint offers, say); ``extra`` adds parameters that no form field reads.
    """
    overrides = overrides or {}
    specs = {
        field_name: field_spec(field, **dict(overrides.get(field_name, {})))
        for field_name, field in fields.items()
    }
    specs.update(extra or {})
    return create_model(name, __base__=LenientQuery, **specs)
