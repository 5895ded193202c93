"""The document index takes its metadata fields from documents/fields.py."""

from __future__ import annotations

import datetime

import pytest

from documents import fields as metadata
from documents.models import Document
from search.search_indexes import (
    FINGERPRINT_FIELDS,
    DocumentIndex,
    index_fingerprint,
)


def test_the_index_holds_every_indexed_registry_field_as_the_registry_says() -> None:
    index_fields = DocumentIndex.fields
    for spec in metadata.INDEXED:
        field = index_fields[spec.name]
        assert field.model_attr == spec.name
        assert field.indexed is (spec.index is not metadata.IndexRole.STORED)
        assert field.faceted is (spec.index is metadata.IndexRole.FACET)
        assert (f"{spec.name}_exact" in index_fields) is field.faceted


def test_the_fingerprint_covers_every_searchable_metadata_field() -> None:
    searchable = {
        spec.name
        for spec in metadata.INDEXED
        if spec.index is not metadata.IndexRole.STORED
    }
    # The title is in the searchable text the fingerprint hashes first; the
    # 文号 and 索引号 are searched by field (文号:, 索引号:).
    assert set(FINGERPRINT_FIELDS) == searchable | {"level", "doc_number", "index_no"}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("issuer", "另一机构"),
        ("township", "另一镇"),
        ("province", "另一省"),
        ("level", Document.Level.NATIONAL),
        ("category", "另一类"),
        ("plan_year", 2030),
        ("doc_date", datetime.date(2030, 1, 1)),
        ("publish_date", datetime.date(2030, 1, 2)),
        ("needs_review", True),
        ("title", "另一标题"),
        ("doc_number", "浙政发〔2021〕8号"),
        ("index_no", "002590139/2023-74151"),
    ],
)
def test_a_changed_metadata_value_changes_the_fingerprint(name: str, value) -> None:  # noqa: ANN001
    document = Document(title="标题", body="正文", township="东塍镇", plan_year=2021)
    before = index_fingerprint(document)
    setattr(document, name, value)
    assert index_fingerprint(document) != before
