"""Review reasons: each one flags the record and says why, in stable words."""

from pathlib import Path

import pytest

from documents.ingest import review
from documents.ingest.pipeline import import_paths
from documents.models import Document

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "review"


@pytest.fixture
def imported() -> dict[str, Document]:
    import_paths([FIXTURES])
    return {Path(doc.source_file).name: doc for doc in Document.objects.all()}


def _reasons(doc: Document) -> list[str]:
    return [note for note in doc.review_notes if review.is_reason(note)]


def test_a_complete_record_is_not_flagged(imported: dict[str, Document]) -> None:
    doc = imported["complete.txt"]
    assert doc.issuer == "慈溪市周巷镇人民政府" and doc.township == "周巷镇"
    assert not doc.needs_review
    assert _reasons(doc) == []
    assert doc.review_missing == 0


def test_missing_issuer(imported: dict[str, Document]) -> None:
    doc = imported["no_issuer.txt"]
    assert doc.issuer == ""
    assert doc.county == "慈溪市"  # from the 索引号's division code
    assert doc.needs_review
    assert _reasons(doc) == [review.NO_ISSUER]
    assert doc.review_missing == 1


def test_missing_region_below_national_level(imported: dict[str, Document]) -> None:
    doc = imported["no_region.txt"]
    assert doc.division_code == "" and doc.province == ""
    assert doc.needs_review
    assert _reasons(doc) == [review.NO_REGION]
    assert doc.review_missing == 1


def test_a_national_document_is_not_flagged_for_its_region(
    imported: dict[str, Document],
) -> None:
    doc = imported["national.txt"]
    assert doc.issuer == "国务院办公厅"
    assert doc.division_code == "" and doc.province == ""
    assert not doc.needs_review
    assert _reasons(doc) == []
    assert doc.review_missing == 0
    assert review.is_national(doc)


def test_both_dates_missing(imported: dict[str, Document]) -> None:
    doc = imported["no_dates.txt"]
    assert doc.doc_date is None and doc.publish_date is None
    assert doc.needs_review
    assert _reasons(doc) == [review.NO_DATES]
    assert doc.review_missing == 2


def test_one_date_is_enough(imported: dict[str, Document]) -> None:
    # complete.txt has both; no_issuer.txt's only reason is the issuer.
    for name in ("complete.txt", "no_issuer.txt"):
        assert review.NO_DATES not in imported[name].review_notes


def test_written_after_published_is_flagged(imported: dict[str, Document]) -> None:
    doc = imported["date_order.txt"]
    assert doc.doc_date > doc.publish_date
    assert doc.needs_review
    assert _reasons(doc) == [review.DATE_ORDER]
    assert doc.review_missing == 0


def test_values_from_body_mentions_are_weak(imported: dict[str, Document]) -> None:
    doc = imported["weak_region.txt"]
    assert doc.township == "邵伯镇" and "region" in doc.inferred
    assert doc.needs_review
    reasons = _reasons(doc)
    assert review.weak_reason("region") in reasons
    assert review.weak_reason("title") in reasons
    assert {review.NO_ISSUER, review.NO_DATES} <= set(reasons)
    assert doc.field_sources["region"]["how"] == "weak"
    # issuer, 成文日期 and 发布日期 are empty.
    assert doc.review_missing == 3


def test_one_note_per_reason_and_stable_on_reimport(
    imported: dict[str, Document],
) -> None:
    notes = {name: doc.review_notes for name, doc in imported.items()}
    for doc_notes in notes.values():
        assert len(doc_notes) == len(set(doc_notes))
    summary = import_paths([FIXTURES])
    assert summary.changed_ids == []
    for doc in Document.objects.all():
        assert doc.review_notes == notes[Path(doc.source_file).name]


def test_field_reasons_are_a_function_of_the_values() -> None:
    from datetime import date

    common = {"has_region": True, "national": False, "plan_year": 2024}
    assert (
        review.field_reasons(
            issuer="x", doc_date=date(2024, 1, 2), publish_date=None, **common
        )
        == []
    )
    assert review.field_reasons(
        issuer="x",
        doc_date=date(2024, 1, 3),
        publish_date=date(2024, 1, 2),
        **common,
    ) == [review.DATE_ORDER]
    # The same day is not "later".
    assert (
        review.field_reasons(
            issuer="x",
            doc_date=date(2024, 1, 2),
            publish_date=date(2024, 1, 2),
            **common,
        )
        == []
    )


def test_a_notice_without_a_plan_year_is_not_flagged(
    imported: dict[str, Document],
) -> None:
    doc = imported["notice_no_year.txt"]
    # A notice is for no year: it counts in the year it was written.
    assert doc.plan_year == 2024 and "plan_year" in doc.inferred
    assert not doc.needs_review
    assert _reasons(doc) == []


def test_a_plan_without_a_plan_year_is_flagged(imported: dict[str, Document]) -> None:
    doc = imported["plan_no_year.txt"]
    assert doc.plan_year is None
    assert doc.needs_review
    assert _reasons(doc) == [review.NO_PLAN_YEAR]


def test_a_date_from_the_signature_block_is_not_weak_evidence(
    imported: dict[str, Document],
) -> None:
    doc = imported["signature_dated.txt"]
    assert str(doc.doc_date) == "2024-01-26" and "doc_date" in doc.inferred
    assert not doc.needs_review
    assert _reasons(doc) == []
