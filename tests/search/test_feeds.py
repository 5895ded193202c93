"""/search/feed/: the Atom feed of a search's newest matches, read as a feed
reader reads it (xml.etree). Which documents match is search/textmatch.py's
plain scan; "newest" is the import time."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from documents.models import Document
from documents.texts import searchable_fields
from search import feeds
from search.query import parse_query
from search.textmatch import matches
from tests.conftest import import_samples

pytestmark = [pytest.mark.django_db, pytest.mark.search]

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def archive(search_index, seeds_dir: Path, corpus_dir: Path) -> None:
    import_samples(seeds_dir, corpus_dir)


def newest_by_scan(query: str, limit: int, **filters: str) -> list[int]:
    node = parse_query(query)
    found = [
        d
        for d in Document.objects.filter(**filters)
        if matches(searchable_fields(d), node)
    ]
    found.sort(key=lambda d: (d.imported_at, d.pk), reverse=True)
    return [d.pk for d in found[:limit]]


def read_feed(client, params: dict) -> ET.Element:  # noqa: ANN001
    response = client.get("/search/feed/", params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/atom+xml")
    return ET.fromstring(response.content)


def entry_ids(feed: ET.Element) -> list[int]:
    ids = []
    for entry in feed.findall(f"{ATOM}entry"):
        guid = entry.findtext(f"{ATOM}id")
        ids.append(int(re.fullmatch(r"http://testserver/documents/(\d+)/", guid)[1]))
    return ids


def test_the_feed_lists_the_newest_matches_with_their_own_dates(
    client, archive, monkeypatch
) -> None:
    term = "发展"
    # Import times that differ from the id order: the oldest rows imported last.
    documents = list(Document.objects.order_by("pk"))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for index, document in enumerate(documents):
        stamp = start + timedelta(hours=(index * 37) % len(documents))
        Document.objects.filter(pk=document.pk).update(imported_at=stamp)
    monkeypatch.setattr(feeds, "FEED_SIZE", 10)

    feed = read_feed(client, {"q": term})
    expected = newest_by_scan(term, 10)
    assert len(newest_by_scan(term, 1000)) > 10
    assert entry_ids(feed) == expected
    assert term in feed.findtext(f"{ATOM}title")
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert urlsplit(links["alternate"]).path == "/search/"
    assert parse_qs(urlsplit(links["self"]).query) == {"q": [term]}

    by_id = Document.objects.in_bulk(expected)
    for entry, pk in zip(feed.findall(f"{ATOM}entry"), expected, strict=True):
        document = by_id[pk]
        assert entry.findtext(f"{ATOM}title") == document.title
        link = entry.find(f"{ATOM}link").get("href")
        assert urlsplit(link).path == f"/documents/{pk}/"
        assert parse_qs(urlsplit(link).query) == {"q": [term]}
        assert entry.findtext(f"{ATOM}author/{ATOM}name", "") == document.issuer
        # updated is when the archive last changed the document; published
        # when it was imported.
        updated = datetime.fromisoformat(entry.findtext(f"{ATOM}updated"))
        assert updated == document.updated_at
        published = datetime.fromisoformat(entry.findtext(f"{ATOM}published"))
        assert published == document.imported_at
        summary = entry.findtext(f"{ATOM}summary")
        for label, value in (
            ("成文日期", document.doc_date),
            ("发布日期", document.publish_date),
        ):
            if value:
                assert f"{label}：{value.isoformat()}" in summary
            else:
                assert label not in summary
        assert f"<mark>{term}</mark>" in summary


def test_filters_and_the_form_switch_travel_with_the_feed(client, archive) -> None:
    term, county = "乡村振兴", "平潭县"
    feed = read_feed(client, {"q": term, "county": county, "form": "exact"})
    assert entry_ids(feed) == newest_by_scan(term, 50, county=county)
    assert entry_ids(feed)
    self_link = next(
        link.get("href")
        for link in feed.findall(f"{ATOM}link")
        if link.get("rel") == "self"
    )
    assert parse_qs(urlsplit(self_link).query) == {
        "q": [term],
        "county": [county],
        "form": ["exact"],
    }
    # The same entry has the same id in every feed that lists it.
    other = read_feed(client, {"q": "发展", "county": county})
    assert set(entry_ids(feed)) <= set(entry_ids(other))


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("link", "a"):
            self.found.append({"tag": tag, **dict(attrs)})


def test_the_results_page_links_its_feed(client, archive) -> None:
    page = client.get("/search/", {"q": "乡村振兴", "county": "平潭县", "page": 2})
    parser = _Links()
    parser.feed(page.content.decode())
    alternate = [
        link
        for link in parser.found
        if link["tag"] == "link" and link.get("type") == "application/atom+xml"
    ]
    assert len(alternate) == 1
    href = alternate[0]["href"]
    assert urlsplit(href).path == "/search/feed/"
    # The query and filters, not the page of results.
    assert parse_qs(urlsplit(href).query) == {"q": ["乡村振兴"], "county": ["平潭县"]}
    visible = [a for a in parser.found if a["tag"] == "a" and a.get("href") == href]
    assert visible, "no visible 订阅 link"
    assert client.get(href).status_code == 200


def test_a_bad_query_or_parameter_is_a_400_that_says_why(client, archive) -> None:
    too_long = client.get("/search/feed/", {"q": "乡" * 500})
    assert too_long.status_code == 400
    assert "过长" in too_long.content.decode()
    bad_year = client.get("/search/feed/", {"q": "发展", "year_from": "abc"})
    assert bad_year.status_code == 400
    assert "year_from" in bad_year.content.decode()
    # A search page with an error offers no feed.
    page = client.get("/search/", {"q": "乡" * 500}).content.decode()
    assert "application/atom+xml" not in page
    assert client.head("/search/feed/", {"q": "发展"}).status_code == 200
    assert client.post("/search/feed/", {"q": "发展"}).status_code == 405


def test_entries_link_and_mark_as_the_results_page_does(client, archive) -> None:
    # An entry's link keeps form= and near= (the document page then marks
    # what the search counted), and its snippet marks what the results page
    # marks: a title-only term is not marked in the body.
    params = {"q": "乡村振兴 产业", "near": "s", "form": "exact"}
    feed = read_feed(client, params)
    assert entry_ids(feed)
    for entry in feed.findall(f"{ATOM}entry"):
        link = entry.find(f"{ATOM}link").get("href")
        assert parse_qs(urlsplit(link).query) == {k: [v] for k, v in params.items()}

    term = "工作计划"
    feed = read_feed(client, {"q": f"标题:{term}"})
    assert entry_ids(feed) == newest_by_scan(f"标题:{term}", 50)
    summaries = [e.findtext(f"{ATOM}summary") for e in feed.findall(f"{ATOM}entry")]
    # The old feed marked the term wherever a body held it.
    found = Document.objects.in_bulk(entry_ids(feed)).values()
    assert found
    assert any(
        searchable_fields(d)[""].count(term) > d.title.count(term) for d in found
    )
    assert not any("<mark>" in s for s in summaries)
