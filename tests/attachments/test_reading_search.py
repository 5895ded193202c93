"""Attachment text is searched, counted and shown exactly as the body is:
the truth is a substring scan over documents/texts.py searchable_text."""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest
from django.core.management import call_command

from documents.models import Attachment, Document
from documents.texts import attachments_changed, searchable_text, text_parts
from research.corpus import count_occurrences
from research.export import document_records
from research.kwic import KwicOrder, concordance
from research.trend import trend
from search.forms import SearchParams
from search.normalise import fold
from search.results import run_search
from search.services import (
    SearchFilters,
    index_documents,
    index_status,
    search_documents,
)
from tests.attachments.reading_fixtures import add_attachment, docx_bytes, pdf_bytes
from tests.search.conftest import make_document

pytestmark = [pytest.mark.django_db, pytest.mark.search]

PHRASE = "数字乡村试点"


@pytest.fixture
def store_dir(settings, tmp_path):
    settings.ATTACHMENT_DIR = tmp_path / "attachments"
    return settings.ATTACHMENT_DIR


@pytest.fixture
def archive(store_dir, search_index) -> dict[str, Document]:
    """Six documents whose phrase is in the body, an attachment, both, across
    the join of the two, or only in a row not yet extracted."""
    docs = {}
    docs["attached"] = make_document(
        "甲镇2023年工作计划公告", "详见附件。", plan_year=2023
    )
    add_attachment(
        docs["attached"],
        "甲镇2023年工作计划.docx",
        docx_bytes([(1, "一、总体要求"), (0, f"开展{PHRASE}工作。")]),
        kind="docx",
        pages=["一、总体要求", f"开展{PHRASE}工作，{PHRASE}覆盖全镇。"],
    )
    docs["body"] = make_document(
        "乙镇2023年工作计划", f"推进{PHRASE}。巩固{PHRASE}成果。", plan_year=2023
    )
    # The body ends with 数字乡村 and the attachment starts with 试点: no match.
    docs["straddle"] = make_document(
        "丙镇2022年工作计划", "全力推进数字乡村", plan_year=2022
    )
    add_attachment(
        docs["straddle"],
        "丙镇附件.docx",
        docx_bytes([(0, "试点工作方案")]),
        kind="docx",
        text="试点工作方案",
    )
    docs["alone"] = make_document("丁镇工作计划（扫描件）", "", plan_year=2022)
    add_attachment(
        docs["alone"],
        "丁镇工作计划.pdf",
        pdf_bytes(2),
        kind="pdf",
        pages=["丁镇人民政府", f"今年重点抓好{PHRASE}。"],
        method="ocr",
        confidence=88.5,
    )
    docs["pending"] = make_document(
        "戊镇2023年工作计划", "没有这个词。", plan_year=2023
    )
    stored = add_attachment(
        docs["pending"], "戊镇附件.docx", docx_bytes([(0, "x")]), kind="docx"
    )
    # Not yet extracted: its text (left by a test, never by the ingest) is not
    # searchable until the row says so.
    Attachment.objects.filter(pk=stored.pk).update(
        status=Attachment.Status.PENDING, text=PHRASE
    )
    docs["none"] = make_document("己镇2023年工作计划", "发展特色产业。", plan_year=2023)
    ids = [d.pk for d in docs.values()]
    assert index_documents(ids) == len(ids)
    return {key: Document.objects.get(pk=d.pk) for key, d in docs.items()}


def scan(term: str) -> dict[int, int]:
    """Documents holding ``term`` and how often: the truth."""
    found = {}
    for document in Document.objects.all():
        count = count_occurrences(searchable_text(document), [term])
        if count:
            found[document.pk] = count
    return found


def search_ids(query: str) -> set[int]:
    page = search_documents(
        query=query, filters=SearchFilters(), sort="relevance", page=1, page_size=100
    )
    return {hit.id for hit in page.results}


@pytest.mark.parametrize("term", [PHRASE, "试点", "乡村", "全镇", "丁镇人民政府"])
def test_search_finds_what_a_substring_scan_finds(archive, term) -> None:
    want = scan(term)
    assert search_ids(term) == set(want)
    assert search_ids(f'"{term}"') == set(want)
    lines = concordance(query=term, filters=SearchFilters(), order=KwicOrder.DOCUMENT)
    assert len(lines.lines) == sum(want.values())
    result = trend(query=term, filters=SearchFilters())
    assert result.total.occurrences == sum(want.values())
    assert result.total.documents == len(want)


def test_a_phrase_only_in_an_attachment_is_found_and_one_across_the_join_is_not(
    archive,
) -> None:
    found = search_ids(PHRASE)
    assert archive["attached"].pk in found
    assert archive["alone"].pk in found
    assert archive["body"].pk in found
    # 数字乡村 | 试点: the parts are joined by a newline, no query holds one.
    assert archive["straddle"].pk not in found
    assert "数字乡村\n试点" in searchable_text(archive["straddle"])
    # A row not yet extracted is not searched.
    assert archive["pending"].pk not in found
    assert [p.key for p in text_parts(archive["pending"])] == ["title", "body"]


def test_kwic_lines_name_the_attachment_and_link_to_the_hit(archive) -> None:
    result = concordance(query=PHRASE, filters=SearchFilters())
    by_document: dict[int, list] = {}
    for line in result.lines:
        by_document.setdefault(line.document_id, []).append(line)
    attached = by_document[archive["attached"].pk]
    assert [line.field for line in attached] == ["attachment-1", "attachment-1"]
    assert attached[0].part == "附件1：甲镇2023年工作计划.docx"
    assert attached[0].match == PHRASE
    path = f"/documents/{archive['attached'].pk}/attachments/1/"
    assert attached[0].url == f"{path}?q={quote(PHRASE)}#hit-1"
    assert attached[1].url.endswith("#hit-2")
    body = by_document[archive["body"].pk]
    assert {line.field for line in body} == {"body"}
    assert body[0].part == "正文"
    assert by_document[archive["alone"].pk][0].part == "附件1：丁镇工作计划.pdf"
    # The text around the hit is the attachment's own.
    text = archive["attached"].attachments.get().text
    line = attached[0]
    assert text[line.offset : line.offset + len(line.match)] == PHRASE
    assert text.endswith(line.right) or line.right in text


def test_kwic_in_context_order_keeps_parts_in_document_order(archive) -> None:
    result = concordance(query="乡村", filters=SearchFilters(), order=KwicOrder.LEFT)
    assert len(result.lines) == sum(scan("乡村").values())
    assert {line.field for line in result.lines} == {"body", "attachment-1"}
    lefts = [fold(line.left)[::-1] for line in result.lines]
    assert lefts == sorted(lefts)


def test_result_snippets_come_from_the_attachment_with_the_hit(archive) -> None:
    outcome = run_search(SearchParams(query=PHRASE))
    rows = {row.hit.id: row for row in outcome.rows}
    attached = rows[archive["attached"].pk]
    assert attached.snippet_part == "附件1：甲镇2023年工作计划.docx"
    assert f"<mark>{PHRASE}</mark>" in attached.snippets[0]
    assert rows[archive["body"].pk].snippet_part == ""
    alone = rows[archive["alone"].pk]
    assert alone.snippet_part == "附件1：丁镇工作计划.pdf"
    assert alone.as_json()["snippet_part"] == "附件1：丁镇工作计划.pdf"


def test_the_export_snippet_names_the_attachment(archive) -> None:
    records = list(
        document_records(
            [archive["attached"].pk, archive["body"].pk],
            query=PHRASE,
            terms=[PHRASE],
            full=False,
            site="http://testserver",
        )
    )
    assert records[0]["snippet"].startswith("［附件1：甲镇2023年工作计划.docx］")
    assert PHRASE in records[0]["snippet"]
    assert not records[1]["snippet"].startswith("［")


def test_an_attachment_added_later_makes_the_entry_stale_until_reindexed(
    archive,
) -> None:
    document = archive["none"]
    assert document.pk not in search_ids("乡村旅游")
    before = document.updated_at
    add_attachment(
        document,
        "己镇补充材料.docx",
        docx_bytes([(0, "发展乡村旅游。")]),
        kind="docx",
        text="发展乡村旅游。",
    )
    document.refresh_from_db()
    # attachments_changed moved updated_at on (caches keyed by it see it).
    assert document.updated_at > before
    # check_index sees the stale entry: the fingerprint covers attachments.
    assert index_status().stale == [document.pk]
    index_documents(index_status().stale)
    assert index_status().ok
    assert search_ids("乡村旅游") == {document.pk}


def test_check_index_repair_indexes_an_attachment_written_behind_its_back(
    archive,
) -> None:
    """A row written without attachments_changed or a signal (a killed
    worker, a restore): check_index --repair still finds and indexes it."""
    document = archive["none"]
    stored = add_attachment(
        document, "补充.docx", docx_bytes([(0, "x")]), kind="docx", text="x"
    )
    Attachment.objects.filter(pk=stored.pk).update(text="建设智慧农业示范园。")
    Document.objects.filter(pk=document.pk).update(updated_at=document.updated_at)
    assert search_ids("智慧农业") == set()
    out = io.StringIO()
    call_command("check_index", "--repair", stdout=out, stderr=io.StringIO())
    assert search_ids("智慧农业") == {document.pk}
    assert index_status().ok


def test_attachments_changed_touches_only_the_documents_named(archive) -> None:
    others = dict(Document.objects.values_list("pk", "updated_at"))
    assert attachments_changed([archive["none"].pk, archive["none"].pk]) == 1
    assert attachments_changed([]) == 0
    now = dict(Document.objects.values_list("pk", "updated_at"))
    changed = {pk for pk in now if now[pk] != others[pk]}
    assert changed == {archive["none"].pk}


def test_searchable_text_is_the_parts_joined(archive) -> None:
    document = archive["attached"]
    parts = text_parts(document)
    assert [p.label for p in parts] == [
        "标题",
        "正文",
        "附件1：甲镇2023年工作计划.docx",
    ]
    joined = searchable_text(document)
    for part in parts:
        assert joined[part.start : part.start + len(part.text)] == part.text
    assert fold(PHRASE) in fold(joined)


def test_the_pages_name_the_attachment_a_hit_is_in(client, archive) -> None:
    kwic = client.get("/research/kwic/", {"q": PHRASE}).content.decode()
    assert "［附件1：甲镇2023年工作计划.docx］" in kwic
    link = f"/documents/{archive['attached'].pk}/attachments/1/?q={quote(PHRASE)}#hit-1"
    assert f'href="{link}"' in kwic
    results = client.get("/search/", {"q": PHRASE}).content.decode()
    attached = f"/documents/{archive['attached'].pk}/attachments/1/"
    assert (
        f'出自<a href="{attached}?q={quote(PHRASE)}#hit-1">附件1：甲镇2023年工作计划.docx</a>'
        in results
    )
    api = client.get("/api/search", {"q": PHRASE}).json()
    parts = {hit["id"]: hit["snippet_part"] for hit in api["results"]}
    assert parts[archive["alone"].pk] == "附件1：丁镇工作计划.pdf"
    assert parts[archive["body"].pk] == ""
    urls = {hit["id"]: hit["snippet_url"] for hit in api["results"]}
    assert urls[archive["alone"].pk].endswith(
        "/attachments/1/?q=" + quote(PHRASE) + "#hit-1"
    )
    assert urls[archive["body"].pk] == ""


def test_compare_reads_the_words_of_attachments(store_dir, search_index) -> None:
    from research.compare import Level, compare

    alone = make_document("庚镇工作计划", "", township="庚镇", plan_year=2023)
    add_attachment(
        alone,
        "庚镇工作计划.docx",
        docx_bytes([(0, "茶叶")]),
        kind="docx",
        text="发展茶叶产业。茶叶品牌建设。扩大茶叶种植。",
    )
    other = make_document("辛镇工作计划", "发展渔业。渔业转型。", township="辛镇")
    index_documents([alone.pk, other.pk])
    result = compare(
        query="",
        filters=SearchFilters(),
        level=Level.TOWNSHIP,
        places=["庚镇", "辛镇"],
    )
    words = {place.name: [k.word for k in place.keywords] for place in result.places}
    assert "茶叶" in words["庚镇"]
