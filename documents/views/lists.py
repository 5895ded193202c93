"""The list of every document, and the filtered-list base the browse pages share."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.views.generic import ListView

from documents.models import Document
from documents.places import place_hints
from documents.selectors import (
    DocumentKind,
    ListSort,
    document_list,
    place_names,
    undated_count,
    value_counts,
    with_selected,
    year_counts,
)
from documents.views.params import PAGE_SIZE, UNDATED, paginate, parse_list_params

LIST_FILTERS = frozenset({"category", "kind", "review", "sort"})
FILTER_NAMES = ("province", "county", "township", "year", "kind", "category", "review")


class FilteredListView(ListView):
    """A paginated list whose filters and sort live in the query string."""

    paginate_by = PAGE_SIZE
    accept = LIST_FILTERS
    group_by_region = False

    def fixed_filters(self) -> dict[str, Any]:
        """Filters given by the URL path rather than the query string."""
        return {}

    def base_queryset(self) -> QuerySet[Document]:
        return Document.objects.all()

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
                    value_counts(
                        queryset=self.base_queryset(), name="category", limit=30
                    ),
                    self.params.values.get("category"),
                ),
                "undated_value": UNDATED,
            }
        )
        return context


class DocumentListView(FilteredListView):
    """Every document, filterable by place (province, county, township), plan
    year (or year not known), kind, category and review."""

    template_name = "documents/document_list.html"
    accept = LIST_FILTERS | {"province", "county", "township", "year"}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        values = self.params.values
        context.update(
            {
                "provinces": with_selected(
                    value_counts(queryset=Document.objects.all(), name="province"),
                    values.get("province"),
                ),
                "county_names": place_names(level="county"),
                "township_names": place_names(
                    level="township", within={"county": values.get("county", "")}
                ),
                "year_choices": [
                    (y.year, y.documents) for y in reversed(year_counts())
                ],
                "undated": undated_count(),
                "place_hints": place_hints(values),
            }
        )
        return context
