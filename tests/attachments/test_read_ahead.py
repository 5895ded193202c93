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
from tests.attachments.conftest import processes_using
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


@pytest.mark.slow
def test_a_stopped_import_does_not_wait_for_what_it_read_ahead(
    made: MadeFiles, tmp_path: Path, settings
) -> None:  # noqa: ANN001
    """Ctrl-C on the first document: the slow conversion running ahead for the
    second is killed, not waited for."""
    import time

    from documents import services
    from tests.attachments.makers import slow_rtf

    site = tmp_path / "site"
    for number, town in enumerate(("东塍镇", "店口镇")):
        (site / f"p{number}").mkdir(parents=True)
        (site / f"p{number}.txt").write_text(PAGE.format(town=town), encoding="utf-8")
    shutil.copyfile(made.path("doc0", "docx"), site / "p0" / "附件.docx")
    slow_rtf(site / "p1" / "附件.rtf", paragraphs=200000)  # LibreOffice: ~30 s
    settings.PLANSITE_EXTRACT_WORKERS = 2
    stopped: list[float] = []

    def interrupt(result: object) -> None:
        time.sleep(1)  # the second file's conversion is under way
        stopped.append(time.monotonic())
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        services.import_documents([site], on_result=interrupt)

    assert time.monotonic() - stopped[0] < 10
    assert processes_using("documents.attachments.sandbox") == []
    # What was stored before the stop is kept.
    assert Document.objects.filter(title="东塍镇2023年工作计划").exists()
