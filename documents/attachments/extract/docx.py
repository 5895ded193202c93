"""DOCX with python-docx: paragraphs and tables in document order, headings kept.

Headings are paragraphs whose style is "Heading N" / "标题 N" (as a Chinese Word
names them), or whose paragraph or style sets an outline level, as WPS does.
A table's rows become lines with the cells joined by a tab.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from django.utils.translation import gettext as _

from ..result import Extraction, ExtractionRejected, Limits, Method
from ._text import TextBuilder

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.I)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _corrupt(error: object) -> ExtractionRejected:
    return ExtractionRejected(
        _("DOCX 文件已损坏，无法打开 (corrupt DOCX: %(error)s)") % {"error": error}
    )


def check_package(path: Path, limits: Limits) -> None:
    """Refuse an OOXML package that is not a ZIP, or that unpacks to too much."""
    try:
        with zipfile.ZipFile(path) as package:
            declared = sum(info.file_size for info in package.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise _corrupt(error) from error
    if declared > limits.max_unpacked_bytes:
        raise ExtractionRejected(
            _(
                "文件解压后超过 %(limit)d 字节，疑似压缩炸弹 "
                "(unpacks to %(size)d bytes, over the limit of %(limit)d)"
            )
            % {"size": declared, "limit": limits.max_unpacked_bytes}
        )


def _outline_level(paragraph) -> int:
    """1-9 when the paragraph is a heading, else 0."""
    style = paragraph.style
    names = []
    while style is not None:
        names.append(style.name or "")
        level = _level_of(style.element)
        if level:
            return level
        style = style.base_style
        if len(names) > 10:  # a style cycle in a hostile file
            break
    for name in names[:1]:
        match = _HEADING_STYLE.match(name.strip())
        if match:
            return int(match.group(1))
    return _level_of(paragraph._p)


def _level_of(element) -> int:
    ppr = element.find(f"{_W}pPr")
    if ppr is None:
        return 0
    outline = ppr.find(f"{_W}outlineLvl")
    if outline is None:
        return 0
    try:
        value = int(outline.get(f"{_W}val"))
    except (TypeError, ValueError):
        return 0
    # 0-8 are heading levels 1-9; 9 means body text.
    return value + 1 if 0 <= value <= 8 else 0


def _table_rows(table) -> list[str]:
    rows = []
    for row in table.rows:
        cells = []
        seen = set()
        for cell in row.cells:
            # A merged cell repeats in each column it spans: take it once.
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(cell.text.split("\n")).strip())
        if any(cells):
            rows.append("\t".join(cells))
    return rows


def read_docx(path: Path, limits: Limits, *, method: str = Method.DOCX) -> Extraction:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    check_package(path, limits)
    try:
        document = docx.Document(str(path))
    except Exception as error:  # python-docx raises KeyError, lxml errors, …
        raise _corrupt(error) from error
    builder = TextBuilder(limits.max_text_chars)
    builder.begin_page()
    # Body children in order, so a table stays between the paragraphs around it.
    for child in document.element.body.iterchildren():
        if builder.full:
            break
        if child.tag == f"{_W}p":
            paragraph = Paragraph(child, document)
            text = paragraph.text
            if not text.strip():
                continue
            builder.paragraph(text, heading_level=_outline_level(paragraph))
        elif child.tag == f"{_W}tbl":
            for line in _table_rows(Table(child, document)):
                builder.paragraph(line)
    builder.end_page(1, method)
    return builder.build(method, page_count=1)
