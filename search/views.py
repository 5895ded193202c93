"""The search results page; /api/search (search/api.py) shares its builder."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from documents import fields as metadata
from documents.forms import AVAILABILITY_LABELS
from documents.places import place_hints
from plansite.http import read_only
from search.facet_links import facet_choices
from search.forms import DEFAULT_PAGE_SIZE, parse_search_params
from search.payloads import ordered_facets
from search.results import run_search

# The facets the page shows, in this order, labelled as the field registry
# labels them. (National documents have no province: they are counted under 全国.)
FACET_LABELS = {
    name: metadata.label(name)
    for name in (
        "province",
        "township",
        "county",
        "plan_year",
        "category",
        "issuer",
        "availability",
    )
}
# Facets whose values are codes, shown by their labels (online → 在线).
FACET_VALUE_LABELS = {"availability": AVAILABILITY_LABELS}
# Facets whose values are long or many show the first of them.
FACET_SHOWN = 15


@read_only
def search_page(request: HttpRequest) -> HttpResponse:
    form, params = parse_search_params(request.GET)
    outcome = run_search(params)
    facets = [
        {
            "name": name,
            "label": FACET_LABELS[name],
            "choices": facet_choices(
                name,
                values if name == "plan_year" else values[:FACET_SHOWN],
                filters=params.filters,
                data=request.GET,
                labels=FACET_VALUE_LABELS.get(name),
            ),
        }
        for name, values in ordered_facets(outcome).items()
        if values and name in FACET_LABELS
    ]
    context = {
        "form": form,
        "params": params,
        "outcome": outcome,
        "page": outcome.page,
        "rows": outcome.rows,
        "facets": facets,
        "default_page_size": DEFAULT_PAGE_SIZE,
        "place_hints": place_hints(
            {"county": params.filters.county, "township": params.filters.township}
        ),
    }
    # The filters appear twice (beside the results, and folded above them on a
    # phone); render them once.
    context["facets_html"] = render_to_string(
        "search/_facets.html", context, request=request
    )
    return render(request, "search/results.html", context)
