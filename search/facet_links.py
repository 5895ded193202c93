"""The facet choices of a results page: each value, its count and the link that
picks it (or, when it is picked, drops it), keeping every other parameter."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.http import QueryDict

from search.request import YEAR_FIELD, SearchFilters

# A year facet picks one year: both ends of the range.
_YEAR_PARAMETERS = ("year_from", "year_to")


@dataclass(frozen=True)
class FacetChoice:
    value: Any
    count: int
    # The page with this value picked, or dropped when ``selected``.
    href: str
    selected: bool
    # What the page shows for a coded value (在线 for online); "" shows it as is.
    label: str = ""

    @property
    def shown(self) -> str:
        return self.label or str(self.value)


def is_selected(name: str, value: Any, filters: SearchFilters) -> bool:
    """Whether ``filters`` already pick ``value`` of the facet ``name``."""
    if name == YEAR_FIELD:
        return filters.year_from == value and filters.year_to == value
    return getattr(filters, name, None) == value


def facet_choices(
    name: str,
    values: Sequence[tuple[Any, int]],
    *,
    filters: SearchFilters,
    data: QueryDict,
    labels: Mapping[Any, Any] | None = None,
) -> list[FacetChoice]:
    """Each (value, count) of the facet ``name`` as a choice linking from ``data``
    (the page's GET parameters); the page number is dropped."""
    parameters = _YEAR_PARAMETERS if name == YEAR_FIELD else (name,)
    choices = []
    for value, count in values:
        selected = is_selected(name, value, filters)
        query = data.copy()
        query.pop("page", None)
        for parameter in parameters:
            query.pop(parameter, None)
            if not selected:
                query[parameter] = str(value)
        label = str(labels.get(value, "")) if labels else ""
        choices.append(
            FacetChoice(value, count, "?" + query.urlencode(), selected, label)
        )
    return choices
