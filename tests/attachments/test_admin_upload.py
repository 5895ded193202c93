"""An attachment uploaded in the admin: stored in the request, read in the background.

The worker thread reads it after the save commits; a process that stops before
(the row left PENDING) loses nothing: extract_attachments, or the next
import_plans, reads it.
"""

from __future__ import annotations

import io
from html import escape as html_escape
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from documents.attachments import queue, store
from documents.models import Attachment, Document
from documents.signals import documents_edited
from tests.admin_forms import change_form_data
from tests.attachments.conftest import squash
from tests.attachments.makers import MadeFiles

PAGE = "标题：东塍镇2023年工作计划\n发布机构：东塍镇人民政府\n发布日期：2023-03-05\n\n详见附件。\n"


@pytest.fixture
def document(tmp_path: Path) -> Document:
    (tmp_path / "page.txt").write_text(PAGE, encoding="utf-8")
    call_command(
        "import_plans", str(tmp_path / "page.txt"), "--no-index", stdout=io.StringIO()
    )
    return Document.objects.get()


@pytest.fixture
def edited() -> list[int]:
    """The ids documents_edited was sent for (the index's cue)."""
    sent: list[int] = []

    def hear(sender, *, document_ids, **kwargs) -> None:  # noqa: ANN001, ANN003
        sent.extend(document_ids)

    documents_edited.connect(hear, weak=False)
    yield sent
    documents_edited.disconnect(hear)


def upload(admin_client, document: Document, path: Path, name: str):  # noqa: ANN001, ANN201
    data = change_form_data(admin_client, document)
    data["upload"] = SimpleUploadedFile(name, path.read_bytes())
    return admin_client.post(f"/admin/documents/document/{document.pk}/change/", data)


def phrase(made: MadeFiles, stem: str) -> str:
    lines = [line for line in made.texts[stem].splitlines() if len(line) >= 12]
    return squash(lines[1][:30])


@pytest.mark.django_db(transaction=True)
def test_upload_is_read_by_the_background_worker(
    admin_client, document: Document, made: MadeFiles, edited: list[int]
) -> None:  # noqa: ANN001
    source = made.path("doc0", "docx")
    response = upload(admin_client, document, source, "补充附件.docx")
    assert response.status_code == 302, response.content.decode()[:3000]
    row = Attachment.objects.get(document=document)
    with store.open_original(row.sha256) as handle:
        assert handle.read() == source.read_bytes()  # stored in the request

    assert queue.wait_for_background_extraction(timeout=120)

    row.refresh_from_db()
    assert row.status == Attachment.Status.EXTRACTED
    assert row.name == "补充附件.docx"
    assert phrase(made, "doc0") in squash(row.text)
    assert "admin upload" in row.origin
    assert document.pk in edited  # the index follows
    # The change page lists it with the text read.
    page = admin_client.get(f"/admin/documents/document/{document.pk}/change/")
    html = page.content.decode()
    assert "补充附件.docx" in html
    # The start of its text, and no more (the admin reads 300 characters).
    first_line = row.text.split("\n", 1)[0]
    assert html_escape(first_line[:20]) in html
    assert len(row.text) > 400
    assert html_escape(row.text[300:400].replace("\n", "")[:20]) not in html


@pytest.mark.django_db
def test_a_pending_upload_survives_a_restart(
    admin_client, document: Document, made: MadeFiles, edited: list[int]
) -> None:  # noqa: ANN001
    # In a test's transaction the commit never comes, so the worker is never
    # started: the row stays PENDING, as when the process stops first.
    response = upload(admin_client, document, made.path("doc1", "pdf"), "附件.pdf")
    assert response.status_code == 302
    row = Attachment.objects.get(document=document)
    assert row.status == Attachment.Status.PENDING
    edited.clear()

    out = io.StringIO()
    call_command("extract_attachments", stdout=out)

    row.refresh_from_db()
    assert row.status == Attachment.Status.EXTRACTED, out.getvalue()
    assert phrase(made, "doc1") in squash(row.text)
    assert edited == [document.pk]
    assert "提取 extracted 1" in out.getvalue()


@pytest.mark.django_db
def test_import_plans_drains_the_queue(
    admin_client, document: Document, made: MadeFiles, tmp_path: Path
) -> None:  # noqa: ANN001
    upload(admin_client, document, made.path("doc0", "docx"), "a.docx")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "p.txt").write_text(
        PAGE.replace("东塍镇", "店口镇"), encoding="utf-8"
    )
    call_command(
        "import_plans", str(tmp_path / "other"), "--no-index", stdout=io.StringIO()
    )
    assert Attachment.objects.get(document=document).status == "extracted"


@pytest.mark.django_db
def test_a_bad_upload_is_rejected_with_a_reason(
    admin_client, document: Document, tmp_path: Path
) -> None:  # noqa: ANN001
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4\n this is a broken pdf")
    upload(admin_client, document, bad, "bad.pdf")
    call_command("extract_attachments", stdout=io.StringIO())
    row = Attachment.objects.get(document=document)
    assert row.status == Attachment.Status.REJECTED
    assert row.error
    document.refresh_from_db()
    assert document.needs_review
    assert any("bad.pdf" in note for note in document.review_notes)


@pytest.mark.django_db
def test_an_unknown_format_is_refused_in_the_form(
    admin_client, document: Document, tmp_path: Path
) -> None:  # noqa: ANN001
    odd = tmp_path / "x.exe"
    odd.write_bytes(b"MZ")
    response = upload(admin_client, document, odd, "x.exe")
    assert response.status_code == 200
    assert not Attachment.objects.exists()


@pytest.mark.django_db
def test_an_uploaded_zip_gives_its_members(
    admin_client, document: Document, made: MadeFiles, tmp_path: Path
) -> None:  # noqa: ANN001
    from tests.attachments.makers import write_zip

    bundle = write_zip(
        tmp_path / "附件.zip",
        {
            "计划.docx": made.path("doc0", "docx"),
            "表/报告.pdf": made.path("doc1", "pdf"),
        },
    )
    upload(admin_client, document, bundle, "附件.zip")
    call_command("extract_attachments", stdout=io.StringIO())

    row = Attachment.objects.get(document=document, bundle__isnull=True)
    assert row.status == Attachment.Status.EXTRACTED
    members = {m.member_path: m for m in row.members.all()}
    assert set(members) == {"计划.docx", "表/报告.pdf"}
    assert phrase(made, "doc1") in squash(members["表/报告.pdf"].text)
    assert all(m.status == Attachment.Status.EXTRACTED for m in members.values())


@pytest.mark.django_db
def test_a_bundle_read_later_keeps_the_numbers_of_the_files_after_it(
    admin_client, document: Document, made: MadeFiles, tmp_path: Path
) -> None:  # noqa: ANN001
    from documents.attachment_reading import attachment_by_number
    from tests.attachments.makers import write_zip

    bundle = write_zip(
        tmp_path / "附件.zip",
        {"甲.docx": made.path("doc0", "docx"), "乙.docx": made.path("doc1", "docx")},
    )
    upload(admin_client, document, bundle, "附件.zip")
    upload(admin_client, document, made.path("doc1", "pdf"), "二.pdf")
    upload(admin_client, document, made.path("twopage", "pdf"), "三.pdf")
    assert attachment_by_number(document.pk, 3).name == "三.pdf"

    call_command("extract_attachments", stdout=io.StringIO())

    # /attachments/3/ is still the file it was; the members come after.
    names = [attachment_by_number(document.pk, n).name for n in range(1, 6)]
    assert names == ["附件.zip", "二.pdf", "三.pdf", "甲.docx", "乙.docx"]


@pytest.mark.django_db
def test_rejected_attachments_can_be_read_again(
    admin_client, document: Document, made: MadeFiles, tmp_path: Path
) -> None:  # noqa: ANN001
    # A refusal of the moment (a converter out of time on a loaded machine):
    # the original is stored, and an import of the same bytes keeps the row.
    from tests.attachments.reading_fixtures import add_attachment

    source = made.path("doc0", "docx")
    row = add_attachment(
        document,
        "计划.docx",
        source.read_bytes(),
        kind="docx",
        status=Attachment.Status.REJECTED,
        error="提取超时 (extraction timed out)",
    )
    # Refused before it was stored (too big): nothing to read again.
    unstored = Attachment.objects.create(
        document=document,
        position=1,
        name="过大.pdf",
        kind="pdf",
        media_type="application/pdf",
        size=10**9,
        sha256="0" * 64,
        status=Attachment.Status.REJECTED,
        error="附件过大 (file too big)",
    )
    out = io.StringIO()
    call_command("extract_attachments", stdout=out)
    row.refresh_from_db()
    assert row.status == Attachment.Status.REJECTED  # not without being asked

    call_command("extract_attachments", "--retry-rejected", stdout=out)

    row.refresh_from_db()
    assert row.status == Attachment.Status.EXTRACTED, out.getvalue()
    assert row.error == ""
    assert phrase(made, "doc0") in squash(row.text)
    assert "queued again: 1" in out.getvalue()
    unstored.refresh_from_db()
    assert unstored.status == Attachment.Status.REJECTED
