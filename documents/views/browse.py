"""Browse by region (province → city → county → township) and by plan year."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.generic import TemplateView

from documents.models import Document
from documents.selectors import (
    LEVELS,
    ListSort,
    region_children,
    region_documents,
    region_own_documents,
    region_total,
    undated_count,
    with_selected,
    year_counts,
    year_record,
)
from documents.views.lists import LIST_FILTERS, FilteredListView
from documents.views.places import crumbs, document_place, parse_place, place_url

LEVEL_LABELS = {
    "province": _l("省份"),
    "city": _l("地市"),
    "county": _l("区县"),
    "township": _l("乡镇街道"),
}


class RegionView(FilteredListView):
    """One level of the region tree: the places below it, and its own documents.

    A township lists all its documents by plan year with a bar of the record;
    a county (or any level) lists the documents placed at it and no lower,
    such as county-level plans.
    """

    def setup(self, request, *args, **kwargs) -> None:  # noqa: ANN001
        super().setup(request, *args, **kwargs)
        place = kwargs.get("place")
        self.path: tuple[str, ...] = parse_place(place) if place else ()

    def get(self, request, *args, **kwargs):  # noqa: ANN001, ANN201
        if self.path and not region_total(path=self.path):
            raise Http404(_("这个地区还没有文档。"))
        return super().get(request, *args, **kwargs)

    @property
    def is_township(self) -> bool:
        return len(self.path) == len(LEVELS)

    def get_template_names(self) -> list[str]:
        if self.is_township:
            return ["documents/township.html"]
        return ["documents/region.html"]

    def base_queryset(self) -> QuerySet[Document]:
        return region_own_documents(path=self.path)

    def clean_params(self) -> None:
        if self.is_township and self.params.sort not in (None, ListSort.YEAR_ASC):
            # The township list is grouped by year, so it is ordered by year.
            self.params.sort = ListSort.YEAR_DESC

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        child_level = LEVELS[len(self.path)] if not self.is_township else ""
        children = [
            (child, place_url((*self.path, child.name)))
            for child in region_children(path=self.path)
        ]
        context.update(
            {
                "path": self.path,
                "place_name": self.path[-1] if self.path else "",
                "crumbs": crumbs(self.path),
                "children": children,
                "child_label": LEVEL_LABELS.get(child_level, ""),
                "total": region_total(path=self.path),
                "record": (
                    year_record(queryset=region_documents(path=self.path))
                    if len(self.path) >= 3
                    else None
                ),
            }
        )
        if self.is_township:
            context["sort_choices"] = [
                (value, label)
                for value, label in ListSort.choices
                if value in (ListSort.YEAR_DESC, ListSort.YEAR_ASC)
            ]
        return context


class YearIndexView(TemplateView):
    """A timeline of plan years with how many documents each has."""

    template_name = "documents/years.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        years = year_counts()
        peak = max((y.documents for y in years), default=0)
        decades: dict[int, list] = {}
        for year in years:
            decades.setdefault(year.year // 10 * 10, []).append(year)
        context.update(
            {
                "years": years,
                "decades": sorted(decades.items(), reverse=True),
                "peak": peak,
                "undated": undated_count(),
            }
        )
        return context


class YearView(FilteredListView):
    """One plan year's documents, grouped by region, filterable by province."""

    template_name = "documents/year.html"
    accept = LIST_FILTERS | {"province"}
    group_by_region = True

    def setup(self, request, *args, **kwargs) -> None:  # noqa: ANN001
        super().setup(request, *args, **kwargs)
        self.year = kwargs["year"]

    def fixed_filters(self) -> dict[str, Any]:
        return {"year": self.year}

    def base_queryset(self) -> QuerySet[Document]:
        return Document.objects.filter(plan_year=self.year)

    def get(self, request, *args, **kwargs):  # noqa: ANN001, ANN201
        if not self.base_queryset().exists():
            raise Http404(_("这一年度还没有文档。"))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        years = [y.year for y in year_counts()]
        position = years.index(self.year)
        context.update(
            {
                "groups": _region_groups(context["page_obj"].object_list),
                "year": self.year,
                "total": self.base_queryset().count(),
                # The chosen province stays a choice even with no documents this
                # year, or 应用 would drop the filter without a word.
                "provinces": with_selected(
                    self.facet("province"), self.params.values.get("province")
                ),
                "previous_year": years[position - 1] if position > 0 else None,
                "next_year": years[position + 1] if position + 1 < len(years) else None,
            }
        )
        return context


def _region_groups(documents) -> list[dict[str, Any]]:  # noqa: ANN001
    """Consecutive documents of one place (the list is ordered by region)."""
    groups: list[dict[str, Any]] = []
    for document in documents:
        path = document_place(document)
        if not groups or groups[-1]["path"] != path:
            groups.append(
                {
                    "path": path,
                    "label": " ".join(p for p in path if p) or _("无地方区划"),
                    "url": place_url(path) if path else "",
                    "documents": [],
                }
            )
        groups[-1]["documents"].append(document)
    return groups
