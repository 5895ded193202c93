"""The exporter (documents/export.py): one row shape, one CSV and one JSONL writer."""

from __future__ import annotations

import csv
import datetime
import io
import json
import typing

import pytest

from documents import export
from documents import fields as metadata
from documents.ingest.fingerprint import content_hash
from documents.models import Document

pytestmark = pytest.mark.django_db

BODY = "=1+1 正文。"


def _document() -> Document:
    return Document.objects.create(
        title="东塍镇2021年工作计划",
        issuer="+东塍镇人民政府",
        township="东塍镇",
        publish_date=datetime.date(2020, 2, 26),
        publish_time=datetime.time(10, 48),
        doc_date=datetime.date(2021, 1, 13),
        plan_year=2021,
        body=BODY,
        original=BODY,
        content_hash=content_hash(BODY),
        inferred=["plan_year", "region"],
        review_notes=["复核原因：缺少地区（非全国性文件）", "说明；含分号"],
    )


def test_archive_csv_cells() -> None:
    _document()
    out = io.StringIO()
    assert export.write_csv(Document.objects.all(), out, lang=export.Lang.EN) == 1
    text = out.getvalue()
    assert text.startswith("\ufeff#plansite-export,")
    meta, header, row = csv.reader(io.StringIO(text[1:]))
    assert export.read_meta_cells(meta)["documents"] == "1"
    assert header[:2] == ["index_no", "title"]
    cells = dict(zip(header, row, strict=True))
    assert cells["index_no"] == ""
    assert cells["issuer"] == "'+东塍镇人民政府"
    # Issue 17: Excel reads "YYYY-MM-DD HH:MM" as a date, not ISO 8601's T and
    # zone (the time is China's, as stored); JSON lines keep ISO 8601.
    assert cells["publish_date"] == "2020-02-26 10:48"
    assert cells["doc_date"] == "2021-01-13"
    assert cells["plan_year"] == "2021"
    assert cells["needs_review"] == "false"
    assert cells["inferred"] == "plan_year;region"
    # Notes have semicolons of their own: one note per line.
    assert cells["review_notes"] == "复核原因：缺少地区（非全国性文件）\n说明；含分号"
    assert cells["body"] == "'" + BODY
    assert text.endswith("\r\n")


def test_archive_jsonl_values() -> None:
    document = _document()
    out = io.StringIO()
    assert export.write_jsonl(Document.objects.all(), out) == 1
    meta_line, line = out.getvalue().splitlines()
    assert export.read_meta_object(json.loads(meta_line))["documents"] == 1
    row = json.loads(line)
    assert tuple(row) == export.ARCHIVE_KEYS
    assert row["index_no"] == ""
    assert row["publish_date"] == "2020-02-26T10:48:00+08:00"
    assert row["plan_year"] == 2021
    assert row["issuer_is_department"] is False
    assert row["review_notes"] == document.review_notes
    assert "东塍镇" in line  # Chinese as is, not \\u escapes.


def test_result_set_csv_has_no_bom_when_asked() -> None:
    text = "".join(export.csv_chunks([{"a": "=x"}], ["a"], bom=False))
    assert text == "a\r\n'=x\r\n"


def _is(value, annotation) -> bool:  # noqa: ANN001
    """isinstance for the registry's value types (unions and list[str])."""
    if typing.get_origin(annotation) is list:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return isinstance(value, annotation)


def test_export_values_have_the_types_the_registry_declares() -> None:
    _document()
    Document.objects.create(title="空", body="", original="", content_hash="x")
    for document in Document.objects.all():
        row = export.export_row(document)
        for name, value in row.items():
            spec = metadata.field(name)
            assert _is(value, spec.value_type), (name, value)
