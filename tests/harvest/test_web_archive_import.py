"""import_plans reads .warc, .warc.gz and .wacz: each captured page a document,
the attachments it links to in the same archive its attachments, by URL."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from warcio.archiveiterator import ArchiveIterator

from documents.ingest.store import Outcome
from documents.ingest.web_archive import (
    CapturedPage,
    RejectedItem,
    import_web_archives,
    is_web_archive,
    looks_like_list_page,
    read_web_archive,
)
from documents.models import Attachment, Document, SourcePath
from tests.attachments.makers import soffice_convert, write_docx
from tests.harvest.warc_makers import (
    FIXTURES,
    Capture,
    detail_page,
    hanweb_list_page,
    payload_digest,
    trs_list_page,
    write_wacz,
    write_warc,
)

pytestmark = pytest.mark.django_db

SITE = "http://www.example-town.gov.cn/zwgk/jhzj"
PAGE_A = f"{SITE}/202103/t20210305_100087.html"
PAGE_B = f"{SITE}/202112/t20211220_100321.html"
PDF_URL = f"{SITE}/202103/P020210305512345678901.pdf"
DOCX_URL = "http://www.example-town.gov.cn/module/download/downfile.jsp?classid=0&id=42"
DOCX_NAME = "2021年重点项目表.docx"
PDF_WORDS = "郫筒街道农村人居环境整治三年行动计划附表"
DOCX_WORDS = "重点项目名称建设内容总投资"


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path: Path) -> None:  # noqa: ANN001
    settings.VAR_DIR = tmp_path / "var"
    settings.ATTACHMENT_DIR = tmp_path / "var" / "attachments"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """A real PDF (LibreOffice) and a real DOCX (python-docx)."""
    folder = tmp_path_factory.mktemp("warc-files")
    source = write_docx(
        folder / "附表.docx",
        [
            PDF_WORDS,
            "一、目标任务：到年底，全街道农村生活垃圾收运处置体系覆盖所有行政村。",
            "二、工作措施：落实村级保洁责任，建立长效管护机制，开展季度考评。",
        ],
    )
    (pdf,) = soffice_convert([source], "pdf", folder / "pdf")
    docx = write_docx(folder / "项目表.docx", [DOCX_WORDS, "道路提升改造工程"])
    return {"pdf": pdf.read_bytes(), "docx": docx.read_bytes()}


def _captures(files: dict[str, bytes], *, page_b: bytes | None = None) -> list[Capture]:
    list_url = f"{SITE}/index.html"
    listing = trs_list_page(
        [
            ("./202103/t20210305_100087.html", "郫筒街道2021年工作要点", "2021-03-05"),
            ("./202112/t20211220_100321.html", "2021年工作总结", "2021-12-20"),
            ("./202101/t20210110_100001.html", "某某通知一", "2021-01-10"),
            ("./202101/t20210111_100002.html", "某某通知二", "2021-01-11"),
            ("./202101/t20210112_100003.html", "某某通知三", "2021-01-12"),
            ("./202101/t20210113_100004.html", "某某通知四", "2021-01-13"),
        ],
        total=6,
    )
    page_a = detail_page(
        "03_pitong_trs_editor.html",
        links=[
            ("./P020210305512345678901.pdf", "附表.pdf"),
            ("/module/download/downfile.jsp?classid=0&id=42", "重点项目表"),
        ],
    )
    return [
        Capture(list_url, listing),
        Capture(PAGE_A, page_a, date="2026-12-01T08:00:05Z"),
        Capture(PDF_URL, files["pdf"], content_type="application/pdf"),
        Capture(
            DOCX_URL,
            files["docx"],
            content_type="application/octet-stream",
            headers=[
                (
                    "Content-Disposition",
                    "attachment; filename*=UTF-8''"
                    "2021%E5%B9%B4%E9%87%8D%E7%82%B9%E9%A1%B9%E7%9B%AE%E8%A1%A8.docx",
                )
            ],
        ),
        Capture(
            PAGE_B,
            page_b or detail_page("15_liubu_plan_published_dec.html"),
            date="2026-12-01T08:00:09Z",
        ),
    ]


def _import(path: Path) -> str:
    out = io.StringIO()
    call_command("import_plans", str(path), "--no-index", stdout=out)
    return out.getvalue()


def test_is_web_archive_by_name() -> None:
    assert is_web_archive(Path("a.warc"))
    assert is_web_archive(Path("A.WARC.GZ"))
    assert is_web_archive(Path("x.wacz"))
    assert not is_web_archive(Path("a.gz"))
    assert not is_web_archive(Path("page.html"))


def test_import_plans_reads_a_warc_gz(tmp_path: Path, files: dict[str, bytes]) -> None:
    archive = write_warc(tmp_path / "capture.warc.gz", _captures(files))

    out = _import(archive)

    # The two detail pages are documents; the column's list page is not.
    assert Document.objects.count() == 2, out
    assert PAGE_A in out and PAGE_B in out
    a = SourcePath.objects.get(locator=PAGE_A).document
    assert a.title == "郫筒街道2021年工作要点"
    assert "稳中求进工作总基调" in a.body
    assert a.source_url == PAGE_A
    assert a.source_file.startswith("capture.warc.gz#urn:uuid:")
    rows = {row.name: row for row in a.attachments.all()}
    assert set(rows) == {"P020210305512345678901.pdf", DOCX_NAME}
    pdf = rows["P020210305512345678901.pdf"]
    assert pdf.kind == "pdf" and pdf.source_url == PDF_URL
    assert PDF_WORDS in "".join(pdf.text.split())
    assert pdf.origin.startswith("capture.warc.gz#urn:uuid:")
    docx = rows[DOCX_NAME]
    assert docx.kind == "docx" and DOCX_WORDS in "".join(docx.text.split())
    assert docx.status == Attachment.Status.EXTRACTED
    b = SourcePath.objects.get(locator=PAGE_B).document
    assert b.source_url == PAGE_B
    assert not b.attachments.exists()
    assert not SourcePath.objects.filter(locator=f"{SITE}/index.html").exists()


def test_reader_gives_urls_capture_times_and_spooled_files(
    tmp_path: Path, files: dict[str, bytes]
) -> None:
    archive = write_warc(tmp_path / "capture.warc.gz", _captures(files))

    items = read_web_archive(archive)
    first = next(items)
    assert isinstance(first, CapturedPage)
    assert first.url == PAGE_A
    assert first.captured_at == datetime(2026, 12, 1, 8, 0, 5, tzinfo=UTC)
    spooled = [f.path for f in first.attachments]
    assert [p.read_bytes() for p in spooled] == [files["pdf"], files["docx"]]
    assert str(spooled[0]).startswith(str(tmp_path / "var"))
    second = next(items)
    # Asking for the next page deletes the last page's spooled files.
    assert not any(p.exists() for p in spooled)
    assert isinstance(second, CapturedPage) and second.url == PAGE_B
    assert second.captured_at == datetime(2026, 12, 1, 8, 0, 9, tzinfo=UTC)
    assert list(items) == []


def test_same_archive_twice_is_unchanged(
    tmp_path: Path, files: dict[str, bytes]
) -> None:
    archive = write_warc(tmp_path / "capture.warc.gz", _captures(files))
    first = import_web_archives([archive])
    assert first.count(Outcome.IMPORTED) == 2

    again = import_web_archives([archive])

    assert again.count(Outcome.UNCHANGED) == 2
    assert again.count(Outcome.IMPORTED) == again.count(Outcome.UPDATED) == 0
    assert Document.objects.count() == 2
    assert Attachment.objects.count() == 2


def test_recapture_with_changed_text_updates_the_same_document(
    tmp_path: Path, files: dict[str, bytes]
) -> None:
    import_web_archives([write_warc(tmp_path / "one.warc.gz", _captures(files))])
    before = SourcePath.objects.get(locator=PAGE_B).document
    changed = detail_page("15_liubu_plan_published_dec.html").replace(
        "确保社会大局和谐稳定".encode(),
        "确保社会大局和谐稳定，新增乡村道路养护任务".encode(),
    )
    later = write_warc(tmp_path / "two.warc.gz", _captures(files, page_b=changed))

    summary = import_web_archives([later], urls=[PAGE_B])

    assert [(r.locator, r.outcome) for r in summary.results] == [
        (PAGE_B, Outcome.UPDATED)
    ]
    after = Document.objects.get(pk=before.pk)
    assert "新增乡村道路养护任务" in after.body
    assert Document.objects.count() == 2


@pytest.mark.parametrize("form", ["warc", "wacz"])
def test_plain_warc_and_wacz(
    tmp_path: Path, files: dict[str, bytes], form: str
) -> None:
    warc = write_warc(tmp_path / "capture.warc", _captures(files), gzip=False)
    archive = warc if form == "warc" else write_wacz(tmp_path / "capture.wacz", warc)

    summary = import_web_archives([archive])

    assert summary.count(Outcome.IMPORTED) == 2, summary.results
    a = SourcePath.objects.get(locator=PAGE_A).document
    assert a.attachments.count() == 2
    assert a.source_file.startswith(archive.name + "#")


def test_a_cut_archive_imports_its_whole_records(
    tmp_path: Path, files: dict[str, bytes]
) -> None:
    archive = write_warc(tmp_path / "capture.warc.gz", _captures(files))
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) - 300])  # inside page B's response

    summary = import_web_archives([archive])

    assert [r.locator for r in summary.results if r.outcome is Outcome.IMPORTED] == [
        PAGE_A
    ]
    (cut,) = summary.rejected
    assert "截断" in cut.reason and "cut" in cut.reason
    assert SourcePath.objects.get(locator=PAGE_A).document.attachments.count() == 2


def test_a_damaged_record_is_reported_and_the_rest_goes_on(
    tmp_path: Path, files: dict[str, bytes]
) -> None:
    archive = write_warc(tmp_path / "capture.warc.gz", _captures(files))
    with archive.open("rb") as handle:
        iterator = ArchiveIterator(handle)
        for record in iterator:
            record.content_stream().read()
            if record.rec_headers.get_header("WARC-Target-URI") == PDF_URL and (
                record.rec_type == "response"
            ):
                start = iterator.get_record_offset()
                length = iterator.get_record_length()
    data = bytearray(archive.read_bytes())
    # Bytes changed inside the PDF response's compressed data (gzip per record).
    for at in range(start + length // 3, start + length // 3 + 64):
        data[at] ^= 0x55
    archive.write_bytes(bytes(data))

    summary = import_web_archives([archive])

    imported = [r.locator for r in summary.results if r.outcome is Outcome.IMPORTED]
    assert imported == [PAGE_A, PAGE_B]
    (damaged,) = summary.rejected
    assert damaged.locator == f"capture.warc.gz@{start}"
    assert "unreadable" in damaged.reason
    # Page A keeps the attachment whose record is whole.
    (row,) = SourcePath.objects.get(locator=PAGE_A).document.attachments.all()
    assert row.name == DOCX_NAME


def test_a_record_over_the_size_limit_is_refused_alone(
    settings, tmp_path: Path, files: dict[str, bytes]
) -> None:
    captures = _captures(files)
    big = detail_page(
        "15_liubu_plan_published_dec.html", extra="<p>" + "长" * 40000 + "</p>"
    )
    captures[4] = Capture(PAGE_B, big)
    settings.PLANSITE_MAX_DOCUMENT_BYTES = 100_000
    archive = write_warc(tmp_path / "capture.warc.gz", captures)

    summary = import_web_archives([archive])

    assert [r.locator for r in summary.results if r.outcome is Outcome.IMPORTED] == [
        PAGE_A
    ]
    (refused,) = summary.rejected
    assert refused.locator == PAGE_B and "too big" in refused.reason


def test_a_record_truncated_at_capture_is_refused_with_its_reason(
    tmp_path: Path, files: dict[str, bytes]
) -> None:
    # The harvester keeps an oversized response cut at its cap, marked
    # WARC-Truncated: length; a page or attachment read from it would be a fragment.
    captures = _captures(files)
    cut = captures[4]
    captures[4] = Capture(cut.url, cut.body[: len(cut.body) // 2], truncated="length")
    archive = write_warc(tmp_path / "capture.warc.gz", captures)

    summary = import_web_archives([archive])

    (refused,) = summary.rejected
    assert refused.locator == PAGE_B
    assert "truncated at capture: length" in refused.reason
    assert not Document.objects.filter(source_url=PAGE_B).exists()
    assert Document.objects.filter(source_url=PAGE_A).count() == 1


def test_revisit_uses_the_payload_in_the_same_archive(
    tmp_path: Path, files: dict[str, bytes]
) -> None:
    captures = _captures(files)
    body = captures[4].body
    mirror = f"{SITE}/202112/t20211220_100321_copy.html"
    captures.append(
        Capture(
            mirror, b"", revisit_of=payload_digest(body), date="2026-12-02T00:00:00Z"
        )
    )
    archive = write_warc(tmp_path / "capture.warc.gz", captures)

    pages = [i for i in read_web_archive(archive) if isinstance(i, CapturedPage)]

    assert [p.url for p in pages] == [PAGE_A, PAGE_B, mirror]
    assert pages[2].body == body


def test_revisit_of_an_earlier_archive_is_unchanged(
    tmp_path: Path, files: dict[str, bytes]
) -> None:
    captures = _captures(files)
    import_web_archives([write_warc(tmp_path / "one.warc.gz", captures)])
    digest = payload_digest(captures[4].body)
    later = write_warc(
        tmp_path / "two.warc.gz", [Capture(PAGE_B, b"", revisit_of=digest)]
    )
    orphan = write_warc(
        tmp_path / "three.warc.gz",
        [Capture(f"{SITE}/new.html", b"", revisit_of=digest)],
    )

    summary = import_web_archives([later, orphan])

    assert [(r.locator, r.outcome) for r in summary.results] == [
        (PAGE_B, Outcome.UNCHANGED),
        (f"{SITE}/new.html", Outcome.REJECTED),
    ]
    assert "revisit" in summary.results[1].reason


def test_only_the_given_urls(tmp_path: Path, files: dict[str, bytes]) -> None:
    archive = write_warc(tmp_path / "capture.warc.gz", _captures(files))
    items = list(read_web_archive(archive, urls=[PAGE_B]))
    assert [i.url for i in items] == [PAGE_B]


def test_not_found_responses_are_not_documents(tmp_path: Path) -> None:
    page = detail_page("15_liubu_plan_published_dec.html")
    archive = write_warc(
        tmp_path / "capture.warc.gz",
        [Capture(PAGE_A, page, status="404 Not Found"), Capture(PAGE_B, page)],
    )
    assert [i.url for i in read_web_archive(archive)] == [PAGE_B]


# Pages with no document on them: site chrome only, a script redirect, a
# template with $placeholders.
NOT_DOCUMENTS = {
    "18_chrome_only.html",
    "h08_js_redirect.html",
    "h10_chrome_long_footer.html",
    "toolbar_page.html",
}
# Real detail pages of 政务公开 sites (TRS, Hanweb and others): every HTML
# fixture the importer is tested on.
DETAIL_PAGES = sorted(
    path
    for folder in ("unseen", "html_title", "chrome", "extra", "signature")
    for path in (FIXTURES / folder).glob("*.html")
    if path.name not in NOT_DOCUMENTS
)


@pytest.mark.parametrize("path", DETAIL_PAGES, ids=lambda p: p.name)
def test_detail_pages_are_not_list_pages(path: Path) -> None:
    related = "".join(
        f'<li><a href="./t2021010{n}_1.html">相关文件{n}</a><span>2021-01-0{n}</span></li>'
        for n in range(1, 7)
    )
    # A "related documents" box with dated links does not make a page a list.
    body = path.read_bytes().replace(
        b"</body>", f"<ul class='related'>{related}</ul></body>".encode()
    )
    assert not looks_like_list_page(body)


def test_list_pages_are_list_pages() -> None:
    entries = [
        (
            f"./2021{m:02d}/t2021{m:02d}15_{m}.html",
            f"某某镇2021年{m}月工作计划",
            f"2021-{m:02d}-15",
        )
        for m in range(1, 13)
    ]
    assert looks_like_list_page(trs_list_page(entries, total=40))
    assert looks_like_list_page(trs_list_page(entries[:5], total=5))
    assert looks_like_list_page(hanweb_list_page(entries))


def test_rejected_item_for_an_unreadable_wacz(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wacz"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    (item,) = list(read_web_archive(bad))
    assert isinstance(item, RejectedItem) and "WACZ" in item.reason


def test_redirects_are_followed_within_the_archive(
    tmp_path: Path, files: dict[str, bytes]
) -> None:
    """A download link that redirects to the file, a document URL that
    redirects to its page (as the harvest records them: a 302, then a 200)."""
    moved = f"{SITE}/202112/t20211220_100321_new.html"
    link = "/module/download/downfile.jsp?id=7"
    gbk_name = "%C4%EA%B6%C8%BC%C6%BB%AE.pdf"  # 年度计划.pdf, percent-encoded GBK
    page = detail_page("15_liubu_plan_published_dec.html", links=[(link, "附件")])
    archive = write_warc(
        tmp_path / "capture.warc.gz",
        [
            Capture(PAGE_B, b"", status="302 Found", headers=[("Location", moved)]),
            Capture(moved, page),
            Capture(
                f"http://www.example-town.gov.cn{link}",
                b"",
                status="302 Found",
                headers=[("Location", f"/files/{gbk_name}")],
            ),
            Capture(
                f"http://www.example-town.gov.cn/files/{gbk_name}",
                files["pdf"],
                content_type="application/pdf",
            ),
        ],
    )

    items = read_web_archive(archive, urls=[PAGE_B])
    item = next(items)

    assert isinstance(item, CapturedPage) and item.url == moved
    (attachment,) = item.attachments
    assert attachment.name == "年度计划.pdf"
    assert attachment.path.read_bytes() == files["pdf"]
    assert list(items) == []


def test_attachments_named_in_scripts_and_wrapped_hrefs_are_attached(
    tmp_path: Path, files: dict[str, bytes]
) -> None:
    """The harvest fetches the files a TRS page names in a script and hrefs a
    CMS wrapped over lines (links.parse_document): the import attaches them."""
    page = detail_page(
        "15_liubu_plan_published_dec.html",
        links=[("./P0201\n  2345.pdf", "附表")],
        extra="<script>var file_appendix = './P020112346.docx';</script>",
    )
    archive = write_warc(
        tmp_path / "capture.warc.gz",
        [
            Capture(PAGE_B, page),
            Capture(
                f"{SITE}/202112/P02012345.pdf",
                files["pdf"],
                content_type="application/pdf",
            ),
            Capture(
                f"{SITE}/202112/P020112346.docx",
                files["docx"],
                content_type="application/octet-stream",
            ),
        ],
    )

    (item,) = read_web_archive(archive, urls=[PAGE_B])

    assert isinstance(item, CapturedPage)
    assert sorted(a.name for a in item.attachments) == [
        "P020112346.docx",
        "P02012345.pdf",
    ]


def test_a_harvests_files_are_read_as_one_archive(
    tmp_path: Path, files: dict[str, bytes]
) -> None:
    """A run killed between a page and its attachments: the page is in the
    killed run's file, the attachments in the resuming run's."""
    first = write_warc(
        tmp_path / "a-1.warc.gz",
        [
            Capture(
                PAGE_A,
                detail_page(
                    "03_pitong_trs_editor.html",
                    links=[("./P020210305512345678901.pdf", "附表.pdf")],
                ),
            )
        ],
    )
    second = write_warc(
        tmp_path / "a-2.warc.gz",
        [Capture(PDF_URL, files["pdf"], content_type="application/pdf")],
    )

    apart = [i for i in read_web_archive(first, urls=[PAGE_A])]
    summary = import_web_archives([first, second], urls=[PAGE_A], together=True)

    assert [len(i.attachments) for i in apart] == [0]
    (result,) = summary.results
    assert result.outcome is Outcome.IMPORTED
    (row,) = Document.objects.get(pk=result.document_id).attachments.all()
    assert row.origin.startswith("a-2.warc.gz#")


def test_revisit_found_by_its_refers_to_uri_and_date(
    tmp_path: Path, files: dict[str, bytes]
) -> None:
    captures = _captures(files)
    # A digest of another algorithm than the original's header: the
    # WARC-Refers-To-Target-URI and -Date still find it.
    captures.append(
        Capture(PAGE_B, b"", revisit_of="sha256:0000", date=captures[4].date)
    )
    archive = write_warc(tmp_path / "capture.warc.gz", captures)

    pages = [i for i in read_web_archive(archive) if isinstance(i, CapturedPage)]

    assert [p.url for p in pages] == [PAGE_A, PAGE_B, PAGE_B]
    assert pages[2].body == pages[1].body


def test_an_archive_without_pages_is_reported(tmp_path: Path) -> None:
    archive = write_warc(tmp_path / "empty.warc.gz", [])
    (result,) = import_web_archives([archive]).results
    assert result.outcome is Outcome.REJECTED
    assert "no document pages" in result.reason
    # …but not when the harvest asks for URLs the archive does not hold.
    assert import_web_archives([archive], urls=[PAGE_A]).results == []


def test_a_file_no_page_links_to_is_a_document_of_its_own(
    tmp_path: Path, files: dict[str, bytes]
) -> None:
    """A column whose list links straight to its PDFs (no detail page)."""
    pdf_url = f"{SITE}/202104/P020210401000001.pdf"
    entries = [
        (f"./2021{m:02d}/P0202101{m:02d}.pdf", f"某某镇{m}月计划", f"2021-{m:02d}-01")
        for m in range(1, 6)
    ]
    entries[3] = ("./202104/P020210401000001.pdf", "人居环境整治行动计划", "2021-04-01")
    archive = write_warc(
        tmp_path / "capture.warc.gz",
        [
            Capture(f"{SITE}/index.html", trs_list_page(entries, total=5)),
            Capture(pdf_url, files["pdf"], content_type="application/pdf"),
        ],
    )

    summary = import_web_archives([archive])

    assert [(r.locator, r.outcome) for r in summary.results] == [
        (pdf_url, Outcome.IMPORTED)
    ]
    document = SourcePath.objects.get(locator=pdf_url).document
    assert document.source_url == pdf_url
    (row,) = document.attachments.all()
    assert PDF_WORDS in "".join(row.text.split())
    assert import_web_archives([archive]).count(Outcome.UNCHANGED) == 1


def test_records_are_streamed_never_held_whole(settings, tmp_path: Path) -> None:
    """A 40 MB attachment record goes to its temporary file in chunks; one over
    the attachment limit is noted on its page, which imports all the same."""
    import os
    import tracemalloc

    big = os.urandom(40 * 1024 * 1024)  # incompressible: gzip cannot shrink it
    page = detail_page(
        "15_liubu_plan_published_dec.html",
        links=[("./big.pdf", "大文件"), ("./huge.pdf", "超大文件")],
    )
    base = PAGE_B.rsplit("/", 1)[0]
    archive = write_warc(
        tmp_path / "capture.warc.gz",
        [
            Capture(PAGE_B, page),
            Capture(
                f"{base}/big.pdf", b"%PDF-1.4\n" + big, content_type="application/pdf"
            ),
            Capture(f"{base}/huge.pdf", big + big, content_type="application/pdf"),
        ],
    )
    settings.PLANSITE_ATTACHMENT_MAX_FILE_BYTES = 60 * 1024 * 1024
    del big

    tracemalloc.start()
    try:
        items = read_web_archive(archive)
        item = next(items)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert isinstance(item, CapturedPage)
    (spooled,) = item.attachments
    assert spooled.path.stat().st_size == 40 * 1024 * 1024 + 9
    assert len(item.attachment_problems) == 1
    assert "huge.pdf" in item.attachment_problems[0]
    assert "too big" in item.attachment_problems[0]
    assert peak < 12 * 1024 * 1024, peak
    items.close()
    assert not spooled.path.exists()
