"""The results page and /api/search as a visitor sees them, including bad input."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from documents.models import Document
from search.normalise import fold
from tests.conftest import import_samples

pytestmark = [pytest.mark.django_db, pytest.mark.search]


@pytest.fixture
def archive(search_index, seeds_dir: Path, corpus_dir: Path) -> None:
    import_samples(seeds_dir, corpus_dir)


def substring_ids(term: str, **filters: str) -> set[int]:
    return {
        d.pk
        for d in Document.objects.filter(**filters)
        # Issue 17: searches fold by default (發展 is 发展), so the scan does too.
        if fold(term) in fold(f"{d.title}\n{d.body}")
    }


@pytest.mark.parametrize("term", ["乡村振兴", "小微企业", "美丽城镇", "专精特新", "水"])
def test_api_hits_agree_with_a_substring_scan(client, archive, term: str) -> None:
    data = client.get("/api/search", {"q": term, "page_size": 100}).json()
    assert {r["id"] for r in data["results"]} == substring_ids(term)
    assert data["total"] == len(substring_ids(term))


def test_api_filters_and_facets(client, archive) -> None:
    data = client.get(
        "/api/search", {"q": "发展", "county": "平潭县", "page_size": 100}
    ).json()
    assert {r["id"] for r in data["results"]} == substring_ids("发展", county="平潭县")
    assert all(r["county"] == "平潭县" for r in data["results"])
    counties = {f["value"]: f["count"] for f in data["facets"]["county"]}
    assert counties == {"平潭县": data["total"]}
    first = data["results"][0]
    for key in (
        "id", "index_no", "title", "issuer", "township", "county", "city",
        "province", "plan_year", "doc_date", "url", "snippet_html",
    ):  # fmt: skip
        assert key in first
    assert "<mark>发展</mark>" in first["snippet_html"]


def test_national_documents_facet_and_filter_under_quanguo(
    client, archive, corpus_dir: Path
) -> None:
    call_command(
        "import_plans",
        str(corpus_dir / "national-reports"),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    # Issue 13: national documents have no region; search shows them as 全国.
    national = set(
        Document.objects.filter(level=Document.Level.NATIONAL).values_list(
            "pk", flat=True
        )
    )
    assert national
    data = client.get("/api/search", {"q": "发展", "page_size": 100}).json()
    provinces = {f["value"]: f["count"] for f in data["facets"]["province"]}
    assert provinces["全国"] == len(national & substring_ids("发展"))
    data = client.get(
        "/api/search", {"q": "发展", "province": "全国", "page_size": 100}
    ).json()
    assert {r["id"] for r in data["results"]} == national & substring_ids("发展")


def test_year_range_filter(client, archive) -> None:
    data = client.get(
        "/api/search", {"year_from": 2020, "year_to": 2021, "page_size": 100}
    ).json()
    expected = set(
        Document.objects.filter(plan_year__range=(2020, 2021)).values_list(
            "pk", flat=True
        )
    )
    assert {r["id"] for r in data["results"]} == expected


def test_results_page_shows_hits_facets_and_marks(client, archive) -> None:
    page = client.get("/search/", {"q": "专精特新"}).content.decode()
    assert "东塍镇2020年工作计划" in page
    assert "<mark>专精特新</mark>" in page
    assert "township=%E4%B8%9C%E5%A1%8D%E9%95%87" in page  # facet link to 东塍镇


def test_document_page_marks_every_occurrence(client, archive) -> None:
    doc = Document.objects.get(index_no="LH331082-074/2021-108413")
    page = client.get(f"/documents/{doc.pk}/", {"q": "专精特新"}).content.decode()
    expected = doc.body.count("专精特新")
    assert page.count('<mark id="hit-') == expected
    assert f'id="hit-{expected}"' in page
    assert "出现 2 处" in page


@pytest.mark.parametrize(
    "params",
    [
        {"q": '"乡村振兴'},
        {"q": "-"},
        {"q": "AND OR"},
        {"q": "乡" * 10_000},
        {"q": "乡村\x00振兴\x07"},
        {"q": "<script>alert(1)</script>"},
        {"q": "乡村振兴", "page": "abc"},
        {"q": "乡村振兴", "page": "99999"},
        {"q": "乡村振兴", "page": "-3"},
        {"year_from": "abc", "year_to": "20x"},
        {"year_from": "2025", "year_to": "2001"},
        {"sort": "'; DROP TABLE"},
        {"township": "<b>x</b>" * 50},
        {"page_size": "100000"},
    ],
)
def test_bad_parameters_never_give_a_server_error(client, archive, params) -> None:
    response = client.get("/search/", params)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "<b>x</b>" not in page
    api = client.get("/api/search", params)
    assert api.status_code in (200, 400)
    assert "error" in api.json() or "results" in api.json()


def test_hostile_query_gets_a_helpful_message(client, archive) -> None:
    page = client.get("/search/", {"q": "AND OR"}).content.decode()
    assert "运算符" in page
    api = client.get("/api/search", {"q": "乡" * 10_000})
    assert api.status_code == 400
    assert "过长" in api.json()["error"]


def test_out_of_range_page_shows_the_last_page(client, archive) -> None:
    data = client.get("/api/search", {"page": 500, "page_size": 2}).json()
    assert data["page"] == data["num_pages"]
    assert data["results"]


def test_title_matches_are_marked_and_links_keep_the_query(client, archive) -> None:
    page = client.get("/search/", {"q": "周巷镇"}).content.decode()
    assert "<mark>周巷镇</mark>" in page
    data = client.get("/api/search", {"q": "周巷镇"}).json()
    assert data["total"] and all(
        "<mark>周巷镇</mark>" in r["title_html"] or "<mark>" in r["snippet_html"]
        for r in data["results"]
    )
    # The document link carries the query as typed, quotes and all.
    data = client.get("/api/search", {"q": '"中小 企业" OR 发展'}).json()
    assert data["results"][0]["url"].endswith(
        "?q=%22%E4%B8%AD%E5%B0%8F+%E4%BC%81%E4%B8%9A%22+OR+%E5%8F%91%E5%B1%95"
    )


def test_filter_form_keeps_every_other_filter(client, archive) -> None:
    page = client.get(
        "/search/",
        {"q": "发展", "issuer": "国务院", "province": "浙江省", "page_size": 50},
    ).content.decode()
    for name, value in (
        ("issuer", "国务院"),
        ("province", "浙江省"),
        ("page_size", "50"),
    ):
        assert f'name="{name}" value="{value}"' in page
    assert "发布机构：国务院" in page  # a chip to remove it


@pytest.mark.parametrize("q", ["美丽\u3000城镇", "美丽\x00城镇", "美丽\u200b城镇"])
def test_invisible_and_wide_spaces_separate_words(client, archive, q) -> None:
    """The page, the API and the document page read the query alike."""
    both = substring_ids("美丽") & substring_ids("城镇")
    api = client.get("/api/search", {"q": q, "page_size": 100}).json()
    assert {r["id"] for r in api["results"]} == both
    assert len(both) > len(substring_ids("美丽城镇"))


def test_spaces_inside_quotes_are_matched_as_written(client, archive) -> None:
    doc = Document.objects.first()
    Document.objects.filter(pk=doc.pk).update(body=doc.body + "丽\t城镇与美丽  城镇")
    from search.services import index_documents

    index_documents([doc.pk])
    for phrase in ("丽\t城镇", "美丽  城镇"):
        data = client.get("/api/search", {"q": f'"{phrase}"'}).json()
        assert {r["id"] for r in data["results"]} == substring_ids(phrase) == {doc.pk}


def test_unbalanced_quote_is_searched_and_noted(client, archive) -> None:
    data = client.get("/api/search", {"q": '"美丽城镇'}).json()
    assert data["total"] == len(substring_ids("美丽城镇"))
    assert any("引号" in m for m in data["messages"])


def test_browsing_lists_newest_first_and_says_so(client, archive) -> None:
    page = client.get("/search/").content.decode()
    assert '<option value="newest" selected>' in page
