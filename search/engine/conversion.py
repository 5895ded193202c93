"""Result conversion: a page of document numbers to haystack SearchResults."""

from __future__ import annotations

from typing import Any

import numpy as np
from haystack.constants import DJANGO_CT, DJANGO_ID
from haystack.models import SearchResult
from haystack.utils.app_loading import haystack_get_model

from search.engine.matching import Matcher


def search_results(
    matcher: Matcher,
    page: np.ndarray,
    scores: np.ndarray | None,
    *,
    unified: Any,
    result_class: type | None = None,
) -> list[SearchResult]:
    """One SearchResult per document of ``page`` of an indexed model, in order."""
    result_class = result_class or SearchResult
    converted = []
    for i, docnum in enumerate(page.tolist()):
        stored = dict(matcher.stored_fields(docnum))
        app_label, model_name = stored.pop(DJANGO_CT).split(".")
        pk = stored.pop(DJANGO_ID)
        model = haystack_get_model(app_label, model_name)
        if model is None or model not in unified.get_indexed_models():
            continue
        index_fields = unified.get_index(model).fields
        values = {}
        for key, value in stored.items():
            field = index_fields.get(key)
            if field is None:
                values[key] = value
            elif field.field_type == "boolean":
                # haystack writes booleans as the strings "true"/"false".
                values[key] = value in (True, "true")
            else:
                values[key] = field.convert(value)
        score = float(scores[i]) if scores is not None else 0
        converted.append(result_class(app_label, model_name, pk, score, **values))
    return converted
