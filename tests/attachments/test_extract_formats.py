"""DOC, ODT, RTF, WPS and ET through LibreOffice; XLSX/XLS sheets; sniffing; caps."""

from __future__ import annotations

import zipfile

import pytest

from documents.attachments.extract import extract_file
from documents.attachments.extract._text import clean
from documents.attachments.kinds import sniff
from documents.attachments.result import ExtractionRejected, Method
from tests.attachments.makers import write_zip

pytestmark = pytest.mark.converters


@pytest.mark.parametrize("suffix", ["doc", "odt", "rtf"])
def test_libreoffice_formats_read_back_exactly(made, limits, suffix):
    result = extract_file(
        made.path("doc1", suffix), name=f"附件.{suffix}", limits=limits
    )
    assert result.method == Method.LIBREOFFICE
    assert result.text == made.texts["doc1"]
    assert result.headings and result.headings[0].level == 1


def test_a_word_binary_named_wps_is_read_by_libreoffice(made, limits, tmp_path):
    # What this shows: a Word 97 binary file named .wps (as WPS Writer saves .wps in
    # the same OLE/Word format) is sniffed as WPS and read. What it does not show:
    # a file saved by Kingsoft WPS itself - no real sample exists on this machine.
    wps = tmp_path / "计划.wps"
    wps.write_bytes(made.path("doc2", "doc").read_bytes())
    assert sniff(wps, wps.name).key == "wps"
    result = extract_file(wps, name=wps.name, limits=limits)
    assert result.method == Method.LIBREOFFICE
    assert result.text == made.texts["doc2"]


def test_an_excel_binary_named_et_is_read_as_a_sheet(made, limits, tmp_path):
    # Same caveat as .wps: an XLS written by LibreOffice, named .et.
    et = tmp_path / "表.et"
    et.write_bytes(made.path("sheet", "xls").read_bytes())
    result = extract_file(et, name=et.name, limits=limits)
    assert result.method == Method.LIBREOFFICE
    assert result.text == made.texts["sheet"]
    assert [p.label for p in result.pages] == ["2023年任务", "资金"]


@pytest.mark.parametrize("suffix", ["xlsx", "xls"])
def test_sheets_are_pages_of_tab_separated_rows(made, limits, suffix):
    result = extract_file(made.path("sheet", suffix), name=f"t.{suffix}", limits=limits)
    assert result.method == Method.SHEET
    assert result.text == made.texts["sheet"]
    assert [p.label for p in result.pages] == ["2023年任务", "资金"]
    first = result.text[result.pages[0].start : result.pages[0].end]
    assert first.splitlines() == ["序号\t任务\t责任单位", "1\t道路硬化\t建设办"]
    assert result.page_count == 2


def test_a_web_page_named_doc_is_read_as_html(limits, tmp_path):
    page = tmp_path / "附件.doc"
    page.write_text(
        "<html><head><title>t</title><script>var x=1</script></head><body>"
        "<p>关于开展人居环境整治的通知</p><table><tr><td>序号</td><td>任务</td></tr>"
        "</table></body></html>",
        encoding="gbk",
    )
    assert sniff(page, page.name).key == "html"
    result = extract_file(page, name=page.name, limits=limits)
    assert result.method == Method.TEXT
    assert "关于开展人居环境整治的通知" in result.text
    assert "var x" not in result.text


def test_sniff_trusts_bytes_over_the_name(made, tmp_path):
    pdf_as_doc = tmp_path / "a.doc"
    pdf_as_doc.write_bytes(made.path("doc0", "pdf").read_bytes())
    assert sniff(pdf_as_doc, "a.doc").key == "pdf"
    assert sniff(made.path("doc0", "docx"), "x.zip").key == "docx"
    assert sniff(made.path("sheet", "xlsx"), "x.xls").key == "xlsx"
    assert sniff(made.path("doc0", "odt"), "x.doc").key == "odt"
    assert sniff(made.path("doc0", "rtf"), "x.doc").key == "rtf"
    assert sniff(made.path("doc0", "doc"), "x").key == "doc"
    assert sniff(made.path("sheet", "xls"), "x").key == "xls"
    bundle = write_zip(tmp_path / "b.bin", {"a.txt": b"x"})
    assert sniff(bundle, "b.bin").key == "zip"
    unknown = tmp_path / "u.docx"
    unknown.write_bytes(b"not a docx at all")
    assert sniff(unknown, "u.docx").key == "docx"  # the name; the reader says corrupt


def test_ofd_is_rejected_with_a_clear_reason(limits, tmp_path):
    # No maintained OFD reader holds up here (easyofd needs PyMuPDF, AGPL), and no
    # tool on this machine writes OFD: this is a ZIP with OFD's entry file only.
    ofd = tmp_path / "公文.ofd"
    with zipfile.ZipFile(ofd, "w") as package:
        package.writestr(
            "OFD.xml", '<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"/>'
        )
    assert sniff(ofd, ofd.name).key == "ofd"
    with pytest.raises(ExtractionRejected, match="暂不支持 OFD 版式文件"):
        extract_file(ofd, name=ofd.name, limits=limits)


def test_text_is_cut_at_the_cap_with_a_warning(made, limits):
    from dataclasses import replace

    result = extract_file(
        made.path("doc0", "docx"),
        name="a.docx",
        limits=replace(limits, max_text_chars=100),
    )
    assert len(result.text) == 100
    assert result.text == made.texts["doc0"][:100]
    assert result.truncated
    assert any("100" in w for w in result.warnings)
    assert result.pages[-1].end == 100


def test_control_characters_are_dropped_and_breaks_normalised():
    assert clean("a\x00b\x07c\r\nd\re\x0cf\tg\u2028h") == "abc\nd\ne\nf\tg\nh"


def test_an_empty_file_and_an_unknown_format_are_rejected(limits, tmp_path):
    empty = tmp_path / "a.pdf"
    empty.write_bytes(b"")
    with pytest.raises(ExtractionRejected, match="文件为空"):
        extract_file(empty, name="a.pdf", limits=limits)
    odd = tmp_path / "a.xyz"
    odd.write_bytes(b"\x01\x02 nothing known")
    with pytest.raises(ExtractionRejected, match="不支持的附件格式"):
        extract_file(odd, name="a.xyz", limits=limits)
