"""The document page's metadata table, read from the field registry
(documents/fields.py): every field that has a value, with its label, so a
field added there (公开方式 was one) shows without a template change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from documents import fields
from documents.fields import FieldType
from documents.forms import AVAILABILITY_LABELS
from documents.models import Availability, Document

# Fields the page shows elsewhere: the title is the heading, the body the
# text, the review flag, notes and inferred fields the review notice.
SHOWN_ELSEWHERE = frozenset(
    {"title", "body", "needs_review", "inferred", "review_notes"}
)
# Shown inside another row: the region's names and code in 地区, a
# department's flag beside 层级.
INSIDE_OTHER_ROWS = frozenset(
    {"township", "county", "city", "province", "division_code", "issuer_is_department"}
)
# Long values that take the table's whole width.
WIDE = frozenset({"source_url", "source_file"})


@dataclass(frozen=True)
class MetaRow:
    """One row: its label and value; a link, the region's path, a note in
    small print, and whether the value was inferred."""

    name: str
    label: str
    value: str = ""
    url: str = ""
    links: tuple[tuple[str, str], ...] = ()
    note: str = ""
    inferred: bool = False
    wide: bool = False


def _value(document: Document, spec: fields.MetadataField) -> tuple[str, str, str]:
    """(value, url, note) of a field as the page shows it; value "" for none."""
    name = spec.name
    raw = getattr(document, name, None)
    if name == "availability":
        # The filters' words (未知（文件导入）), and when a gone page was last seen.
        shown = str(AVAILABILITY_LABELS.get(raw, raw or ""))
        seen = document.last_seen
        if raw == Availability.WITHDRAWN and seen:
            day = timezone.localtime(seen).strftime("%Y-%m-%d")
            return shown, "", _("（最后在线 %(day)s）") % {"day": day}
        return shown, "", ""
    if spec.type is FieldType.CHOICE:
        shown = str(getattr(document, f"get_{name}_display")()) if raw else ""
        department = name == "level" and document.issuer_is_department
        note = _("（部门）") if department else ""
        return shown, "", note
    if spec.type is FieldType.DATE:
        return (raw.strftime("%Y-%m-%d") if raw else ""), "", ""
    if spec.type is FieldType.DATETIME:
        if not raw:
            return "", "", ""
        time = document.publish_time if name == "publish_date" else None
        shown = raw.strftime("%Y-%m-%d") + (f" {time:%H:%M}" if time else "")
        return shown, "", ""
    if spec.type is FieldType.YEAR:
        if raw is None:
            return "", "", ""
        return str(raw), reverse("documents:year", args=[raw]), ""
    if spec.type in (FieldType.BOOL, FieldType.LIST, FieldType.REGION):
        return "", "", ""
    shown = str(raw or "").strip()
    linked = name == "source_url" and shown.startswith(("http://", "https://"))
    return shown, (shown if linked else ""), ""


def metadata_rows(
    document: Document, *, region: Sequence[tuple[str, str]]
) -> list[MetaRow]:
    """The metadata table's rows in the registry's order; ``region`` is the
    place path as (label, url) links."""
    inferred = set(document.inferred or [])
    rows = []
    for spec in fields.FIELDS:
        if spec.name in SHOWN_ELSEWHERE or spec.name in INSIDE_OTHER_ROWS:
            continue
        if spec.type is FieldType.REGION:
            if not region and not document.division_code:
                continue
            rows.append(
                MetaRow(
                    name=spec.name,
                    label=str(spec.label),
                    links=tuple(region),
                    note=document.division_code,
                    inferred=spec.name in inferred,
                )
            )
            continue
        value, url, note = _value(document, spec)
        if not value:
            continue
        rows.append(
            MetaRow(
                name=spec.name,
                label=str(spec.label),
                value=value,
                url=url,
                note=note,
                inferred=spec.name in inferred,
                wide=spec.name in WIDE,
            )
        )
    return rows
