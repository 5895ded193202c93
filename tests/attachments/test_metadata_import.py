"""Metadata from attachments through import_plans: a page without a 索引号 table
takes title, issuer, 成文日期 and 文号 from its DOCX, marked inferred; a page whose
labelled value differs keeps its own and the document is flagged for review."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from bench.attachment_metadata_bench import (
    BANNER,
    NUMBER,
    PARA,
    RIGHT_LINE,
    TITLE,
    Item,
    build_files,
)
from documents.ingest import review
from documents.models import Document

pytestmark = pytest.mark.django_db

NOTICE = [
    (BANNER, "临浦镇人民政府文件"),
    (NUMBER, "临政发〔2022〕33号"),
    (TITLE, "临浦镇人民政府关于印发《临浦镇2022年"),
    (TITLE, "防汛防台工作计划》的通知"),
    (PARA, "各村（社区）、镇属各单位："),
    (PARA, "现将《临浦镇2022年防汛防台工作计划》印发给你们，请认真贯彻落实。"),
    (PARA, "为切实做好今年防汛防台工作，确保人民群众生命财产安全，全镇各村"),
    (PARA, "（社区）要落实巡查责任，汛前完成隐患排查，汛期实行二十四小时值班。"),
    (RIGHT_LINE, "杭州市萧山区临浦镇人民政府"),
    (RIGHT_LINE, "二〇二二年五月九日"),
    (PARA, "（此件公开发布）"),
]


@pytest.fixture(scope="session")
def notice_docx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    item = Item(id="notice", source="test", name="附件.docx", lines=NOTICE, truth={})
    build_files([item], tmp_path_factory.mktemp("metadata-import"))
    assert item.path is not None
    return item.path


def _import(site: Path) -> str:
    out = io.StringIO()
    call_command("import_plans", str(site), "--no-index", stdout=out)
    return out.getvalue()


def _page(site: Path, text: str, docx: Path) -> None:
    site.mkdir()
    (site / "page.txt").write_text(text, encoding="utf-8")
    (site / "page").mkdir()
    (site / "page" / "临浦镇2022年防汛防台工作计划.docx").write_bytes(docx.read_bytes())


def test_page_without_metadata_takes_the_attachments(
    notice_docx: Path, tmp_path: Path
) -> None:
    _page(
        tmp_path / "site",
        "标题：临浦镇2022年防汛防台工作计划\n发布日期：2022-05-10\n\n详见附件。\n",
        notice_docx,
    )
    report = _import(tmp_path / "site")
    document = Document.objects.get()
    assert document.title == "临浦镇2022年防汛防台工作计划", report
    assert document.issuer == "杭州市萧山区临浦镇人民政府"
    assert str(document.doc_date) == "2022-05-09"
    assert document.doc_number == "临政发〔2022〕33号"
    assert {"issuer", "doc_date", "doc_number"} <= set(document.inferred)
    assert "title" not in document.inferred
    assert any(
        note.startswith("成文日期取自附件《临浦镇2022年防汛防台工作计划.docx》")
        for note in document.review_notes
    )
    assert review.SOURCES_DIFFER not in document.review_notes


def test_page_label_wins_and_the_document_is_flagged(
    notice_docx: Path, tmp_path: Path
) -> None:
    _page(
        tmp_path / "site",
        "标题：临浦镇2022年防汛防台工作计划\n发布机构：临浦镇人民政府\n"
        "成文日期：2022-05-06\n发布日期：2022-05-10\n\n详见附件。\n",
        notice_docx,
    )
    _import(tmp_path / "site")
    document = Document.objects.get()
    assert str(document.doc_date) == "2022-05-06"
    assert document.issuer == "临浦镇人民政府"
    assert "doc_date" not in document.inferred
    assert document.needs_review
    assert review.SOURCES_DIFFER in document.review_notes
    assert (
        "页面的成文日期“2022-05-06”与附件《临浦镇2022年防汛防台工作计划.docx》落款的"
        "“2022年5月9日”不一致，采用页面的值"
    ) in document.review_notes
