"""What a person must look at: doubtful OCR names the attachment and its pages;
the per-document limits refuse what is over them and keep the rest."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

from documents.models import Attachment, Document
from tests.attachments.makers import MadeFiles
from tests.attachments.scans import scanned_pdf_of_text

pytestmark = pytest.mark.django_db

PAGE = "标题：东塍镇2023年工作计划\n发布机构：东塍镇人民政府\n发布日期：2023-03-05\n\n详见附件。\n"
SCANNED = (
    "东塍镇二〇二三年工作计划\n"
    "一、深入推进乡村振兴，抓好人居环境整治和农村道路提升。\n"
    "二、持续优化营商环境，做好企业服务和项目建设。"
)


def run_import(path: Path) -> str:
    out = io.StringIO()
    try:
        call_command("import_plans", str(path), "--no-index", stdout=out)
    except Exception as exc:  # noqa: BLE001 - CommandError on a rejection
        out.write(str(exc))
    return out.getvalue()


def test_low_ocr_confidence_names_the_attachment_and_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    (site / "page").mkdir(parents=True)
    (site / "page.txt").write_text(PAGE, encoding="utf-8")
    scanned_pdf_of_text(SCANNED, site / "page" / "扫描件.pdf", dpi=200)
    shutil.rmtree(site / "page" / "扫描件-pages")  # the images it was made from
    # Every OCR'd page is below this: the extraction child reads it from settings.
    monkeypatch.setenv("PLANSITE_OCR_MIN_CONFIDENCE", "99.9")

    report = run_import(site)

    document = Document.objects.get()
    row = document.attachments.get()
    assert row.status == Attachment.Status.EXTRACTED, report
    assert row.method in ("ocr", "mixed")
    assert "乡村振兴" in row.text.replace(" ", "")
    assert row.low_confidence_pages == [1]
    assert document.needs_review
    assert "复核原因：附件文字识别置信度低" in document.review_notes
    assert any(
        note.startswith("附件文字识别置信度低：扫描件.pdf 第1页")
        for note in document.review_notes
    ), document.review_notes


def test_bytes_per_document_refuse_the_rest(
    tmp_path: Path, made: MadeFiles, settings
) -> None:  # noqa: ANN001
    site = tmp_path / "site"
    (site / "page").mkdir(parents=True)
    (site / "page.txt").write_text(PAGE, encoding="utf-8")
    first = made.path("doc0", "docx")
    shutil.copyfile(first, site / "page" / "a.docx")
    shutil.copyfile(made.path("doc1", "docx"), site / "page" / "b.docx")
    settings.PLANSITE_ATTACHMENT_MAX_DOCUMENT_BYTES = first.stat().st_size + 10

    run_import(site)

    rows = {r.name: r for r in Attachment.objects.all()}
    assert rows["a.docx"].status == Attachment.Status.EXTRACTED
    assert rows["b.docx"].status == Attachment.Status.REJECTED
    assert "上限" in rows["b.docx"].error
    assert Document.objects.get().needs_review


def test_bytes_per_file(tmp_path: Path, made: MadeFiles, settings) -> None:  # noqa: ANN001
    site = tmp_path / "site"
    (site / "page").mkdir(parents=True)
    (site / "page.txt").write_text(PAGE, encoding="utf-8")
    shutil.copyfile(made.path("doc0", "pdf"), site / "page" / "big.pdf")
    settings.PLANSITE_ATTACHMENT_MAX_FILE_BYTES = 1000

    run_import(site)

    row = Attachment.objects.get()
    assert row.status == Attachment.Status.REJECTED
    assert "附件过大" in row.error
    assert Document.objects.count() == 1


def test_the_text_limit_of_pages_does_not_apply(
    tmp_path: Path, made: MadeFiles, settings
) -> None:  # noqa: ANN001
    """An attachment larger than PLANSITE_MAX_DOCUMENT_BYTES (a text page's
    limit) is read: the 5 MiB limit is for text documents only."""
    site = tmp_path / "site"
    (site / "page").mkdir(parents=True)
    (site / "page.txt").write_text(PAGE, encoding="utf-8")
    pdf = made.path("doc0", "pdf")
    shutil.copyfile(pdf, site / "page" / "a.pdf")
    settings.PLANSITE_MAX_DOCUMENT_BYTES = max(len(PAGE.encode()) + 10, 1000)
    assert pdf.stat().st_size > settings.PLANSITE_MAX_DOCUMENT_BYTES

    run_import(site)

    assert Attachment.objects.get().status == Attachment.Status.EXTRACTED


def test_pages_per_document(tmp_path: Path, made: MadeFiles, settings) -> None:  # noqa: ANN001
    site = tmp_path / "site"
    (site / "page").mkdir(parents=True)
    (site / "page.txt").write_text(PAGE, encoding="utf-8")
    shutil.copyfile(made.path("twopage", "pdf"), site / "page" / "a.pdf")
    shutil.copyfile(made.path("doc0", "pdf"), site / "page" / "b.pdf")
    settings.PLANSITE_ATTACHMENT_MAX_PAGES = 2

    run_import(site)

    rows = {r.name: r for r in Attachment.objects.all()}
    assert rows["a.pdf"].status == Attachment.Status.EXTRACTED
    assert rows["a.pdf"].page_count == 2
    assert rows["b.pdf"].status == Attachment.Status.REJECTED
    assert "页数已达上限" in rows["b.pdf"].error
    document = Document.objects.get()
    assert any("b.pdf" in note for note in document.review_notes)


def test_text_per_document(tmp_path: Path, made: MadeFiles, settings) -> None:  # noqa: ANN001
    """The text cap counts for all of a document's attachments together: the
    file that reaches it is cut with a warning, the ones after it are refused."""
    site = tmp_path / "site"
    (site / "page").mkdir(parents=True)
    (site / "page.txt").write_text(PAGE, encoding="utf-8")
    for name, stem in (("a.docx", "doc0"), ("b.docx", "doc1"), ("c.docx", "doc2")):
        shutil.copyfile(made.path(stem, "docx"), site / "page" / name)
    cap = len(made.texts["doc0"]) + 200
    settings.PLANSITE_EXTRACT_MAX_TEXT_CHARS = cap

    run_import(site)

    rows = {r.name: r for r in Attachment.objects.all()}
    assert rows["a.docx"].status == Attachment.Status.EXTRACTED
    assert rows["b.docx"].status == Attachment.Status.EXTRACTED
    assert rows["b.docx"].warnings  # cut off, and says so
    assert rows["c.docx"].status == Attachment.Status.REJECTED
    assert "文字已达上限" in rows["c.docx"].error
    assert sum(len(r.text) for r in rows.values()) <= cap
    assert any("c.docx" in note for note in Document.objects.get().review_notes)
