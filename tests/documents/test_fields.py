"""The registry of metadata fields (documents/fields.py) and what reads it."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import FieldDoesNotExist

from documents import fields as metadata
from documents.citation import readable_note
from documents.ingest.normalise import normalise
from documents.ingest.records import RawRecord
from documents.models import Document

# The export's columns, as researchers' scripts read them: a change here breaks
# their files, so it is pinned word for word.
ARCHIVE_COLUMNS = (
    "index_no",
    "title",
    "issuer",
    "level",
    "issuer_is_department",
    "township",
    "county",
    "city",
    "province",
    "division_code",
    "doc_date",
    "publish_date",
    "plan_year",
    "category",
    "doc_number",
    "disclosure",
    "source_file",
    "source_url",
    "body",
    "needs_review",
    "inferred",
    "review_notes",
)
# The names stored in Document.inferred and field_sources by past imports.
PROVENANCE = (
    "index_no",
    "title",
    "issuer",
    "region",
    "doc_date",
    "publish_date",
    "plan_year",
    "category",
    "doc_number",
    "disclosure",
)


def test_every_field_names_columns_the_model_has() -> None:
    for spec in metadata.document_fields():
        for column in spec.model_columns:
            try:
                model_field = Document._meta.get_field(column.removesuffix("_id"))
            except FieldDoesNotExist:
                pytest.fail(f"{spec.name}: Document has no column {column}")
            if column == spec.name:
                assert model_field.verbose_name == spec.label


def test_export_columns_and_provenance_names_are_unchanged() -> None:
    assert metadata.ARCHIVE_KEYS == ARCHIVE_COLUMNS
    assert ARCHIVE_COLUMNS[:-1] == metadata.EXPORT_KEYS
    assert metadata.PROVENANCE_FIELDS == PROVENANCE
    assert Document.PROVENANCE_FIELDS == PROVENANCE
    assert (*PROVENANCE, "source_url") == metadata.MERGED_FIELDS


def test_read_fields_are_the_filled_fields_not_inferred() -> None:
    document = Document(
        title="2021年工作计划",
        issuer="东塍镇人民政府",
        division_code="331082105",
        township="东塍镇",
        publish_date=datetime.date(2021, 2, 1),
        plan_year=2021,
        inferred=["plan_year"],
    )
    assert document.read_fields == ["title", "issuer", "region", "publish_date"]
    # A region is present by its code, not by its names.
    document.division_code = ""
    assert "region" not in document.read_fields


def test_review_notes_name_fields_by_their_labels() -> None:
    note = "元数据无标签，按位置识别：doc_date、region"
    assert readable_note(note) == "元数据无标签，按位置识别：成文日期、地区"


def test_the_importer_cuts_texts_to_what_the_columns_hold() -> None:
    long = {
        "title": "工作计划" * 200,
        "issuer": "东塍镇人民政府" * 50,
        "category": "综合" * 150,
        "disclosure": "主动公开" * 30,
    }
    record = normalise(
        RawRecord(original="正文。", layout="txt", body="正文。", fields=long)
    )
    for name in long:
        column = Document._meta.get_field(name)
        assert len(getattr(record, name)) == column.max_length, name
