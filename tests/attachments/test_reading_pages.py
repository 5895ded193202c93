"""The document page's list of attachments, an attachment's text page, and the
download of its original."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest

from documents.attachments import store
from documents.models import Attachment, Document
from tests.attachments.reading_fixtures import add_attachment, docx_bytes, pdf_bytes
from tests.search.conftest import make_document

pytestmark = [pytest.mark.django_db]

PHRASE = "数字乡村试点"
NAME = "甲镇2023年工作计划（定稿）.docx"


@pytest.fixture
def store_dir(settings, tmp_path) -> Path:
    settings.ATTACHMENT_DIR = tmp_path / "attachments"
    return settings.ATTACHMENT_DIR


@pytest.fixture
def document(store_dir) -> Document:
    document = make_document("甲镇2023年工作计划公告", "详见附件。")
    heading_text = "一、总体要求"
    pages = [
        f"{heading_text}\n开展{PHRASE}工作。",
        f"二、重点任务\n{PHRASE}覆盖全镇。<script>alert(1)</script>",
    ]
    add_attachment(
        document,
        NAME,
        docx_bytes([(1, heading_text), (0, f"开展{PHRASE}工作。")]),
        kind="docx",
        pages=pages,
        headings=[
            {"level": 1, "text": heading_text, "offset": 0},
            {"level": 1, "text": "二、重点任务", "offset": len(pages[0]) + 1},
        ],
    )
    add_attachment(
        document,
        "扫描件.pdf",
        pdf_bytes(1),
        kind="pdf",
        pages=[f"扫描页{PHRASE}"],
        method="ocr",
        confidence=71.4,
    )
    add_attachment(
        document,
        "损坏.docx",
        b"PK\x03\x04 not really a docx",
        kind="docx",
        status=Attachment.Status.REJECTED,
        error="文件已损坏，无法读取 (corrupt DOCX)",
    )
    return document


def test_the_document_page_lists_the_attachments_with_their_hits(
    client, document
) -> None:
    response = client.get(f"/documents/{document.pk}/", {"q": PHRASE})
    html = response.content.decode()
    assert response.status_code == 200
    assert f"附件1：{NAME}" in html
    assert "Word 文档" in html and "PDF" in html
    assert "OCR（置信度 71%）" in html
    assert "未能提取：文件已损坏，无法读取 (corrupt DOCX)" in html
    assert "1 页" in html and "2 页" in html
    # Hits per attachment, each linking to its first hit.
    assert "在附件中出现 3 处" in html
    assert "命中 2 处" in html and "命中 1 处" in html
    first = f"/documents/{document.pk}/attachments/1/?q={quote(PHRASE)}#hit-1"
    assert f'href="{first}"' in html
    # Downloads of all three, text views of the two extracted.
    for number in (1, 2, 3):
        assert f"/documents/{document.pk}/attachments/{number}/original" in html
    assert f'href="/documents/{document.pk}/attachments/3/"' not in html


def test_the_document_page_without_a_query_shows_no_hit_counts(
    client, document
) -> None:
    response = client.get(f"/documents/{document.pk}/")
    assert response.status_code == 200
    assert (
        "命中" not in response.content.decode().split('class="attachments"')[1][:2000]
    )


def test_the_attachment_page_marks_hits_pages_and_headings(client, document) -> None:
    response = client.get(f"/documents/{document.pk}/attachments/1/", {"q": PHRASE})
    html = response.content.decode()
    assert response.status_code == 200
    assert f"<h1>附件1：{NAME}</h1>" in html
    assert re.findall(r'<mark id="(hit-\d+)">' + PHRASE, html) == ["hit-1", "hit-2"]
    assert "在此附件中出现 2 处" in html
    assert '<p class="page-marker" id="page-1">第 1 页</p>' in html
    assert '<p class="page-marker" id="page-2">第 2 页</p>' in html
    # Page 2's marker comes before its first line, after page 1's text.
    assert (
        html.index('id="hit-1"') < html.index('id="page-2"') < html.index('id="hit-2"')
    )
    # DOCX headings are headings, and the outline links to them.
    assert '<h2 id="sec-1" class="text-heading">一、总体要求</h2>' in html
    assert 'href="#sec-2">二、重点任务</a>' in html
    # The text is escaped.
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    assert f"/documents/{document.pk}/?q=" in html  # back to the document


def test_an_ocr_page_shows_its_confidence(client, document) -> None:
    html = client.get(f"/documents/{document.pk}/attachments/2/").content.decode()
    assert "第 1 页 · OCR 置信度 71%" in html


def test_a_rejected_attachment_page_says_why(client, document) -> None:
    response = client.get(f"/documents/{document.pk}/attachments/3/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "未能提取：文件已损坏，无法读取 (corrupt DOCX)" in html
    assert (
        client.get(f"/documents/{document.pk}/attachments/3/text.txt").status_code
        == 404
    )


# Past SQLite's and PostgreSQL's 64-bit OFFSET too: still a 404, not a 500.
@pytest.mark.parametrize(
    "number", [0, 4, 99, 9223372036854775808, 99999999999999999999]
)
def test_an_attachment_that_does_not_exist_is_404(client, document, number) -> None:
    assert (
        client.get(f"/documents/{document.pk}/attachments/{number}/").status_code == 404
    )
    assert (
        client.get(
            f"/documents/{document.pk}/attachments/{number}/original"
        ).status_code
        == 404
    )


def test_the_original_downloads_byte_for_byte(client, document) -> None:
    attachment = document.attachments.get(position=1)
    response = client.get(f"/documents/{document.pk}/attachments/1/original")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    with store.open_original(attachment.sha256) as stored:
        assert body == stored.read()
    assert len(body) == attachment.size
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=utf-8''{quote(NAME)}" in disposition
    response.close()


def test_an_html_page_saved_as_a_doc_is_never_served_as_html(client, store_dir) -> None:
    document = make_document("某镇通知", "见附件。")
    page = b"<html><body><script>alert(document.cookie)</script></body></html>"
    add_attachment(
        document,
        "通知.doc",
        page,
        kind="doc",
        status=Attachment.Status.REJECTED,
        error="x",
    )
    response = client.get(f"/documents/{document.pk}/attachments/1/original")
    assert b"".join(response.streaming_content) == page
    assert response["Content-Type"] == "application/msword"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    response.close()


def test_an_original_missing_from_the_store_is_a_clear_404(
    client, document, store_dir
) -> None:
    attachment = document.attachments.get(position=2)
    path = store.path_for(attachment.sha256)
    path.chmod(0o644)
    path.unlink()
    response = client.get(f"/documents/{document.pk}/attachments/2/original")
    assert response.status_code == 404
    html = response.content.decode()
    assert "原件不在存储中" in html and "附件2：扫描件.pdf" in html


def test_the_attachment_text_downloads_as_utf8(client, document) -> None:
    response = client.get(f"/documents/{document.pk}/attachments/1/text.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode("utf-8")
    assert text == document.attachments.get(position=1).text


def test_a_long_attachment_is_shown_in_parts(client, document, settings) -> None:
    settings.PLANSITE_DOCUMENT_PART_CHARS = 20
    path = f"/documents/{document.pk}/attachments/1/"
    html = client.get(path, {"q": PHRASE, "part": "2"}).content.decode()
    assert "第 2 / " in html
    assert f"{path}text.txt" in html
    # The document page links each attachment's first hit in the part holding it.
    listing = client.get(f"/documents/{document.pk}/", {"q": PHRASE}).content.decode()
    first = re.search(rf'href="({re.escape(path)}\?[^"]*#hit-1)"', listing)
    assert first and "part=" in first.group(1)
    shown = client.get(first.group(1).replace("&amp;", "&")).content.decode()
    assert '<mark id="hit-1">' in shown
    # Hits keep their numbers in whichever part shows them; every hit is in
    # exactly one part, and a part that opens inside a page says so.
    marks = []
    continued = False
    for number in range(1, 10):
        page = client.get(path, {"q": PHRASE, "part": str(number)})
        text = page.content.decode()
        marks += re.findall(r'<mark id="(hit-\d+)">', text)
        continued = continued or "（续）" in text
        if "下一部分" not in text:
            break
    assert marks == ["hit-1", "hit-2"]
    assert continued


def test_the_document_text_download_holds_the_attachments_texts(
    client, document
) -> None:
    text = client.get(f"/documents/{document.pk}/text.txt").content.decode("utf-8")
    first = document.attachments.get(position=1)
    assert f"附件1：{NAME}\n\n{first.text}" in text
    assert "附件2：扫描件.pdf" in text
    # A rejected attachment has no text to give.
    assert "附件3" not in text


def test_a_bundle_lists_its_members_and_has_no_text_of_its_own(
    client, store_dir
) -> None:
    import zipfile
    from io import BytesIO

    member = docx_bytes([(0, "包内文件的正文。")])
    packed = BytesIO()
    with zipfile.ZipFile(packed, "w") as bundle_file:
        bundle_file.writestr("计划.docx", member)
    document = make_document("某镇附件包", "见附件。")
    bundle = add_attachment(
        document, "附件.zip", packed.getvalue(), kind="zip", text="", method="bundle"
    )
    inner = add_attachment(
        document, "计划.docx", member, kind="docx", text="包内文件的正文。"
    )
    Attachment.objects.filter(pk=inner.pk).update(
        bundle=bundle, member_path="计划.docx"
    )
    html = client.get(f"/documents/{document.pk}/", {"q": "正文"}).content.decode()
    assert "解自附件1：附件.zip" in html
    assert f'href="/documents/{document.pk}/attachments/1/"' not in html
    assert f'href="/documents/{document.pk}/attachments/2/?q=' in html
    page = client.get(f"/documents/{document.pk}/attachments/1/").content.decode()
    assert "这是一个压缩包" in page
    assert (
        client.get(f"/documents/{document.pk}/attachments/1/text.txt").status_code
        == 404
    )
