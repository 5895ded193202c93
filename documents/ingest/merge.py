"""One document from several sources, merged field by field.

Each source's say is kept on its SourcePath (``values``): every field with how
it was found. The record is then, field by field, the best value any source
gives: a value read under a label beats an inferred one, which beats one that
rests on weak evidence (body mentions); clean text beats markup; a fuller
issuer name or a deeper division in the same strength beats a shorter one;
what is still tied goes to the source whose locator sorts first. The best of a
set does not depend on the order the set was built in, so importing A then B
gives the record B then A gives, and importing again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Any

from django.utils.translation import gettext_lazy as _

from documents import fields as metadata
from documents.ingest import review
from documents.ingest.fingerprint import has_markup
from documents.ingest.normalise import NormalisedRecord

# The fields merged one by one. "region" stands for the division and its names,
# "publish_date" for the date and its time.
FIELDS = metadata.MERGED_FIELDS
# The Document columns a region's JSON value holds: the division and its names.
REGION_COLUMNS = metadata.field("region").model_columns
# The text of a document comes whole from one source.
TEXT_FIELDS = (
    "body",
    "original",
    "original_encoding",
    "layout",
    "source_file",
    "content_hash",
    "text_key",
    # The page template cut from the body goes with the body.
    "template_source",
    "template_digest",
    "template_zones",
)
READ, INFERRED, WEAK, ADMIN = "read", "inferred", "weak", "admin"
_STRENGTH = {ADMIN: 4, READ: 3, INFERRED: 2, WEAK: 1}
HOW_LABELS = {
    ADMIN: _("人工修改"),
    READ: _("读取"),
    INFERRED: _("推断"),
    WEAK: _("弱推断（据正文）"),
}


@dataclass(frozen=True)
class Candidate:
    """One source's value for one field."""

    locator: str
    label: str
    value: Any
    how: str

    def key(self, name: str) -> tuple:
        """Sort key: the best candidate sorts first."""
        clean = not (isinstance(self.value, str) and has_markup(self.value))
        return (
            -_STRENGTH.get(self.how, 0),
            not clean,
            -_specificity(name, self.value),
            self.locator,
        )


def _specificity(name: str, value: Any) -> int:
    if name == "issuer":
        return len(value)  # 国务院办公厅, not 国务院; 周巷镇人民政府, not 周巷镇
    if name == "region":
        return len(value.get("division_code") or "")
    if name == "publish_date":
        return 1 if value[1] else 0
    return 0


def source_values(
    record: NormalisedRecord, values: dict[str, Any], *, label: str
) -> dict[str, Any]:
    """What one source says (stored on its SourcePath), from its normalised record
    and its Document values (store.document_values)."""
    fields: dict[str, dict[str, Any]] = {}
    for name in FIELDS:
        value = field_value(values, name)
        if _empty(name, value):
            continue
        how = WEAK if name in record.weak else READ
        if how == READ and name in record.inferred:
            how = INFERRED
        fields[name] = {"value": value, "how": how}
    sticky = [
        note
        for note in record.notes
        if review.is_reason(note) and note not in review.FIELD_REASONS
    ]
    return {
        "label": label,
        "fields": fields,
        "markup": has_markup(record.body),
        "content_hash": values["content_hash"],
        "text_key": values["text_key"],
        "national": review_national(record),
        "level": values["level"],
        "department": values["issuer_is_department"],
        "needs_review": record.needs_review,
        "reasons": sticky,
    }


def review_national(record: NormalisedRecord) -> bool:
    return record.national or record.level == "national"


def field_value(values: dict[str, Any], name: str) -> Any:
    """A field's value in JSON form, from Document field values."""
    if name == "region":
        if not values.get("division_code") and not values.get("province"):
            return None
        return {n: values.get(n) or "" for n in REGION_COLUMNS}
    if name == "publish_date":
        day, at = values.get("publish_date"), values.get("publish_time")
        if day is None:
            return None
        return [_iso(day), _iso(at) if at else None]
    value = values.get(name)
    if isinstance(value, date):
        return _iso(value)
    return value


def document_field_values(name: str, value: Any) -> dict[str, Any]:
    """The Document attributes a merged field's JSON value sets (None: empty)."""
    if name == "region":
        value = value or {}
        out = {n: value.get(n) or "" for n in REGION_COLUMNS}
        out["division_id"] = out["division_id"] or None
        return out
    if name == "publish_date":
        day, at = value if value else (None, None)
        return {
            "publish_date": date.fromisoformat(day) if day else None,
            "publish_time": time.fromisoformat(at) if at else None,
        }
    if name == "doc_date":
        return {name: date.fromisoformat(value) if value else None}
    if name in ("index_no", "plan_year"):
        return {name: value if value not in (None, "") else None}
    return {name: value or ""}


def _iso(value: date | time) -> str:
    return value.isoformat()


def _empty(name: str, value: Any) -> bool:
    return value in (None, "", [], {})


def best(
    name: str, candidates: list[Candidate], *, prefer: str = ""
) -> Candidate | None:
    """The winning candidate for a field (None when no source has a value).

    When the ``prefer`` source (the one the text comes from) gives the same
    value as the winner with the same provenance, it is credited: the value is
    the same whatever the order, and the record's own source keeps the credit.
    """
    present = [c for c in candidates if not _empty(name, c.value)]
    if not present:
        return None
    winner = min(present, key=lambda c: c.key(name))
    for other in present:
        if (
            other.locator == prefer
            and other.value == winner.value
            and other.how == winner.how
        ):
            return other
    return winner


def disagrees(name: str, winner: Candidate, candidates: list[Candidate]) -> bool:
    """Whether a source as strong as the winner says something else.

    A deeper division inside the winner's, or the same day with or without a
    time, is not a disagreement.
    """
    for other in candidates:
        if _empty(name, other.value) or other.how != winner.how:
            continue
        if name == "region":
            a = winner.value.get("division_code") or ""
            b = other.value.get("division_code") or ""
            if a.startswith(b) or b.startswith(a):
                continue
        elif name == "publish_date":
            if other.value[0] == winner.value[0]:
                continue
        elif other.value == winner.value:
            continue
        return True
    return False


def candidates_of(
    sources: list[tuple[str, dict[str, Any]]], name: str
) -> list[Candidate]:
    """Every source's candidate for a field (``sources``: locator and values)."""
    out = []
    for locator, values in sources:
        entry = (values.get("fields") or {}).get(name)
        if entry is not None:
            out.append(
                Candidate(
                    locator, values.get("label", ""), entry["value"], entry["how"]
                )
            )
    return out
