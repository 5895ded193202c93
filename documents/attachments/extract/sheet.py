"""XLSX (openpyxl) and XLS (xlrd): each sheet a page of tab-separated rows.

A sheet's PageText carries its name as the label. Empty rows are skipped and a
row's trailing empty cells dropped; numbers that are whole print without ".0".
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from pathlib import Path

from django.utils.translation import gettext as _

from ..result import Extraction, ExtractionRejected, Limits, Method
from ._text import TextBuilder


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()
    return str(value).replace("\n", " ").replace("\t", " ")


def _row_line(values: Iterable[object]) -> str:
    cells = [_cell(v) for v in values]
    while cells and not cells[-1].strip():
        cells.pop()
    return "\t".join(cells)


def _build(sheets, limits: Limits, method: str) -> Extraction:
    """sheets: (name, rows) pairs, rows an iterable of cell-value iterables."""
    builder = TextBuilder(limits.max_text_chars)
    count = 0
    for number, (name, rows) in enumerate(sheets, 1):
        count = number
        if number > limits.max_pages or builder.full:
            continue  # count the rest, read none of it
        builder.begin_page()
        for row in rows:
            if builder.full:
                break
            line = _row_line(row)
            if line.strip():
                builder.paragraph(line)
        builder.end_page(number, method, label=name)
    warnings = []
    if count > limits.max_pages:
        warnings.append(
            _(
                "只读取了前 %(n)d 个工作表，共 %(count)d 个 "
                "(only the first %(n)d of %(count)d sheets were read)"
            )
            % {"n": limits.max_pages, "count": count}
        )
    return builder.build(
        method, page_count=count, truncated=count > limits.max_pages, warnings=warnings
    )


def read_xlsx(path: Path, limits: Limits, *, method: str = Method.SHEET) -> Extraction:
    import openpyxl

    from .docx import check_package

    check_package(path, limits)
    try:
        book = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
    except Exception as error:
        raise ExtractionRejected(
            _("Excel 文件已损坏，无法打开 (corrupt XLSX: %(error)s)") % {"error": error}
        ) from error
    try:
        return _build(
            ((ws.title, ws.iter_rows(values_only=True)) for ws in book.worksheets),
            limits,
            method,
        )
    finally:
        book.close()


def read_xls(path: Path, limits: Limits) -> Extraction:
    import xlrd

    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
    except Exception as error:
        raise ExtractionRejected(
            _("Excel 文件已损坏，无法打开 (corrupt XLS: %(error)s)") % {"error": error}
        ) from error

    def rows(sheet):
        for r in range(sheet.nrows):
            values = []
            for cell in sheet.row(r):
                if cell.ctype == xlrd.XL_CELL_DATE:
                    try:
                        values.append(
                            xlrd.xldate_as_datetime(cell.value, book.datemode)
                        )
                        continue
                    except (ValueError, OverflowError):
                        pass
                values.append(cell.value)
            yield values

    try:
        return _build(((s.name, rows(s)) for s in book.sheets()), limits, Method.SHEET)
    finally:
        book.release_resources()


def read_sheet(path: Path, limits: Limits, *, kind: str) -> Extraction:
    if kind == "xls":
        return read_xls(path, limits)
    return read_xlsx(path, limits)
