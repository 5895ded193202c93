"""Compare: year counts from the database, characteristic words without noise."""

from __future__ import annotations

from collections import Counter

import pytest

from documents.models import Document
from research.compare import (
    Level,
    compare,
    is_content_word,
    log_likelihood,
    stop_words,
)
from search.services import SearchFilters
from tests.research.conftest import scan

pytestmark = [pytest.mark.django_db, pytest.mark.search]


def test_content_words() -> None:
    for word in ("乡村振兴", "海坛", "污水", "QQ"):
        assert is_content_word(word), word
    for word in (
        "水",
        "我们",
        "2021",
        "2021年",
        "三个",
        "十四",
        "一是",
        "、、",
        "３０",
    ):
        assert not is_content_word(word), word
    assert "我们" in stop_words()


def test_log_likelihood() -> None:
    assert log_likelihood(0, 0, 100, 100) == 0
    assert log_likelihood(10, 10, 100, 100) == pytest.approx(0)
    assert log_likelihood(30, 5, 1000, 1000) > log_likelihood(20, 5, 1000, 1000) > 0


def _two_townships() -> list[str]:
    counts = Counter(
        Document.objects.exclude(township="").values_list("township", flat=True)
    )
    return [name for name, _ in counts.most_common(2)]


def test_year_counts_and_keywords(archive) -> None:
    places = _two_townships()
    assert len(places) == 2
    result = compare(
        query="", filters=SearchFilters(), level=Level.TOWNSHIP, places=places
    )
    assert [p.name for p in result.places] == places
    for place in result.places:
        expected = Counter(
            Document.objects.filter(township=place.name).values_list(
                "plan_year", flat=True
            )
        )
        assert place.years == dict(expected)
        assert place.documents == sum(expected.values())
        assert place.keywords, place.name
        for keyword in place.keywords:
            assert is_content_word(keyword.word)
            assert keyword.score > 0
        scores = [k.score for k in place.keywords]
        assert scores == sorted(scores, reverse=True)
    # What is typical of one place is not typical of the other.
    first, second = ({k.word for k in p.keywords} for p in result.places)
    assert not first & second


def test_with_a_query_counts_only_matching_documents(archive) -> None:
    places = _two_townships()
    result = compare(
        query="发展", filters=SearchFilters(), level=Level.TOWNSHIP, places=places
    )
    for place in result.places:
        expected = Counter(d.plan_year for d in scan("发展", township=place.name))
        assert place.years == dict(expected)


def test_page_and_api(client, archive) -> None:
    places = _two_townships()
    page = client.get("/research/compare/", {"level": "township", "place": places})
    assert page.status_code == 200
    html = page.content.decode()
    assert all(name in html for name in places)
    assert "/research/kwic/?q=" in html
    data = client.get("/api/compare", {"place": places}).json()
    assert [p["name"] for p in data["places"]] == places
    assert data["places"][0]["keywords"][0]["log_likelihood"] > 0
    one = client.get("/api/compare", {"place": places[:1]})
    assert one.status_code == 400
    assert "error" in one.json()


def test_unknown_repeated_and_wrong_level_places_are_named(client, archive) -> None:
    known = _two_townships()[0]
    page = client.get("/research/compare/", {"place": ["火星镇", known]})
    html = page.content.decode()
    assert "没有找到名为“火星镇”的乡镇街道" in html
    # Nothing is compared, so no \"据 0 篇文档\" and G² 0.0 columns.
    assert "compare-table" not in html
    same = client.get("/research/compare/", {"place": [known, known]}).content.decode()
    assert f"“{known}”填了不止一次" in same
    assert "请至少填写 2 个不同的地方" in same
    county = Document.objects.exclude(county="").values_list("county", flat=True)[0]
    wrong = client.get(
        "/research/compare/", {"level": "township", "place": [county, known]}
    ).content.decode()
    assert f"“{county}”是区县，请把比较层级改为“区县”" in wrong
    stem = county[:-1]
    hint = client.get(
        "/research/compare/", {"level": "county", "place": [stem, county]}
    ).content.decode()
    assert f"您要找的是不是：{county}" in hint
    # The API says the same, as a 400.
    response = client.get("/api/compare", {"place": ["火星镇", known]})
    assert response.status_code == 400
    assert "火星镇" in response.json()["error"]


def test_place_suggestions_follow_the_level(client, archive) -> None:
    html = client.get("/research/compare/", {"level": "county"}).content.decode()
    assert 'list="places-county"' in html
    for level in ("township", "county"):
        names = set(
            Document.objects.exclude(**{level: ""}).values_list(level, flat=True)
        )
        datalist = html.split(f'<datalist id="places-{level}">', 1)[1].split(
            "</datalist>"
        )[0]
        assert all(f'<option value="{name}">' in datalist for name in names)
