"""DOCX (python-docx) and text PDFs (LibreOffice export) read back exactly."""

from __future__ import annotations

import pytest

from documents.attachments.extract import extract_file
from documents.attachments.result import Method
from tests.attachments.conftest import squash
from tests.attachments.makers import Para, write_docx

pytestmark = pytest.mark.converters


def test_docx_text_paragraphs_and_headings(made, limits):
    path = made.path("doc0", "docx")
    result = extract_file(path, name="附件1.docx", limits=limits)
    assert result.method == Method.DOCX
    assert result.text == made.texts["doc0"]
    assert result.headings[0].level == 1
    first = made.texts["doc0"].splitlines()[0]
    assert result.headings[0].text == first
    for heading in result.headings:
        assert result.text[heading.offset :].startswith(heading.text)
    assert result.pages[0].start == 0 and result.pages[0].end == len(result.text)


def test_docx_chinese_heading_styles_and_tables(tmp_path, limits):
    path = write_docx(
        tmp_path / "t.docx",
        [Para("总体要求", level=1), Para("正文一段。"), Para("主要任务", level=2)],
        tables=[[["序号", "任务"], ["1", "修路"]]],
        heading_style="标题 {level}",
    )
    result = extract_file(path, name="t.docx", limits=limits)
    assert [(h.level, h.text) for h in result.headings] == [
        (1, "总体要求"),
        (2, "主要任务"),
    ]
    assert result.text.splitlines()[-2:] == ["序号\t任务", "1\t修路"]


def test_text_pdf_pages_keep_their_numbers(made, limits):
    result = extract_file(made.path("twopage", "pdf"), name="a.pdf", limits=limits)
    assert result.method == Method.PDF_TEXT
    assert result.page_count == 2
    assert [p.number for p in result.pages] == [1, 2]
    first, second = (result.text[p.start : p.end] for p in result.pages)
    assert "乡村振兴重点任务" in first and "人居环境整治提升" in second
    assert result.text == first + "\n" + second


def test_corpus_pdf_holds_the_corpus_text(made, limits):
    result = extract_file(made.path("doc1", "pdf"), name="b.pdf", limits=limits)
    assert squash(made.texts["doc1"]) == squash(result.text)


def test_a_docx_named_doc_is_read_as_docx(made, limits, tmp_path):
    renamed = tmp_path / "plan.doc"
    renamed.write_bytes(made.path("doc0", "docx").read_bytes())
    result = extract_file(renamed, name="plan.doc", limits=limits)
    assert result.method == Method.DOCX
    assert result.text == made.texts["doc0"]


@pytest.mark.parametrize("stem", ["doc0", "doc1", "doc2"])
def test_wrapped_pdf_lines_are_joined_so_phrases_are_found(made, limits, stem):
    # LibreOffice wraps long paragraphs; each sentence of the corpus text must be an
    # exact substring again. Only a page break may still split one (pages are
    # separate spans), so the pages are put side by side for the check.
    result = extract_file(made.path(stem, "pdf"), name="a.pdf", limits=limits)
    side_by_side = "".join(result.text[p.start : p.end] for p in result.pages)
    sentences = [
        s
        for line in made.texts[stem].splitlines()
        for s in line.split("。")
        if len(s) > 4
    ]
    missing = [s for s in sentences if s not in side_by_side]
    assert missing == []
    assert (
        result.text.count("\n")
        < len(made.texts[stem].splitlines()) + len(result.pages) * 3
    )


def test_text_boxes_are_read_once(made, limits):
    for suffix in ("docx", "doc"):
        path = made.path("textbox", suffix)
        result = extract_file(path, name=path.name, limits=limits)
        assert result.text.count("文本框里的发文机关标志") == 1, suffix
        assert result.text == made.texts["textbox"]


def test_paragraphs_inside_content_controls_are_read(limits, tmp_path):
    # A template's field (w:sdt) holding a paragraph, put in with python-docx's
    # own XML layer, between two ordinary paragraphs.
    import docx
    from docx.oxml import parse_xml

    path = write_docx(tmp_path / "sdt.docx", ["第一段。", "第三段。"])
    document = docx.Document(str(path))
    sdt = parse_xml(
        '<w:sdt xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:sdtPr/><w:sdtContent><w:p><w:r><w:t>填写处：第二段。</w:t></w:r></w:p>"
        "</w:sdtContent></w:sdt>"
    )
    document.paragraphs[0]._p.addnext(sdt)
    document.save(str(path))
    result = extract_file(path, name="sdt.docx", limits=limits)
    assert result.text == "第一段。\n填写处：第二段。\n第三段。"


def test_radical_code_points_in_a_pdf_read_as_the_ideographs(tmp_path, limits):
    """A PDF whose text layer says ⽂ (U+2F42, KANGXI RADICAL SCRIPT) for 文, as
    many Chinese PDFs do, reads as 文: the reader's query 文化 must find it."""
    from tests.attachments.makers import convert_texts

    text = "东塍镇⽂化⼯作计划\n加强⽂化阵地建设，推进乡村振兴⼯作。\n"
    pdf = convert_texts({"radicals": text}, "pdf", tmp_path)["radicals"]
    result = extract_file(pdf, name="附件.pdf", limits=limits)
    assert "⽂" not in result.text and "⼯" not in result.text
    assert "东塍镇文化工作计划" in result.text
    assert "加强文化阵地建设，推进乡村振兴工作。" in result.text
