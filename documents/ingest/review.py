"""Why a record needs a person's review, in stable words, and how much it lacks."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

PREFIX = "复核原因："
# One note per reason, worded once here, so that the admin and researchers can
# filter on them and a later import can replace them without duplicates.
NO_ISSUER = "复核原因：缺少发布机构"
NO_REGION = "复核原因：缺少地区（非全国性文件）"
NO_DATES = "复核原因：成文日期和发布日期均缺失"
DATE_ORDER = "复核原因：成文日期晚于发布日期"
NO_PLAN_YEAR = "复核原因：缺少计划年度"
REPAIRED = "复核原因：解码时修复了原文"
REGION_UNCERTAIN = "复核原因：地区证据不足或有歧义"
SOURCES_DIFFER = "复核原因：多个来源的值不一致"
# An attachment could not be read, or its OCR is doubtful; a note beside the
# reason names the file (and the pages).
ATTACHMENT_REJECTED = "复核原因：有附件未能提取文字"
OCR_LOW_CONFIDENCE = "复核原因：附件文字识别置信度低"
_WEAK_LABELS = {
    "issuer": "发布机构",
    "region": "地区",
    "doc_date": "成文日期",
    "publish_date": "发布日期",
    "plan_year": "计划年度",
    "title": "标题",
}


def weak_reason(name: str) -> str:
    """The note for a field that rests on weak evidence (body mentions, a guess)."""
    return f"复核原因：{_WEAK_LABELS.get(name, name)}仅据正文等弱证据推断"


# Every wording this module produces (for filters and for replacing old notes).
REASONS: tuple[str, ...] = (
    NO_ISSUER,
    NO_REGION,
    NO_DATES,
    DATE_ORDER,
    NO_PLAN_YEAR,
    *(weak_reason(name) for name in _WEAK_LABELS),
    REPAIRED,
    REGION_UNCERTAIN,
    SOURCES_DIFFER,
    ATTACHMENT_REJECTED,
    OCR_LOW_CONFIDENCE,
)
# Reasons that come from the attachments' extraction (documents/attachments).
ATTACHMENT_REASONS = frozenset({ATTACHMENT_REJECTED, OCR_LOW_CONFIDENCE})
# Reasons that follow from a record's field values and their provenance alone;
# the others (REPAIRED, REGION_UNCERTAIN, SOURCES_DIFFER, the attachments')
# depend on its sources.
FIELD_REASONS = (
    frozenset(REASONS)
    - {REPAIRED, REGION_UNCERTAIN, SOURCES_DIFFER}
    - ATTACHMENT_REASONS
)


def is_reason(note: str) -> bool:
    return note in REASONS


def field_reasons(
    *,
    issuer: str,
    has_region: bool,
    national: bool,
    doc_date: date | None,
    publish_date: date | None,
    plan_year: int | None,
    plan_year_expected: bool = True,
    weak: Iterable[str] = (),
) -> list[str]:
    """The reasons a record with these values needs review, in a fixed order.

    A missing plan year counts only for a document that is for a year (a plan,
    report or summary); a notice or a set of rules has none to miss.
    """
    reasons = []
    if not issuer:
        reasons.append(NO_ISSUER)
    if not has_region and not national:
        reasons.append(NO_REGION)
    if doc_date is None and publish_date is None:
        reasons.append(NO_DATES)
    if doc_date is not None and publish_date is not None and doc_date > publish_date:
        reasons.append(DATE_ORDER)
    if plan_year is None and plan_year_expected:
        reasons.append(NO_PLAN_YEAR)
    weak = set(weak)
    reasons += [weak_reason(name) for name in _WEAK_LABELS if name in weak]
    return reasons


def missing_count(
    *,
    issuer: str,
    has_region: bool,
    national: bool,
    doc_date: date | None,
    publish_date: date | None,
    plan_year: int | None,
) -> int:
    """How many of the fields researchers count by are empty (the queue's order)."""
    return sum(
        (
            not issuer,
            not has_region and not national,
            doc_date is None,
            publish_date is None,
            plan_year is None,
        )
    )


def is_national(document: Any) -> bool:
    """Whether a stored document is national (no region is expected).

    ``Document.level`` is the truth where the model has it; else the level the
    importer recorded among the document's field sources.
    """
    level = getattr(document, "level", "") or (
        (document.field_sources or {}).get("level", {}).get("value", "")
    )
    return level == "national"


def has_region(document: Any) -> bool:
    """Whether a stored document has a place (names without a code count)."""
    return any((document.division_code, document.province, document.county))


def document_missing(document: Any) -> int:
    """``missing_count`` of a stored document (computed at import and admin save)."""
    return missing_count(
        issuer=document.issuer,
        has_region=has_region(document),
        national=is_national(document),
        doc_date=document.doc_date,
        publish_date=document.publish_date,
        plan_year=document.plan_year,
    )


def replace_reasons(
    notes: list[str],
    reasons: Iterable[str],
    *,
    replaced: Iterable[str] = FIELD_REASONS,
) -> list[str]:
    """``notes`` with the ``replaced`` reasons that no longer hold removed and the
    new ``reasons`` added at the end; a reason that still holds keeps its place."""
    reasons = list(reasons)
    stale = set(replaced) - set(reasons)
    kept = [note for note in notes if note not in stale]
    return list(dict.fromkeys([*kept, *reasons]))
