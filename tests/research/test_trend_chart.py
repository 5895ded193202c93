"""The trend chart's axis is fitted to the years with matches (issue 17): a
term that appears from 2018 is not drawn on 1954-2025. Which documents match
is search/textmatch.py's plain scan."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest

from documents.models import Document
from documents.texts import searchable_fields
from research.views import CHART_PADDING_YEARS
from search.query import parse_query
from search.textmatch import matches

pytestmark = [pytest.mark.django_db, pytest.mark.search]


def chart_of(client, params: dict) -> dict:  # noqa: ANN001
    html = client.get("/research/trend/", params).content.decode()
    found = re.search(
        r'<script id="trend-data" type="application/json">(.*?)</script>', html, re.S
    )
    assert found, "no chart data on the page"
    return json.loads(unescape(found[1]))


def years_with_matches(query: str, **filters: str) -> set[int]:
    node = parse_query(query)
    return {
        d.plan_year
        for d in Document.objects.filter(**filters)
        if d.plan_year is not None and matches(searchable_fields(d), node)
    }


@pytest.mark.parametrize("split", ["", "county", "township"])
def test_the_axis_spans_the_years_with_matches_padded(client, archive, split) -> None:
    term = "乡村振兴"
    found = years_with_matches(term)
    archive_years = set(
        Document.objects.exclude(plan_year=None).values_list("plan_year", flat=True)
    )
    # The archive runs far wider than the term: the old axis.
    assert min(archive_years) < min(found) - CHART_PADDING_YEARS
    chart = chart_of(client, {"q": term, "split": split})
    first = max(min(found) - CHART_PADDING_YEARS, min(archive_years))
    last = min(max(found) + CHART_PADDING_YEARS, max(archive_years))
    assert chart["years"] == list(range(first, last + 1))
    assert chart["split"] == bool(split)
    for line in chart["series"]:
        assert len(line["documents"]) == len(chart["years"])
    # The whole set's line still counts every match on the axis.
    total = chart["series"][0]["documents"]
    matching = [
        d
        for d in Document.objects.exclude(plan_year=None)
        if matches(searchable_fields(d), parse_query(term))
    ]
    assert sum(v or 0 for v in total) == len(matching)


def test_a_term_everywhere_keeps_the_whole_range(client, archive) -> None:
    found = years_with_matches("发展")
    chart = chart_of(client, {"q": "发展"})
    assert chart["years"][0] <= min(found) and chart["years"][-1] >= max(found)


def test_no_match_keeps_the_archive_years(client, archive) -> None:
    chart = chart_of(client, {"q": "不存在的词语组合甲乙丙"})
    years = set(
        Document.objects.exclude(plan_year=None).values_list("plan_year", flat=True)
    )
    assert chart["years"] == list(range(min(years), max(years) + 1))
