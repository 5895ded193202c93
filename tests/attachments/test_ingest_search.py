"""Imported and uploaded attachments reach the search index: a phrase that is only
in an attachment finds its document after import_plans, and after an admin upload
once extract_attachments has read it. Truth: a substring scan of searchable_text."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from documents.models import Document
from documents.texts import searchable_text
from search.normalise import fold
from search.services import SearchFilters, search_documents
from tests.admin_forms import change_form_data
from tests.attachments.conftest import squash
from tests.attachments.makers import MadeFiles

pytestmark = [pytest.mark.django_db, pytest.mark.search]

PAGE = "标题：东塍镇2023年工作计划\n发布机构：东塍镇人民政府\n发布日期：2023-03-05\n\n详见附件。\n"


def _phrase(made: MadeFiles, stem: str) -> str:
    """Eight characters of a line of the file's text, found in no page body."""
    lines = [squash(line) for line in made.texts[stem].splitlines()]
    line = next(line for line in lines[1:] if len(line) >= 20)
    return line[4:12]


def _hits(phrase: str) -> set[int]:
    page = search_documents(
        query=f'"{phrase}"', filters=SearchFilters(), sort="", page=1, page_size=100
    )
    return {int(hit.id) for hit in page.results}


def _truth(phrase: str) -> set[int]:
    return {
        d.pk for d in Document.objects.all() if fold(phrase) in fold(searchable_text(d))
    }


def test_import_indexes_the_attachment_text(
    search_index, made: MadeFiles, tmp_path: Path
) -> None:  # noqa: ANN001
    site = tmp_path / "site"
    (site / "page").mkdir(parents=True)
    (site / "page.txt").write_text(PAGE, encoding="utf-8")
    shutil.copyfile(made.path("doc0", "docx"), site / "page" / "计划.docx")
    shutil.copyfile(made.path("doc1", "pdf"), site / "单独.pdf")
    call_command("import_plans", str(site), stdout=io.StringIO())

    for stem in ("doc0", "doc1"):
        phrase = _phrase(made, stem)
        truth = _truth(phrase)
        assert len(truth) == 1, phrase
        assert _hits(phrase) == truth


def test_an_upload_is_indexed_once_read(
    search_index,
    admin_client,
    made: MadeFiles,
    tmp_path: Path,
    django_capture_on_commit_callbacks,
) -> None:  # noqa: ANN001
    (tmp_path / "p.txt").write_text(PAGE, encoding="utf-8")
    call_command("import_plans", str(tmp_path / "p.txt"), stdout=io.StringIO())
    document = Document.objects.get()
    phrase = _phrase(made, "doc2")
    assert _hits(phrase) == set()

    data = change_form_data(admin_client, document)
    data["upload"] = SimpleUploadedFile(
        "补充.docx", made.path("doc2", "docx").read_bytes()
    )
    response = admin_client.post(
        f"/admin/documents/document/{document.pk}/change/", data
    )
    assert response.status_code == 302
    # The request left it pending (in a test transaction no commit starts the
    # worker); the command reads it and, once that commits, the index follows.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("extract_attachments", stdout=io.StringIO())

    assert _truth(phrase) == {document.pk}
    assert _hits(phrase) == {document.pk}
