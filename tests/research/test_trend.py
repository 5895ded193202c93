"""Trend counts agree exactly with a substring scan of the database."""

from __future__ import annotations

import csv
import io
from collections import Counter

import pytest

from documents.models import Document
from research.corpus import count_occurrences, find_occurrences, query_terms
from research.trend import Split, trend
from search.services import SearchFilters
from tests.research.conftest import occurrences, scan, text_of

pytestmark = [pytest.mark.django_db, pytest.mark.search]


def test_occurrences_count_every_start_with_ascii_case_folded() -> None:
    assert find_occurrences("哈哈哈", ["哈哈"]) == [(0, "哈哈"), (1, "哈哈")]
    assert count_occurrences("GDP 与 gdp、Gdp", ["gdp"]) == 3
    assert find_occurrences("中小微企业", ["小微企业", "中小微企业"]) == [
        (0, "中小微企业"),
        (1, "小微企业"),
    ]
    # Both spellings match the same places: counted once.
    assert query_terms("GDP OR gdp") == ["GDP"]
    assert query_terms("水 -污水") == ["水"]
    assert query_terms("") == []


def _by_year(documents: list[Document], term: str) -> tuple[Counter, Counter]:
    docs: Counter = Counter()
    found: Counter = Counter()
    for d in documents:
        docs[d.plan_year] += 1
        found[d.plan_year] += occurrences(text_of(d), term)
    return docs, found


@pytest.mark.parametrize("term", ["乡村振兴", "发展", "水", "ct"])
def test_counts_per_year_agree_with_a_substring_scan(archive, term: str) -> None:
    result = trend(query=term, filters=SearchFilters())
    docs, found = _by_year(scan(term), term)
    archive_years = Counter(Document.objects.values_list("plan_year", flat=True))
    assert docs, "the term must occur somewhere"
    rows = {row.year: row for row in result.total.rows}
    for year in set(archive_years) | set(rows):
        row = rows[year]
        assert row.documents == docs[year], year
        assert row.occurrences == found[year], year
        assert row.archive == archive_years[year], year
        if row.archive:
            assert row.documents_share == docs[year] / archive_years[year]
            assert row.occurrences_per_document == found[year] / archive_years[year]
    assert result.total.documents == sum(docs.values())
    assert result.total.occurrences == sum(found.values())
    # Years between the first and the last are all listed, empty or not.
    assert result.years == list(range(min(result.years), max(result.years) + 1))


def test_boolean_query_and_filters(archive) -> None:
    result = trend(query="美丽城镇 OR 小城市", filters=SearchFilters(county="平潭县"))
    pingtan = Document.objects.filter(county="平潭县")
    expected = [
        d for d in pingtan if "美丽城镇" in text_of(d) or "小城市" in text_of(d)
    ]
    got = {row.year: row.documents for row in result.total.rows}
    assert sum(got.values()) == len(expected)
    for year, count in Counter(d.plan_year for d in expected).items():
        assert got[year] == count
    archive_years = Counter(pingtan.values_list("plan_year", flat=True))
    assert {r.year: r.archive for r in result.total.rows if r.archive} == dict(
        archive_years
    )


def test_split_by_township_has_at_most_five_lines(archive) -> None:
    result = trend(query="发展", filters=SearchFilters(), split=Split.TOWNSHIP)
    matching = scan("发展")
    townships = Counter(d.township for d in matching if d.township)
    assert 1 < len(result.series) <= 6
    ranked = sorted(townships, key=lambda t: (-townships[t], t))
    assert [s.place for s in result.series[1:]] == ranked[:5]
    for line in result.series[1:]:
        docs, found = _by_year(
            [d for d in matching if d.township == line.place], "发展"
        )
        archive_years = Counter(
            Document.objects.filter(township=line.place).values_list(
                "plan_year", flat=True
            )
        )
        for row in line.rows:
            assert row.documents == docs[row.year]
            assert row.occurrences == found[row.year]
            assert row.archive == archive_years[row.year]
    fewer = trend(query="发展", filters=SearchFilters(), split=Split.COUNTY, lines=1)
    assert len(fewer.series) == 2


def test_csv_download_of_the_numbers(client, archive) -> None:
    response = client.get("/api/trend", {"q": "乡村振兴", "format": "csv"})
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    docs, found = _by_year(scan("乡村振兴"), "乡村振兴")
    for row in rows:
        year = int(row["plan_year"]) if row["plan_year"] else None
        assert int(row["matching_documents"]) == docs[year]
        assert int(row["occurrences"]) == found[year]


def test_page_shows_an_accessible_table_and_the_chart_data(client, archive) -> None:
    page = client.get("/research/trend/", {"q": "乡村振兴", "split": "county"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "<caption>" in html and 'scope="row"' in html
    assert 'id="trend-data"' in html
    assert "vendor/echarts/echarts.min.js" in html
    assert "平潭县" in html


def test_a_filter_matching_nothing_counts_nothing(archive) -> None:
    result = trend(query="发展", filters=SearchFilters(county="没有这个县"))
    assert result.total.documents == 0
    assert result.total.archive == 0
    assert result.years == []


@pytest.mark.parametrize("term", ["乡村振兴 OR 发展", "水", "GDP"])
def test_index_counts_equal_the_text_scan_fallback(archive, term, monkeypatch):
    """With an engine that cannot count (Elasticsearch), trend reads the texts;
    both ways give the same numbers."""
    from_index = trend(query=term, filters=SearchFilters(), split=Split.COUNTY)
    monkeypatch.setattr("search.selection.matching_columns", lambda **kw: None)
    from_texts = trend(query=term, filters=SearchFilters(), split=Split.COUNTY)
    assert from_index == from_texts
