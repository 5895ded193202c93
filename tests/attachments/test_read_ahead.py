"""An import reads the next documents' attachments while it stores the current
one (documents/attachments/ahead.py): the rows are what reading them in turn
gives, and what was read ahead is not read again."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

from documents.attachments import ingest
from documents.models import Attachment, Document
from tests.attachments.makers import MadeFiles

pytestmark = pytest.mark.django_db

PAGE = "标题：{town}2023年工作计划\n发布机构：{town}人民政府\n发布日期：2023-03-05\n\n详见附件。\n"
# Each page's file and the lone file differ: documents whose page says only
# 详见附件 are told apart by their attachments' text.
FILES = (
    ("东塍镇", "doc0", "docx"),
    ("店口镇", "doc1", "pdf"),
    ("大溪镇", "twopage", "pdf"),
)


def site_of(made: MadeFiles, root: Path) -> Path:
    """Three pages, each with a folder holding a DOCX or a PDF, and a lone PDF."""
    site = root / "site"
    for number, (town, stem, fmt) in enumerate(FILES):
        (site / f"p{number}").mkdir(parents=True)
        (site / f"p{number}.txt").write_text(PAGE.format(town=town), encoding="utf-8")
        shutil.copyfile(made.path(stem, fmt), site / f"p{number}" / f"附件.{fmt}")
    shutil.copyfile(made.path("doc2", "pdf"), site / "lone.pdf")
    return site


def rows() -> list[tuple]:
    return sorted(
        (a.document.title, a.name, a.sha256, a.status, a.text, a.pages, a.method)
        for a in Attachment.objects.select_related("document")
    )


def run_import(path: Path) -> str:
    out = io.StringIO()
    try:
        call_command("import_plans", str(path), "--no-index", stdout=out, stderr=out)
    except Exception as exc:  # noqa: BLE001 - CommandError on a rejection
        out.write(f"\n{exc}")
    return out.getvalue()


def test_read_ahead_gives_what_reading_in_turn_gives(
    made: MadeFiles, tmp_path: Path, settings
) -> None:  # noqa: ANN001
    site = site_of(made, tmp_path)
    settings.PLANSITE_EXTRACT_WORKERS = 0
    report = run_import(site)
    in_turn = rows()
    assert len(in_turn) == 4, report
    assert all(row[3] == Attachment.Status.EXTRACTED for row in in_turn)

    # The same files again into an empty archive, read ahead on two workers.
    Document.objects.all().delete()
    settings.PLANSITE_EXTRACT_WORKERS = 2
    run_import(site)

    assert rows() == in_turn


def test_what_was_read_ahead_is_not_read_again(
    made: MadeFiles, tmp_path: Path, settings, monkeypatch
) -> None:  # noqa: ANN001
    site = site_of(made, tmp_path)
    settings.PLANSITE_EXTRACT_WORKERS = 2

    def read_in_turn(*args: object, **kwargs: object) -> None:
        raise AssertionError("a file that was read ahead was read again")

    monkeypatch.setattr(ingest, "_run_extraction", read_in_turn)
    report = run_import(site)

    assert Attachment.objects.count() == 4, report
    assert not Attachment.objects.exclude(status=Attachment.Status.EXTRACTED).exists()


def test_a_result_that_does_not_fit_the_document_is_read_again_within_it(
    made: MadeFiles, tmp_path: Path, settings
) -> None:  # noqa: ANN001
    """Read ahead under the per-file limits, a two-page PDF does not fit a
    document allowed one page: the import reads it again, cut to that page."""
    site = tmp_path / "site"
    (site / "page").mkdir(parents=True)
    (site / "page.txt").write_text(PAGE.format(town="东塍镇"), encoding="utf-8")
    shutil.copyfile(made.path("twopage", "pdf"), site / "page" / "a.pdf")
    settings.PLANSITE_EXTRACT_WORKERS = 2
    settings.PLANSITE_ATTACHMENT_MAX_PAGES = 1

    run_import(site)

    row = Attachment.objects.get()
    assert row.status == Attachment.Status.EXTRACTED
    assert len(row.pages) == 1
    assert row.warnings  # cut off, and says so
