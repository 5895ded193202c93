"""Metadata read from real files: a 红头 notice written as a DOCX by python-docx and
converted to PDF by LibreOffice, read back as the importer reads them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.attachment_metadata_bench import (
    BANNER,
    NUMBER,
    PARA,
    RIGHT_LINE,
    TITLE,
    Item,
    build_files,
    read,
)
from documents.attachments.metadata import WHERE_SIGNATURE, fields_from_attachment

pytestmark = pytest.mark.converters

LINES = [
    (BANNER, "德清县农业农村局文件"),
    (NUMBER, "德农发〔2023〕8号"),
    (TITLE, "德清县农业农村局关于印发"),
    (TITLE, "《德清县2023年农业农村工作要点》"),
    (TITLE, "的通知"),
    (PARA, "各镇（街道）农业农村办公室，局属各单位："),
    (PARA, "现将《德清县2023年农业农村工作要点》印发给你们，请结合实际抓好落实。"),
    (PARA, "附件：1．德清县2023年农业农村工作要点"),
    (PARA, "2．重点工作任务分解表"),
    (RIGHT_LINE, "德清县农业农村局"),
    (RIGHT_LINE, "二〇二三年三月五日"),
    (PARA, "（此件公开发布）"),
]


@pytest.fixture(scope="session")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    items = [
        Item(id=fmt, source="test", name=f"附件.{fmt}", lines=LINES, truth={}, fmt=fmt)
        for fmt in ("docx", "pdf")
    ]
    items[1].footer = True  # "— 1 —" under the page
    build_files(items, tmp_path_factory.mktemp("metadata-files"))
    return {item.fmt: item.path for item in items if item.path is not None}


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_red_header_notice_read_from_the_file(made: dict[str, Path], fmt: str) -> None:
    path = made[fmt]
    assert path.suffix == f".{fmt}" and path.stat().st_size > 0
    found = fields_from_attachment(read(path, path.name), name=path.name)
    assert found.title is not None
    assert found.title.value == (
        "德清县农业农村局关于印发《德清县2023年农业农村工作要点》的通知"
    )
    assert (
        found.doc_number is not None and found.doc_number.value == "德农发〔2023〕8号"
    )
    assert found.issuer is not None
    assert (found.issuer.value, found.issuer.where) == (
        "德清县农业农村局",
        WHERE_SIGNATURE,
    )
    assert found.doc_date is not None and found.doc_date.value == "2023-03-05"
    if fmt == "pdf":
        assert found.title.page == 1 and found.doc_date.page == 1


def test_red_header_set_in_a_table(tmp_path: Path) -> None:
    # Many 上行文 templates put the banner, the 文号 and the 签发人 in a table.
    from docx import Document

    from documents.attachments.extract import extract_file
    from documents.attachments.result import Limits

    document = Document()
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "周巷镇人民政府文件"
    table.cell(1, 0).text = "周政〔2023〕5号"
    table.cell(1, 1).text = "签发人：张明"
    for text in (
        "周巷镇人民政府关于2023年度工作计划的报告",
        "慈溪市人民政府：",
        "现将我镇2023年度工作计划报告如下。",
        "周巷镇人民政府",
        "2023年3月5日",
    ):
        document.add_paragraph(text)
    path = tmp_path / "报告.docx"
    document.save(str(path))
    extraction = extract_file(path, name=path.name, limits=Limits.from_settings())
    found = fields_from_attachment(extraction, name=path.name)
    assert found.doc_number and found.doc_number.value == "周政〔2023〕5号"
    assert (
        found.title and found.title.value == "周巷镇人民政府关于2023年度工作计划的报告"
    )
    assert found.issuer and found.issuer.value == "周巷镇人民政府"
    assert found.doc_date and found.doc_date.value == "2023-03-05"
