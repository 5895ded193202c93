"""import_plans takes attachments in each of their forms, with real DOCX and PDF files.

The truth for "the text was extracted" is the file's known text (makers.py),
compared without whitespace (converters re-wrap lines).
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

from documents.attachments import store
from documents.models import Attachment, Document
from documents.texts import searchable_text
from tests.attachments.conftest import squash
from tests.attachments.makers import MadeFiles, write_zip

pytestmark = pytest.mark.django_db

PAGE = "标题：东塍镇2023年工作计划\n发布机构：东塍镇人民政府\n发布日期：2023-03-05\n\n详见附件。\n"


def run_import(*paths: Path) -> str:
    out = io.StringIO()
    try:
        call_command(
            "import_plans", *map(str, paths), "--no-index", stdout=out, stderr=out
        )
    except Exception as exc:  # CommandError when something was rejected
        out.write(f"\n{exc}")
    return out.getvalue()


def phrase(made: MadeFiles, stem: str) -> str:
    """A line of the file's known text, long enough to be its own."""
    lines = [line for line in made.texts[stem].splitlines() if len(line) >= 12]
    return squash(lines[1][:30])


def copy(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def test_page_with_a_folder_of_a_docx_and_a_pdf(
    made: MadeFiles, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "page.txt").write_text(PAGE, encoding="utf-8")
    docx = copy(made.path("doc0", "docx"), site / "page" / "工作计划.docx")
    pdf = copy(made.path("doc1", "pdf"), site / "page" / "附件2.pdf")

    report = run_import(site)

    assert Document.objects.count() == 1, report  # the folder's files are no documents
    document = Document.objects.get()
    assert document.title == "东塍镇2023年工作计划"
    rows = list(document.attachments.order_by("position"))
    assert [r.name for r in rows] == ["工作计划.docx", "附件2.pdf"]
    assert all(r.status == Attachment.Status.EXTRACTED for r in rows)
    assert phrase(made, "doc0") in squash(rows[0].text)
    assert rows[0].method == "docx"
    assert phrase(made, "doc1") in squash(rows[1].text)
    assert rows[1].pages and rows[1].pages[0]["number"] == 1
    # The originals are stored byte for byte under their hash.
    for row, source in ((rows[0], docx), (rows[1], pdf)):
        with store.open_original(row.sha256) as handle:
            assert handle.read() == source.read_bytes()
        assert row.size == source.stat().st_size


def test_reimport_unchanged_reads_nothing_again(
    made: MadeFiles, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "page.txt").write_text(PAGE, encoding="utf-8")
    copy(made.path("doc0", "docx"), site / "page" / "计划.docx")
    run_import(site)
    row = Attachment.objects.get()
    stamp = row.extracted_at

    report = run_import(site)

    assert "未变 unchanged 1" in report
    assert Attachment.objects.count() == 1
    assert Attachment.objects.get().extracted_at == stamp

    # A changed attachment reads the page again; the new file joins, none is lost.
    copy(made.path("doc1", "docx"), site / "page" / "计划二.docx")
    report = run_import(site)
    assert "更新 updated 1" in report
    assert Attachment.objects.count() == 2


def test_same_bytes_elsewhere_are_not_extracted_again(
    made: MadeFiles, tmp_path: Path
) -> None:
    first = tmp_path / "a"
    first.mkdir()
    (first / "page.txt").write_text(PAGE, encoding="utf-8")
    copy(made.path("doc0", "docx"), first / "page" / "计划.docx")
    run_import(first)
    original = Attachment.objects.get()
    # The stored text is what a second document with the same bytes gets,
    # whatever the file's name: edit it to prove no converter ran.
    Attachment.objects.filter(pk=original.pk).update(text="已提取的文字（复用）")

    second = tmp_path / "b"
    second.mkdir()
    (second / "other.txt").write_text(
        PAGE.replace("东塍镇", "店口镇"), encoding="utf-8"
    )
    copy(made.path("doc0", "docx"), second / "other" / "另一个名字.docx")
    run_import(second)

    assert Document.objects.count() == 2
    reused = Attachment.objects.exclude(pk=original.pk).get()
    assert reused.text == "已提取的文字（复用）"
    assert reused.sha256 == original.sha256


def test_csv_row_names_its_files(made: MadeFiles, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    copy(made.path("doc0", "docx"), folder / "files" / "a.docx")
    copy(made.path("doc1", "pdf"), folder / "files" / "b.pdf")
    copy(made.path("doc2", "docx"), folder / "files" / "c.docx")
    (folder / "plans.csv").write_text(
        "标题,发布机构,发布日期,附件\n"
        "甲镇2023年工作计划,甲镇人民政府,2023-01-05,files/a.docx;files/b.pdf\n"
        '乙镇2023年工作计划,乙镇人民政府,2023-02-05,"[""files/c.docx""]"\n'
        "丙镇2023年工作计划,丙镇人民政府,2023-02-05,files/missing.docx\n",
        encoding="utf-8",
    )

    report = run_import(folder)

    # Three documents, one per row; the named files are no documents of their own.
    assert Document.objects.count() == 3, report
    first = Document.objects.get(title="甲镇2023年工作计划")
    assert sorted(first.attachments.values_list("name", flat=True)) == [
        "a.docx",
        "b.pdf",
    ]
    assert phrase(made, "doc1") in squash(first.attachments.get(name="b.pdf").text)
    second = Document.objects.get(title="乙镇2023年工作计划")
    assert phrase(made, "doc2") in squash(second.attachments.get().text)
    third = Document.objects.get(title="丙镇2023年工作计划")
    assert not third.attachments.exists()
    assert any("files/missing.docx" in note for note in third.review_notes)


def test_jsonl_row_names_its_files(made: MadeFiles, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    copy(made.path("doc0", "docx"), folder / "a.docx")
    row = {
        "title": "甲镇2023年工作计划",
        "issuer": "甲镇人民政府",
        "body": "甲镇2023年工作计划，全文见附件。为推进乡村振兴，现将有关安排印发。",
        "attachments": ["a.docx"],
    }
    (folder / "plans.jsonl").write_text(
        json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    report = run_import(folder)
    assert Document.objects.count() == 1, report
    assert phrase(made, "doc0") in squash(Document.objects.get().attachments.get().text)


def test_lone_docx_is_a_document(made: MadeFiles, tmp_path: Path) -> None:
    folder = tmp_path / "lone"
    copy(made.path("doc0", "docx"), folder / "计划.docx")
    copy(made.path("doc1", "pdf"), folder / "另一份.pdf")

    report = run_import(folder)

    assert Document.objects.count() == 2, report
    for document in Document.objects.all():
        assert document.body == ""
        assert document.layout == "attachment"
        row = document.attachments.get()
        assert row.status == Attachment.Status.EXTRACTED
        assert document.title  # from the first page, else the file name
    docx_doc = Document.objects.get(attachments__name="计划.docx")
    title = made.texts["doc0"].splitlines()[0]
    assert squash(docx_doc.title) == squash(title)
    assert "title" in docx_doc.inferred
    # Imported again: unchanged, and the same document (identity from the text).
    report = run_import(folder)
    assert "未变 unchanged 2" in report
    assert Document.objects.count() == 2


def test_zip_members_become_attachments(made: MadeFiles, tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "page.txt").write_text(PAGE, encoding="utf-8")
    write_zip(
        site / "page" / "附件.zip",
        {
            "一/计划.docx": made.path("doc0", "docx"),
            "二/报告.pdf": made.path("doc1", "pdf"),
        },
    )

    report = run_import(site)

    document = Document.objects.get()
    bundle = document.attachments.get(bundle__isnull=True)
    assert bundle.name == "附件.zip", report
    members = {m.member_path: m for m in bundle.members.all()}
    assert set(members) == {"一/计划.docx", "二/报告.pdf"}
    assert phrase(made, "doc0") in squash(members["一/计划.docx"].text)
    assert phrase(made, "doc1") in squash(members["二/报告.pdf"].text)
    with store.open_original(members["一/计划.docx"].sha256) as handle:
        assert handle.read() == made.path("doc0", "docx").read_bytes()


def test_a_bad_file_beside_good_ones(made: MadeFiles, tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "page.txt").write_text(PAGE, encoding="utf-8")
    copy(made.path("doc0", "docx"), site / "page" / "a.docx")
    (site / "page" / "b.docx").write_bytes(b"PK\x03\x04 this is no docx at all")
    copy(made.path("doc1", "pdf"), site / "page" / "c.pdf")
    (site / "second.txt").write_text(PAGE.replace("东塍镇", "店口镇"), encoding="utf-8")

    report = run_import(site)

    assert Document.objects.count() == 2, report
    document = Document.objects.get(title="东塍镇2023年工作计划")
    rows = {r.name: r for r in document.attachments.all()}
    assert set(rows) == {"a.docx", "b.docx", "c.pdf"}
    assert rows["b.docx"].status == Attachment.Status.REJECTED
    assert rows["b.docx"].error
    assert rows["a.docx"].status == rows["c.pdf"].status == Attachment.Status.EXTRACTED
    assert document.needs_review
    assert any("b.docx" in note for note in document.review_notes)
    assert "复核原因：有附件未能提取文字" in document.review_notes
    # The refused file's bytes are kept all the same.
    assert store.exists(rows["b.docx"].sha256)
    # The import says which file was not read, and why, and counts them.
    assert "附件未能提取 attachment not read" in report
    assert f"b.docx: {rows['b.docx'].error}" in report
    assert "附件 attachments read 3, 未能提取 not read 1" in report


def test_index_row_names_a_page_and_its_attachments(
    made: MadeFiles, tmp_path: Path
) -> None:
    """An index CSV names each document's text file; its 附件 column the files."""
    folder = tmp_path / "archive"
    page = folder / "docs" / "p1.html"
    page.parent.mkdir(parents=True)
    page.write_text(
        "<html><head><title>甲镇2023年工作计划</title></head><body>"
        "<h1>甲镇2023年工作计划</h1><p>详见附件。</p></body></html>",
        encoding="utf-8",
    )
    copy(made.path("doc0", "docx"), folder / "files" / "计划.docx")
    # The page's own folder of the same name is read too.
    copy(made.path("doc1", "pdf"), folder / "docs" / "p1" / "图表.pdf")
    (folder / "index.csv").write_text(
        "标题,发布机构,路径,附件文件\n"
        "甲镇2023年工作计划,甲镇人民政府,docs/p1.html,files/计划.docx\n",
        encoding="utf-8",
    )

    report = run_import(folder)

    document = Document.objects.get()
    names = sorted(document.attachments.values_list("name", flat=True))
    assert names == ["图表.pdf", "计划.docx"], report
    assert document.issuer == "甲镇人民政府"


def test_pages_that_only_point_to_attachments_stay_apart(
    made: MadeFiles, tmp_path: Path
) -> None:
    """Two townships' pages both saying 详见附件 are two documents: their
    attachments tell them apart. The same page twice is one."""
    site = tmp_path / "site"
    site.mkdir()
    body = "标题：2023年工作计划\n\n详见附件。\n"
    for stem, source in (("a", "doc0"), ("b", "doc1"), ("c", "doc0")):
        (site / f"{stem}.txt").write_text(body, encoding="utf-8")
        copy(made.path(source, "docx"), site / stem / "计划.docx")

    report = run_import(site)

    assert Document.objects.count() == 2, report
    texts = {squash(d.attachments.get().text)[:40] for d in Document.objects.all()}
    assert len(texts) == 2


def test_the_same_file_twice_is_one_attachment(made: MadeFiles, tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "page.txt").write_text(PAGE, encoding="utf-8")
    copy(made.path("doc0", "docx"), site / "page" / "计划.docx")
    copy(made.path("doc0", "docx"), site / "page" / "计划（副本）.docx")

    run_import(site)

    assert Attachment.objects.count() == 1
    assert Attachment.objects.get().name == "计划.docx"


def test_a_lone_image_with_a_few_words_is_not_a_document(tmp_path: Path) -> None:
    # A site's banner or logo saved beside its pages: OCR reads a name off it,
    # which says nothing a document says. A page scan is a document.
    from tests.attachments.scans import render_pages, save_pages

    folder = tmp_path / "site"
    banner = render_pages("东塍镇人民政府", dpi=200, max_pages=1)[0].image
    (banner_png,) = save_pages([banner], folder, stem="banner", dpi=200)
    page_text = (
        "全面推进乡村振兴，扎实开展农村人居环境整治提升行动，建设宜居宜业和美乡村。"
        "各村要落实长效管护责任，确保农村公路、河道和公共设施有人管、有钱管。"
    )
    page = render_pages(page_text, dpi=200, max_pages=1)[0].image
    (page_png,) = save_pages([page], folder, stem="第1页", dpi=200)

    report = run_import(folder)

    document = Document.objects.get()  # the page scan only
    assert document.attachments.get().name == page_png.name, report
    assert "乡村振兴" in squash(document.attachments.get().text)
    assert "拒绝 rejected 1" in report


def test_a_replaced_attachment_is_kept_but_no_longer_searched(
    made: MadeFiles, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "page.txt").write_text(PAGE, encoding="utf-8")
    target = copy(made.path("doc0", "docx"), site / "page" / "工作计划.docx")
    run_import(site)
    document = Document.objects.get()
    first = document.attachments.get()
    old_bytes = target.read_bytes()

    # The site replaces the file under the same name: a new version.
    copy(made.path("doc1", "docx"), target)
    report = run_import(site)

    assert Document.objects.count() == 1, report
    rows = {r.sha256: r for r in Document.objects.get().attachments.all()}
    assert len(rows) == 2
    old, new = rows[first.sha256], rows[store.file_sha256(target)]
    assert old.status == Attachment.Status.SUPERSEDED
    assert new.status == Attachment.Status.EXTRACTED
    text = squash(searchable_text(Document.objects.get()))
    assert phrase(made, "doc1") in text
    assert phrase(made, "doc0") not in text
    # The old version is not lost: its original and its text are kept.
    with store.open_original(old.sha256) as handle:
        assert handle.read() == old_bytes
    assert phrase(made, "doc0") in squash(old.text)

    # The site puts the first version back: it is current again.
    (site / "page" / "工作计划.docx").write_bytes(old_bytes)
    run_import(site)
    statuses = {r.sha256: r.status for r in Document.objects.get().attachments.all()}
    assert statuses == {
        old.sha256: Attachment.Status.EXTRACTED,
        new.sha256: Attachment.Status.SUPERSEDED,
    }


def test_an_edited_lone_file_replaces_its_own_text(
    made: MadeFiles, tmp_path: Path
) -> None:
    folder = tmp_path / "lone"
    target = copy(made.path("doc0", "docx"), folder / "计划.docx")
    run_import(folder)
    copy(made.path("doc1", "docx"), target)

    report = run_import(folder)

    assert Document.objects.count() == 1, report
    text = squash(searchable_text(Document.objects.get()))
    assert phrase(made, "doc1") in text
    assert phrase(made, "doc0") not in text
