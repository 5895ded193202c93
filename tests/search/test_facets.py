"""The results page's facets (province, township, county, year, category,
issuer): each value's count is what picking it lists, and each result shows
its issuer."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command

from documents.models import Document
from search.services import FACET_FIELDS
from tests.conftest import import_samples

pytestmark = [pytest.mark.django_db, pytest.mark.search, pytest.mark.slow]

QUERY = "发展"


@pytest.fixture
def archive(search_index, seeds_dir: Path, corpus_dir: Path) -> None:
    import_samples(seeds_dir, corpus_dir)
    call_command(
        "import_plans",
        str(corpus_dir / "national-reports"),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )


def _page(client, url: str, data: dict | None = None) -> BeautifulSoup:  # noqa: ANN001
    response = client.get(url, data or {})
    assert response.status_code == 200
    return BeautifulSoup(response.content.decode(), "html.parser")


def _total(soup: BeautifulSoup) -> int:
    text = soup.select_one(".result-count").get_text()
    return int(text.split("共", 1)[1].split("篇", 1)[0])


def test_issuer_and_province_are_facets_of_the_page_and_the_api(client, archive):
    assert {"issuer", "province"} <= set(FACET_FIELDS)
    data = client.get("/api/search", {"q": QUERY, "page_size": 100}).json()
    issuers = {f["value"]: f["count"] for f in data["facets"]["issuer"]}
    provinces = {f["value"]: f["count"] for f in data["facets"]["province"]}
    assert issuers and provinces
    # Every facet counts what its filter lists.
    everyone = Document.objects.filter(pk__in=[r["id"] for r in data["results"]])
    assert data["total"] == len(data["results"])
    for issuer, count in issuers.items():
        assert everyone.filter(issuer=issuer).count() == count
    # National documents are counted under 全国, as the filter takes them.
    assert provinces.get("全国")
    soup = _page(client, "/search/", {"q": QUERY})
    shown = {
        details["class"][1].removeprefix("facet-")
        for details in soup.select(".facets-side details.facet")
    }
    assert {"province", "issuer", "county", "plan_year", "category"} <= shown


def test_each_facet_value_lists_exactly_its_count(client, archive) -> None:
    soup = _page(client, "/search/", {"q": QUERY})
    total = _total(soup)
    checked = 0
    for details in soup.select(".facets-side details.facet"):
        name = details["class"][1].removeprefix("facet-")
        for item in details.select("li")[:4]:
            link = item.select_one("a")
            count = int(item.select_one("small").get_text().strip("()"))
            picked = _page(client, "/search/" + link["href"])
            assert _total(picked) == count, (name, link.get_text())
            assert count <= total
            # The picked value is marked, and its link drops it again.
            current = picked.select_one(
                f".facets-side .facet-{name} a[aria-current='true']"
            )
            assert current is not None and link.get_text() in current.get_text()
            assert _total(_page(client, "/search/" + current["href"])) == total
            checked += 1
    assert checked >= 12


def test_every_result_shows_its_issuer(client, archive) -> None:
    soup = _page(client, "/search/", {"q": QUERY, "page_size": 50})
    hits = soup.select("article.hit")
    assert len(hits) == 50
    for hit in hits:
        document = Document.objects.get(
            pk=int(hit.select_one("h2 a")["href"].split("/")[2])
        )
        issuer = hit.select_one(".hit-issuer")
        if document.issuer:
            assert issuer is not None and issuer.get_text() == document.issuer
        else:
            assert issuer is None
    assert sum(1 for hit in hits if hit.select_one(".hit-issuer")) >= 40
