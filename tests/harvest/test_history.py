"""Versions: recorded when an import (or an admin edit) changes a document's
searchable text, never when nothing changed; the diff marks exactly what did."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from documents import history
from documents.ingest.pipeline import import_paths
from documents.ingest.store import Outcome
from documents.models import Attachment, Document, DocumentVersion
from documents.texts import searchable_text
from tests.admin_forms import change_form_data

pytestmark = pytest.mark.django_db

PLAN = """索引号：ZZ330282-001/2022-000001
发布机构：周巷镇
成文日期：2022年2月3日
周巷镇2022年工作计划
一、总体要求。坚持稳中求进工作总基调，推动周巷经济社会高质量发展，全力打造慈溪西部中心镇。
二、主要任务。深化最多跑一次改革，推进五水共治和三改一拆。
三、保障措施。加强组织领导，落实工作责任。
"""
CHANGED = PLAN.replace("三改一拆", "三改一拆和美丽城镇建设")


def _versions(doc: Document) -> list[DocumentVersion]:
    return list(DocumentVersion.objects.filter(document=doc).order_by("number"))


def test_a_changed_file_makes_a_second_version(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_text(PLAN, encoding="utf-8")
    import_paths([path])
    doc = Document.objects.get()
    first_text = searchable_text(doc)
    path.write_text(CHANGED, encoding="utf-8")
    assert import_paths([path]).count(Outcome.UPDATED) == 1
    doc.refresh_from_db()
    v1, v2 = _versions(doc)
    assert (v1.number, v2.number) == (1, 2)
    assert v1.text == first_text and "三改一拆。" in v1.text
    assert v2.text == searchable_text(doc) and "美丽城镇建设" in v2.text
    assert v1.title == v2.title == doc.title == "周巷镇2022年工作计划"
    assert v2.text_hash == history.text_hash(v2.text)
    assert v1.origin.endswith("plan.txt")
    assert v1.recorded_at <= v2.recorded_at


def test_an_unchanged_reimport_makes_no_version(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_text(PLAN, encoding="utf-8")
    import_paths([path])
    import_paths([path])
    # Read again although its bytes are the same (another copy, CRLF, GBK):
    # the text is unchanged, so no version either.
    copy = tmp_path / "copy.txt"
    copy.write_bytes(PLAN.replace("\n", "\r\n").encode("gbk"))
    import_paths([copy])
    assert Document.objects.count() == 1
    assert DocumentVersion.objects.count() == 1


def test_a_document_stored_before_versions_keeps_its_old_text(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_text(PLAN, encoding="utf-8")
    import_paths([path])
    doc = Document.objects.get()
    old_text = searchable_text(doc)
    DocumentVersion.objects.all().delete()  # as imported before issue 18
    path.write_text(CHANGED, encoding="utf-8")
    import_paths([path])
    v1, v2 = _versions(doc)
    assert v1.text == old_text
    assert v1.origin == str(history.BASELINE_ORIGIN)
    assert "美丽城镇建设" in v2.text


def test_the_capture_time_is_the_version_time() -> None:
    doc = Document.objects.create(title="某镇工作计划", body="第一段。", original="")
    captured = datetime(2024, 3, 5, 8, 30, tzinfo=UTC)
    version = history.record_version(
        doc.pk, recorded_at=captured, origin="x.warc.gz <urn:uuid:1>"
    )
    assert version is not None
    assert version.recorded_at == captured
    assert history.record_version(doc.pk) is None  # nothing changed


def test_an_extracted_attachment_is_part_of_the_version() -> None:
    doc = Document.objects.create(title="某镇工作计划", body="详见附件。", original="")
    history.record_version(doc.pk)
    Attachment.objects.create(
        document=doc,
        position=1,
        name="计划.docx",
        sha256="0" * 64,
        size=100,
        status=Attachment.Status.EXTRACTED,
        text="一、加快乡村振兴。",
    )
    version = history.record_version(doc.pk)
    assert version is not None and version.number == 2
    assert "一、加快乡村振兴。" in version.text


def test_an_admin_edit_is_a_version(admin_client, tmp_path: Path) -> None:  # noqa: ANN001
    path = tmp_path / "plan.txt"
    path.write_text(PLAN, encoding="utf-8")
    import_paths([path])
    doc = Document.objects.get()
    data = change_form_data(admin_client, doc)
    data["body"] = doc.body.replace("落实工作责任", "落实工作责任，强化督查考核")
    response = admin_client.post(f"/admin/documents/document/{doc.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    v1, v2 = _versions(doc)
    assert v2.origin == "admin: admin"
    assert "强化督查考核" in v2.text and "强化督查考核" not in v1.text
    # Saving the form again unchanged adds nothing.
    admin_client.post(
        f"/admin/documents/document/{doc.pk}/change/",
        change_form_data(admin_client, Document.objects.get(pk=doc.pk)),
    )
    assert DocumentVersion.objects.filter(document=doc).count() == 2


def _marked(blocks: list[history.DiffBlock], kind: str) -> list[str]:
    return [
        segment.text
        for block in blocks
        for line in (block.old if kind == history.DEL else block.new)
        for segment in line.segments
        if segment.kind == kind
    ]


def test_the_diff_marks_exactly_the_changed_characters() -> None:
    blocks = history.diff_texts(PLAN, CHANGED)
    assert _marked(blocks, history.INS) == ["和美丽城镇建设"]
    assert _marked(blocks, history.DEL) == []
    changed = [b for b in blocks if b.kind == history.REPLACED]
    assert len(changed) == 1
    (old_line,) = changed[0].old
    (new_line,) = changed[0].new
    assert old_line.number == new_line.number == 6
    assert (
        new_line.text
        == "二、主要任务。深化最多跑一次改革，推进五水共治和三改一拆和美丽城镇建设。"
    )
    assert sum(b.inserted_chars for b in blocks) == 7
    assert sum(b.deleted_chars for b in blocks) == 0


def test_a_replaced_word_is_a_deletion_and_an_insertion() -> None:
    blocks = history.diff_texts("推进五水共治。", "推进污水治理。")
    assert _marked(blocks, history.DEL) == ["五", "共"]
    assert _marked(blocks, history.INS) == ["污", "理"]


def test_lines_added_and_removed_are_whole_blocks() -> None:
    old = "甲\n乙\n丙"
    new = "甲\n丙\n丁"
    kinds = [b.kind for b in history.diff_texts(old, new)]
    assert kinds == [history.EQUAL, history.DELETED, history.EQUAL, history.INSERTED]


def test_long_unchanged_runs_are_collapsed_with_context() -> None:
    lines = [f"第{n}行内容。" for n in range(1, 101)]
    changed = list(lines)
    changed[49] = "第50行内容有改动。"
    blocks = history.diff_texts("\n".join(lines), "\n".join(changed))
    assert [b.kind for b in blocks] == [
        history.COLLAPSED,
        history.EQUAL,
        history.REPLACED,
        history.EQUAL,
        history.COLLAPSED,
    ]
    assert blocks[0].hidden == 49 - history.CONTEXT
    assert [line.number for line in blocks[1].old] == [47, 48, 49]
    assert [line.number for line in blocks[3].old] == [51, 52, 53]
    assert blocks[4].hidden == 100 - 50 - history.CONTEXT
    assert history.diff_texts("一\n二", "一\n二")[0].kind == history.COLLAPSED


def test_two_five_megabyte_texts_diff_in_reasonable_time() -> None:
    paragraph = "加快推进乡村振兴，发展特色产业，完善基础设施，提升公共服务水平{}。"
    lines = [paragraph.format(n) for n in range(90_000)]  # about 5 MB of UTF-8
    changed = list(lines)
    for n in range(0, 90_000, 3_000):
        changed[n] = changed[n].replace("特色", "优势")
    old, new = "\n".join(lines), "\n".join(changed)
    assert len(old.encode("utf-8")) > 5_000_000
    started = time.monotonic()
    blocks = history.diff_texts(old, new)
    assert time.monotonic() - started < 10
    assert _marked(blocks, history.INS) == ["优势"] * 30
    # A whole rewrite: one block of whole lines, still bounded.
    rewritten = "\n".join(
        f"全部改写的第{n}段文字，内容完全不同。" for n in range(90_000)
    )
    started = time.monotonic()
    blocks = history.diff_texts(old, rewritten)
    assert time.monotonic() - started < 30
    assert any(not b.fine for b in blocks)


def test_an_inserted_paragraph_is_a_whole_line_beside_a_touched_one() -> None:
    old = "一、总体要求。\n二、保障措施。加强组织领导，落实工作责任。\n附件"
    new = "一、总体要求。\n二、主要任务。深化最多跑一次改革。\n三、保障措施。落实工作责任。\n附件"
    blocks = history.diff_texts(old, new)
    assert [b.kind for b in blocks] == [
        history.EQUAL,
        history.INSERTED,
        history.REPLACED,
        history.EQUAL,
    ]
    assert blocks[1].new[0].text == "二、主要任务。深化最多跑一次改革。"
    assert _marked(blocks, history.DEL) == ["二", "加强组织领导，"]
    assert _marked(blocks, history.INS) == ["三"]
    # Unrelated lines are not paired: deleted and inserted whole.
    blocks = history.diff_texts(
        "甲\n完全不同的一段话。\n乙", "甲\n另起炉灶写的新内容！\n乙"
    )
    assert [b.kind for b in blocks][1:3] == [history.DELETED, history.INSERTED]
