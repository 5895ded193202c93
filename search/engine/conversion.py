"""Result conversion: a page of document numbers to haystack SearchResults.

Per hit there is one read of its stored fields (zlib + pickle,
Matcher.stored_fields) and one SearchResult. What does not depend on the hit
(the model of its content type, whether it is indexed, each field's
converter, haystack's logger) is worked out once per unified index, not once
per hit and field: that was half of the 37 µs a hit cost.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from haystack.constants import DJANGO_CT, DJANGO_ID
from haystack.fields import CharField, DateField, DateTimeField, IntegerField
from haystack.models import SearchResult
from haystack.utils.app_loading import haystack_get_model

from search.engine.matching import Matcher

# The haystack logger every SearchResult holds (SearchResult._get_log()).
_LOG = SearchResult._get_log(None)


@dataclass
class _Model:
    """How the stored fields of one content type become a SearchResult."""

    app_label: str
    model_name: str
    # None: not a model of the unified index (its documents are skipped).
    index_fields: dict[str, Any] | None
    converters: dict[str, Callable[[Any], Any] | None] = field(default_factory=dict)

    def converter(self, key: str) -> Callable[[Any], Any] | None:
        """The function that reads a stored value of ``key``; None: as stored."""
        try:
            return self.converters[key]
        except KeyError:
            found = self.converters[key] = _converter(self.index_fields.get(key))
            return found


def _as_boolean(value: Any) -> bool:
    # haystack writes booleans as the strings "true"/"false".
    return value in (True, "true")


def _exact_type(kind: type, convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``convert`` (CharField's str(), IntegerField's int()), skipped for None
    and values of exactly ``kind``, which it would return equal."""

    def converted(value: Any) -> Any:
        if value is None or type(value) is kind:
            return value
        return convert(value)

    return converted


def _strings_only(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``convert`` of the date fields, which parses strings and returns any
    other value (a datetime, None) as it is."""

    def converted(value: Any) -> Any:
        return convert(value) if isinstance(value, str) else value

    return converted


def _converter(index_field: Any) -> Callable[[Any], Any] | None:
    if index_field is None:
        return None
    if index_field.field_type == "boolean":
        return _as_boolean
    method = type(index_field).convert
    if method is CharField.convert:
        return _exact_type(str, index_field.convert)
    if method is IntegerField.convert:
        return _exact_type(int, index_field.convert)
    if method in (DateField.convert, DateTimeField.convert):
        return _strings_only(index_field.convert)
    return index_field.convert


# Unified index -> (its indexes when read, content type -> _Model): a new
# unified index, or one reset and built again (tests), starts afresh.
_MODELS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _model(unified: Any, content_type: str) -> _Model:
    indexes = unified.get_indexes()
    cached = _MODELS.get(unified)
    if cached is None or cached[0] is not indexes:
        cached = _MODELS[unified] = (indexes, {})
    models = cached[1]
    found = models.get(content_type)
    if found is None:
        app_label, model_name = content_type.split(".")
        model = haystack_get_model(app_label, model_name)
        indexed = model is not None and model in unified.get_indexed_models()
        fields = unified.get_index(model).fields if indexed else None
        found = models[content_type] = _Model(app_label, model_name, fields)
    return found


def _result(
    model: _Model, pk: Any, score: float, values: dict[str, Any]
) -> SearchResult:
    """SearchResult(app_label, model_name, pk, score, **values), made without
    its __init__'s per-result logger lookup (tests/search/test_conversion.py
    checks that both give the same object)."""
    result = SearchResult.__new__(SearchResult)
    state = result.__dict__
    state.update(
        app_label=model.app_label,
        model_name=model.model_name,
        pk=pk,
        score=score,
        _object=None,
        _model=None,
        _verbose_name=None,
        _additional_fields=[],
        _point_of_origin=values.pop("_point_of_origin", None),
        _distance=values.pop("_distance", None),
        stored_fields=None,
        log=_LOG,
    )
    if state.keys().isdisjoint(values):
        state.update(values)
        state["_additional_fields"] = list(values)
        return result
    # A stored field named like an attribute leaves the attribute alone.
    additional = state["_additional_fields"]
    for key, value in values.items():
        if key not in state:
            state[key] = value
            additional.append(key)
    return result


def search_results(
    matcher: Matcher,
    page: np.ndarray,
    scores: np.ndarray | None,
    *,
    unified: Any,
    result_class: type | None = None,
) -> list[SearchResult]:
    """One SearchResult per document of ``page`` of an indexed model, in order."""
    converted = []
    for i, docnum in enumerate(page.tolist()):
        stored = matcher.stored_fields(docnum)
        model = _model(unified, stored.pop(DJANGO_CT))
        pk = stored.pop(DJANGO_ID)
        if model.index_fields is None:
            continue
        converters = model.converters
        values = {}
        for key, value in stored.items():
            convert = converters[key] if key in converters else model.converter(key)
            values[key] = value if convert is None else convert(value)
        score = float(scores[i]) if scores is not None else 0
        if result_class is None or result_class is SearchResult:
            converted.append(_result(model, pk, score, values))
        else:
            converted.append(
                result_class(model.app_label, model.model_name, pk, score, **values)
            )
    return converted
