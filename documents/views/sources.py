"""The coverage pages: every harvested source, and one source's runs, failures
and withdrawn documents (documents/harvest/coverage.py)."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from documents.harvest.coverage import (
    UnknownSource,
    all_sources,
    failing_urls,
    source_coverage,
    withdrawn_documents,
)
from documents.views.params import ORPHANS
from plansite.http import read_only

FAILURES_PER_PAGE = 50
WITHDRAWN_PER_PAGE = 50
# Parameters of the two paged lists on a source's page.
FAILURES_PAGE = "page"
WITHDRAWN_PAGE = "withdrawn_page"


def _page(paginator: Paginator, raw: str | None) -> Page:
    """The page asked for; a bad or too large number gives the nearest one."""
    try:
        number = int(raw or 1)
    except ValueError:
        number = 1
    return paginator.page(min(max(1, number), paginator.num_pages))


@read_only
def source_list(request: HttpRequest) -> HttpResponse:
    """/sources/: each harvested source with its latest run's figures."""
    return render(request, "documents/sources.html", {"sources": all_sources()})


@read_only
def source_detail(request: HttpRequest, name: str) -> HttpResponse:
    """/sources/<name>/: one source's coverage, its failing URLs with their
    reasons (paged), its withdrawn documents (paged) and its runs."""
    try:
        coverage = source_coverage(name)
    except UnknownSource:
        raise Http404(_("没有名为“%(name)s”的采集来源。") % {"name": name}) from None
    failures = _page(
        Paginator(failing_urls(name), FAILURES_PER_PAGE, orphans=ORPHANS),
        request.GET.get(FAILURES_PAGE),
    )
    withdrawn = _page(
        Paginator(withdrawn_documents(name), WITHDRAWN_PER_PAGE, orphans=ORPHANS),
        request.GET.get(WITHDRAWN_PAGE),
    )
    context = {
        "coverage": coverage,
        "latest": coverage.latest,
        "failures": failures,
        "withdrawn": withdrawn,
        "withdrawn_page_param": WITHDRAWN_PAGE,
    }
    return render(request, "documents/source_detail.html", context)
