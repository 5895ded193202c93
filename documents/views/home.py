"""The home page: search, the archive in numbers, latest additions, ways in."""

from __future__ import annotations

from typing import Any

from django.views.generic import TemplateView

from documents.selectors import (
    archive_stats,
    latest_documents,
    region_children,
    year_counts,
)
from documents.views.places import place_url

RECENT_YEARS = 12


class HomeView(TemplateView):
    template_name = "documents/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        provinces = region_children(path=())
        years = year_counts()
        context.update(
            {
                "stats": archive_stats(),
                "latest": latest_documents(limit=8),
                "provinces": [(p, place_url((p.name,))) for p in provinces],
                "recent_years": list(reversed(years[-RECENT_YEARS:])),
                "more_years": len(years) > RECENT_YEARS,
            }
        )
        return context
