"""Hints for place filters that name no place with documents (all list pages).

Browse, search and the research tools show the same hints; they read them here
rather than from one another's views.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _l

from documents.selectors import place_exists, place_level_of, similar_place_names

PLACE_FILTERS = {"county": _l("区县"), "township": _l("乡镇街道")}
LEVEL_NAMES = {
    "province": _l("省份"),
    "city": _l("地市"),
    "county": _l("区县"),
    "township": _l("乡镇街道"),
}


def place_hints(values: dict[str, Any]) -> list[dict[str, Any]]:
    """For a county or township filter that names no place with documents: what
    the reader may have meant (平潭 → 平潭县), and the level it is found at."""
    hints = []
    for level, label in PLACE_FILTERS.items():
        name = values.get(level)
        if not name or place_exists(level=level, name=name):
            continue
        other = place_level_of(name)
        hints.append(
            {
                "param": level,
                "label": label,
                "name": name,
                "suggestions": similar_place_names(level=level, name=name),
                "other_level": other,
                "other_label": LEVEL_NAMES.get(other, ""),
            }
        )
    return hints
