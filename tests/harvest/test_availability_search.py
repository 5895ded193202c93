"""Availability (在线 / 已撤下 / 未知) as a filter and a facet: the search page,
the API, search_plans and the document lists give what a plain scan of the
database column gives, and the index follows documents_edited."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.utils import timezone

from documents.models import Availability, Document
from documents.signals import documents_edited
from search.services import index_documents
from tests.conftest import close_response
from tests.search.conftest import make_document

pytestmark = [pytest.mark.django_db, pytest.mark.search]

WORD = "乡村振兴"
STATES = [s.value for s in Availability]


def _seed() -> list[Document]:
    """Twelve documents: four of each availability, most with WORD, a few not."""
    now = timezone.now()
    made = []
    for n in range(12):
        state = STATES[n % 3]
        extra = {}
        if state == Availability.WITHDRAWN:
            extra = {"last_seen": now - timedelta(days=40), "withdrawn_at": now}
        elif state == Availability.ONLINE:
            extra = {"first_seen": now - timedelta(days=90), "last_seen": now}
        body = f"第{n}号文件。" + (f"推进{WORD}工作。" if n % 4 else "修缮道路。")
        made.append(
            make_document(
                f"东塍镇2021年工作计划之{n}",
                body,
                township="东塍镇",
                county="临海市",
                province="浙江省",
                plan_year=2021,
                availability=state,
                **extra,
            )
        )
    return made


def _api(client, **params) -> dict:  # noqa: ANN001
    response = client.get("/api/search", {"page_size": 100, **params})
    assert response.status_code == 200, response.content
    return response.json()


def _scan(state: str, word: str | None = None) -> set[int]:
    found = Document.objects.filter(availability=state)
    if word:
        found = found.filter(body__contains=word)
    return set(found.values_list("pk", flat=True))


@pytest.fixture
def archive(any_engine_index) -> list[Document]:
    made = _seed()
    index_documents([d.pk for d in made])
    return made


def test_each_availability_finds_what_the_database_column_holds(client, archive):
    for state in STATES:
        data = _api(client, q=WORD, availability=state)
        assert {hit["id"] for hit in data["results"]} == _scan(state, WORD), state
        assert data["total"] == len(_scan(state, WORD))
        assert {hit["availability"] for hit in data["results"]} == {state}
    # No filter: every availability, each counted in the facet as the scan does.
    data = _api(client, q=WORD)
    facet = {f["value"]: f["count"] for f in data["facets"]["availability"]}
    assert facet == {state: len(_scan(state, WORD)) for state in STATES}


def test_browsing_without_a_query_filters_too(client, search_index):
    made = _seed()
    index_documents([d.pk for d in made])
    for state in STATES:
        data = _api(client, availability=state)
        assert {hit["id"] for hit in data["results"]} == _scan(state)


def test_a_bad_value_is_a_400_in_the_api_and_ignored_on_the_page(client, archive):
    response = client.get("/api/search", {"q": WORD, "availability": "gone"})
    assert response.status_code == 400
    body = response.json()
    assert set(body["fields"]) == {"availability"}
    assert "availability" in body["error"]
    page = client.get("/search/", {"q": WORD, "availability": "gone"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "在线状态" in text and "已忽略" in text
    # The page searched without the filter: every document with the word.
    soup = BeautifulSoup(text, "html.parser")
    assert len(soup.select("article.hit")) == sum(len(_scan(s, WORD)) for s in STATES)


def test_the_page_shows_the_facet_with_labels_and_marks_withdrawn_hits(client, archive):
    soup = BeautifulSoup(
        client.get("/search/", {"q": WORD, "page_size": 100}).content.decode(),
        "html.parser",
    )
    facet = soup.select_one(".facets-side .facet-availability")
    assert facet is not None
    labels = {a.get_text(strip=True) for a in facet.select("a")}
    assert labels == {"在线", "已撤下", "未知（文件导入）"}
    withdrawn_link = next(a for a in facet.select("a") if "已撤下" in a.get_text())
    assert "availability=withdrawn" in withdrawn_link["href"]
    tagged = {
        int(a["href"].split("/documents/")[1].split("/")[0])
        for hit in soup.select("article.hit")
        if hit.select_one(".badge-withdrawn")
        for a in hit.select("h2 a")[:1]
    }
    assert tagged == _scan(Availability.WITHDRAWN, WORD)
    # Picked: a chip says so and removes it.
    picked = BeautifulSoup(
        client.get("/search/", {"q": WORD, "availability": "withdrawn"}).content,
        "html.parser",
    )
    chip = next(c for c in picked.select(".chip") if "在线状态" in c.get_text())
    assert "已撤下" in chip.get_text() and "availability" not in chip["href"]


def test_the_openapi_document_describes_the_parameter(client, search_index):
    schema = client.get("/api/openapi.json").json()
    params = {p["name"]: p for p in schema["paths"]["/api/search"]["get"]["parameters"]}
    described = json.dumps(params["availability"], ensure_ascii=False)
    for state in STATES:
        assert state in described


def test_a_document_marked_withdrawn_through_documents_edited_is_found_so(
    client, search_index, django_capture_on_commit_callbacks
):
    made = _seed()
    index_documents([d.pk for d in made])
    online = next(d for d in made if d.availability == Availability.ONLINE)
    before = {h["id"] for h in _api(client, availability="withdrawn")["results"]}
    assert online.pk not in before
    # As documents.harvest.status.mark_withdrawn does: an UPDATE, then the signal.
    with django_capture_on_commit_callbacks(execute=True):
        Document.objects.filter(pk=online.pk).update(
            availability=Availability.WITHDRAWN, withdrawn_at=timezone.now()
        )
        documents_edited.send(sender=Document, document_ids=[online.pk])
    after = {h["id"] for h in _api(client, availability="withdrawn")["results"]}
    assert after == before | {online.pk} == _scan(Availability.WITHDRAWN)
    still = {h["id"] for h in _api(client, availability="online")["results"]}
    assert online.pk not in still and still == _scan(Availability.ONLINE)


def test_search_plans_takes_the_filter(search_index):
    made = _seed()
    index_documents([d.pk for d in made])
    out = io.StringIO()
    call_command(
        "search_plans", WORD, "--availability", "withdrawn", "--json", stdout=out
    )
    data = json.loads(out.getvalue())
    assert {h["id"] for h in data["results"]} == _scan(Availability.WITHDRAWN, WORD)
    out = io.StringIO()
    call_command("search_plans", WORD, "--availability", "withdrawn", stdout=out)
    assert out.getvalue().count("（已撤下）") == len(_scan("withdrawn", WORD))


def test_the_document_list_filters_and_counts_by_the_column(client, search_index):
    _seed()
    for state in STATES:
        response = client.get("/documents/", {"availability": state})
        soup = BeautifulSoup(response.content.decode(), "html.parser")
        listed = {int(a["href"].split("/")[2]) for a in soup.select(".doc-list li > a")}
        assert listed == _scan(state), state
        tags = soup.select(".doc-list .badge-withdrawn")
        assert len(tags) == (len(listed) if state == "withdrawn" else 0)
    soup = BeautifulSoup(client.get("/documents/").content.decode(), "html.parser")
    options = {
        o["value"]: o.get_text()
        for o in soup.select("select[name=availability] option")
    }
    assert options[""] == "全部"
    assert options["withdrawn"] == f"已撤下 ({len(_scan('withdrawn'))})"
    assert options["unknown"].startswith("未知（文件导入）")
    # A bad value is ignored with a notice, as every list filter is.
    response = client.get("/documents/", {"availability": "gone"})
    assert response.status_code == 200 and "已忽略" in response.content.decode()


def test_the_list_offers_no_availability_menu_before_any_harvest(client, db):
    make_document("一份从文件导入的计划", "正文")
    soup = BeautifulSoup(client.get("/documents/").content.decode(), "html.parser")
    assert soup.select_one("select[name=availability]") is None


def test_the_list_menu_counts_follow_an_update_that_leaves_updated_at(client, db):
    made = _seed()
    menu = "select[name=availability] option[value=withdrawn]"

    def shown() -> str:
        soup = BeautifulSoup(client.get("/documents/").content.decode(), "html.parser")
        return soup.select_one(menu).get_text()

    before = len(_scan("withdrawn"))
    assert shown() == f"已撤下 ({before})"
    online = next(d for d in made if d.availability == Availability.ONLINE)
    # An UPDATE, as the harvester's status module may write it: updated_at stays.
    Document.objects.filter(pk=online.pk).update(availability=Availability.WITHDRAWN)
    assert shown() == f"已撤下 ({before + 1})"


def test_the_research_export_takes_the_filter(client, archive):
    response = client.get(
        "/api/export", {"q": WORD, "availability": "withdrawn", "format": "jsonl"}
    )
    assert response.status_code == 200
    try:
        text = b"".join(response.streaming_content).decode("utf-8")
    finally:
        close_response(response)
    rows = [json.loads(line) for line in text.splitlines()[1:] if line.strip()]
    assert {row["id"] for row in rows} == _scan(Availability.WITHDRAWN, WORD)
    meta = json.loads(text.splitlines()[0])["plansite_export"]
    assert "availability=withdrawn" in meta["filters"]


def test_the_document_page_says_its_availability_in_the_filters_words(client, db):
    now = timezone.now()
    gone = make_document(
        "已撤下的计划",
        "正文",
        availability=Availability.WITHDRAWN,
        last_seen=now - timedelta(days=10),
        withdrawn_at=now,
    )
    kept = make_document("从文件导入的计划", "正文二")

    def shown(document: Document) -> str:
        soup = BeautifulSoup(
            client.get(document.get_absolute_url()).content.decode(), "html.parser"
        )
        return soup.select_one(".meta-availability dd").get_text(" ", strip=True)

    day = timezone.localtime(now - timedelta(days=10)).strftime("%Y-%m-%d")
    assert shown(gone) == f"已撤下 （最后在线 {day}）"
    assert shown(kept) == "未知（文件导入）"
