"""The list of every document, and the filtered-list base the browse pages share."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.views.generic import ListView

from documents.forms import AVAILABILITY_LABELS
from documents.models import Availability, Document
from documents.places import place_hints
from documents.selectors import (
    DocumentKind,
    ListSort,
    document_list,
    facet_counts,
    place_suggestions,
    with_selected,
)
from documents.views.params import PAGE_SIZE, UNDATED, paginate, parse_list_params

LIST_FILTERS = frozenset({"category", "kind", "review", "availability", "sort"})
FILTER_NAMES = (
    "province",
    "county",
    "township",
    "year",
    "kind",
    "category",
    "review",
    "availability",
)


def availability_choices(
    counts: list[tuple[str, int]], selected: str | None
) -> list[tuple[str, str, int]]:
    """(value, label, count) of the availability menu; empty while every
    document's is unknown (nothing harvested: the menu would say nothing)."""
    found = dict(counts)
    if not selected and set(found) <= {Availability.UNKNOWN.value}:
        return []
    return [
        (value, str(label), found.get(value, 0))
        for value, label in AVAILABILITY_LABELS.items()
    ]


class FilteredListView(ListView):
    """A paginated list whose filters and sort live in the query string."""

    paginate_by = PAGE_SIZE
    accept = LIST_FILTERS
    group_by_region = False
    # The page lists the whole archive (its menus' counts are cached).
    whole_archive = False

    def fixed_filters(self) -> dict[str, Any]:
        """Filters given by the URL path rather than the query string."""
        return {}

    def base_queryset(self) -> QuerySet[Document]:
        return Document.objects.all()

    def facet(self, name: str) -> list[tuple[Any, int]]:
        """A filter menu's values and counts under the page's other filters."""
        return facet_counts(
            filters=self.params.filters,
            name=name,
            base=None if self.whole_archive else self.base_queryset(),
        )

    def clean_params(self) -> None:
        """Adjust the parsed parameters to what this page can show."""

    def get_queryset(self) -> QuerySet[Document]:
        self.params = parse_list_params(
            self.request.GET, accept=self.accept, **self.fixed_filters()
        )
        self.clean_params()
        return document_list(
            filters=self.params.filters,
            sort=self.params.sort,
            base=self.base_queryset(),
            group_by_region=self.group_by_region,
        )

    def paginate_queryset(self, queryset, page_size):  # noqa: ANN001, ANN201
        page = paginate(queryset, self.params, per_page=page_size)
        return page.paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "params": self.params,
                "filter_values": self.params.values,
                "has_filters": any(name in self.params.values for name in FILTER_NAMES),
                "problems": self.params.problems,
                "sort": self.params.sort or ListSort.YEAR_DESC,
                "sort_choices": ListSort.choices,
                "kind_choices": DocumentKind.choices,
                "accept": self.accept,
                "categories": with_selected(
                    self.facet("category")[:30], self.params.values.get("category")
                ),
                "undated_value": UNDATED,
                # Offered once a harvest has found any page online or gone.
                "availability_choices": availability_choices(
                    self.facet("availability"), self.params.values.get("availability")
                ),
            }
        )
        return context


class DocumentListView(FilteredListView):
    """Every document, filterable by place (province, county, township), plan
    year (or year not known), kind, category and review."""

    template_name = "documents/document_list.html"
    accept = LIST_FILTERS | {"province", "county", "township", "year"}
    whole_archive = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        values = self.params.values
        filters = self.params.filters
        years = self.facet("year")
        year = values.get("year")
        context.update(
            {
                "provinces": with_selected(
                    self.facet("province"), values.get("province")
                ),
                # Narrowed by the chosen province, city, year ... (a county of
                # another province is no suggestion).
                "county_names": place_suggestions(filters=filters, level="county"),
                "township_names": place_suggestions(filters=filters, level="township"),
                "year_choices": with_selected(
                    [(y, n) for y, n in years if y is not None],
                    year if isinstance(year, int) else None,
                ),
                "undated": sum(n for y, n in years if y is None),
                "place_hints": place_hints(values),
            }
        )
        return context
