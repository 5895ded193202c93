"""Stage 7: store each document once, each in its own transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Q

from documents import fields as metadata
from documents import history, identity
from documents.ingest import infer, merge, review
from documents.ingest.errors import RejectedInput
from documents.ingest.fingerprint import (
    bare_text,
    has_markup,
    shingles,
    similarity,
    text_key,
)
from documents.ingest.normalise import NormalisedRecord
from documents.models import Division, Document, SourcePath

# Copies found through nearly the same text must share this much of it
# (Jaccard similarity of 5-character shingles of the bare text).
NEAR_COPY = 0.9
# At most this many documents of the same title are compared with a new one.
_NEAR_CANDIDATES = 20
# Texts shorter than this (letters and digits) are matched only when identical:
# "详见附件。" on two pages says nothing about their being one document.
_MIN_BARE = identity.MIN_BARE
# How every note about another source of the document begins.
_OTHER_SOURCE = "另一来源 "
_MAX_SOURCE_FILE = metadata.max_length("source_file")
# Tries of a record that met a row another process stored at the same time.
_ATTEMPTS = 4


class Outcome(StrEnum):
    IMPORTED = "imported"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


def known_unchanged(locator: str, file_hash: str) -> int | None:
    """The document id when this exact source was imported before, else None."""
    row = (
        SourcePath.objects.filter(locator=locator, file_hash=file_hash)
        .values_list("document_id", flat=True)
        .first()
    )
    return row


# The merged fields' columns that NormalisedRecord holds under the same names;
# the region comes from its RegionResult.
_RECORD_COLUMNS = tuple(
    name for name in metadata.MERGED_COLUMNS if name not in merge.REGION_COLUMNS
)


def document_values(record: NormalisedRecord, *, source_file: str) -> dict[str, Any]:
    """The Document field values for a record."""
    region = record.region
    place = region.place if region is not None else None
    division_code = region.division_code if region is not None else ""
    division_id = (
        division_code
        if division_code and Division.objects.filter(code=division_code).exists()
        else None
    )
    return {
        # The merged fields the record holds under their own names.
        **{name: getattr(record, name) for name in _RECORD_COLUMNS},
        "level": record.level,
        "issuer_is_department": record.department,
        "division_id": division_id,
        "township": region.township if region else "",
        "county": region.county if region else "",
        "city": region.city if region else "",
        "province": region.province if region else "",
        "division_code": division_code if place is not None else "",
        "source_file": source_file[:_MAX_SOURCE_FILE],
        "original": record.original,
        "original_encoding": record.encoding,
        "layout": record.layout,
        "body": record.body,
        "content_hash": record.content_hash,
        "text_key": text_key(record.body),
        # The template stage's (pipeline.py passes them as ``extra``).
        "template_source": "",
        "template_digest": "",
        "template_zones": {},
        "needs_review": record.needs_review,
        "inferred": sorted(set(record.inferred)),
        "review_notes": record.notes,
    }


def store_record(
    record: NormalisedRecord,
    *,
    locator: str,
    file_hash: str,
    source_file: str,
    extra: dict[str, Any] | None = None,
    on_stored: Callable[[int], object] | None = None,
    captured_at: datetime | None = None,
) -> tuple[Outcome, int]:
    """Create, update or leave alone the document this source describes.

    ``extra`` holds further Document values (the template stage's; a text
    ``identity`` for a document whose text is its attachments'). ``on_stored``
    is called with the document's id in the same transaction (its attachment
    rows), so the two are stored together or not at all. Then, in the same
    transaction, a new version is recorded if the document's text changed
    (documents/history.py), dated ``captured_at`` (a harvested page's capture
    time) or now. The
    database decides whether the document is new: its identity is unique
    (documents/identity.py), so when another process stores the same document
    or source between this look-up and this insert, the insert fails and the
    record is looked up again, in a fresh transaction, and merged into the row
    the other process stored.
    """
    values = {**document_values(record, source_file=source_file), **(extra or {})}
    said = merge.source_values(record, values, label=source_file[:_MAX_SOURCE_FILE])
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            with transaction.atomic():
                outcome, document_id = _store(
                    values, said, locator=locator, file_hash=file_hash
                )
                if on_stored is not None:
                    on_stored(document_id)
                # After the attachment rows: their text is part of the version.
                history.record_version(
                    document_id, recorded_at=captured_at, origin=source_file
                )
                return outcome, document_id
        except IntegrityError as exc:
            if not _raced(exc):
                raise RejectedInput(f"与已有记录冲突 (conflict): {exc}") from None
            if attempt == _ATTEMPTS:
                raise RejectedInput(
                    f"文档标识与已有文档冲突，重试{_ATTEMPTS}次仍未解决 "
                    f"(identity conflict): {exc}"
                ) from None
        except OperationalError as exc:
            # PostgreSQL ends one of two transactions that wait for each other.
            if not _deadlocked(exc) or attempt == _ATTEMPTS:
                raise
    raise AssertionError("unreachable")


# Unique columns another process may have filled first: Document.identity (the
# same document) and SourcePath.locator (the same source).
_RACED = (
    (Document._meta.db_table, "identity"),
    (SourcePath._meta.db_table, "locator"),
)


def _raced(exc: IntegrityError) -> bool:
    """Whether ``exc`` is a unique conflict on a column two imports can race for."""
    cause = exc.__cause__
    diag = getattr(cause, "diag", None)
    if diag is not None:  # PostgreSQL: the constraint's name holds its column.
        name = diag.constraint_name or ""
        return getattr(cause, "pgcode", None) == "23505" and any(
            name.startswith(f"{table}_{column}_") for table, column in _RACED
        )
    text = str(exc)  # SQLite: "UNIQUE constraint failed: table.column"
    return "UNIQUE constraint failed" in text and any(
        f"{table}.{column}" in text for table, column in _RACED
    )


def _deadlocked(exc: OperationalError) -> bool:
    return getattr(exc.__cause__, "pgcode", None) in ("40P01", "40001")


def _store(
    values: dict[str, Any], said: dict[str, Any], *, locator: str, file_hash: str
) -> tuple[Outcome, int]:
    source = SourcePath.objects.select_for_update().filter(locator=locator).first()
    target_id = _find_same_document(values)
    if target_id is None and source is not None:
        target_id = source.document_id
    if target_id is None:
        document = Document(**values)
        document.field_sources = _field_sources_of_one(said, locator)
        document.review_missing = review.document_missing(document)
        document.save()
        SourcePath.objects.update_or_create(
            locator=locator,
            defaults={"document": document, "file_hash": file_hash, "values": said},
        )
        return Outcome.IMPORTED, document.pk
    # Locked: a process merging another source into it waits, then reads the
    # row and the sources this one wrote.
    target = Document.objects.select_for_update().get(pk=target_id)
    # Its text before this source is merged in, if no version holds it yet.
    history.keep_baseline(target.pk)
    text_locator = _text_locator(target)
    SourcePath.objects.update_or_create(
        locator=locator,
        defaults={"document": target, "file_hash": file_hash, "values": said},
    )
    changed = _merge(target, values, said, locator=locator, text_locator=text_locator)
    if changed:
        target.save()
    return (Outcome.UPDATED if changed else Outcome.UNCHANGED), target.pk


def _field_sources_of_one(said: dict[str, Any], locator: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        name: {"source": said["label"], "how": entry["how"]}
        for name, entry in said["fields"].items()
    }
    out["body"] = {"source": said["label"], "locator": locator, "how": merge.READ}
    if said.get("national"):
        out["level"] = {"value": "national"}
    return out


def _text_locator(document: Document) -> str:
    """The source the document's text comes from (its first path before merging
    kept sources per field)."""
    locator = (document.field_sources or {}).get("body", {}).get("locator")
    if locator:
        return locator
    first = document.sources.order_by("pk").values_list("locator", flat=True).first()
    return first or ""


def _sources(document: Document) -> list[tuple[str, dict[str, Any]]]:
    """Every source's say about ``document``; what predates per-source values, and
    the fields a person corrected, stand in as sources of their own."""
    rows = list(document.sources.order_by("pk").values_list("locator", "values"))
    sources = [(loc, values) for loc, values in rows if values]
    recorded = document.field_sources or {}
    legacy = [loc for loc, values in rows if not values]
    fields: dict[str, dict[str, Any]] = {}
    current = {name: getattr(document, name) for name in _DOCUMENT_FIELDS}
    for name in merge.FIELDS:
        value = merge.field_value(current, name)
        if value in (None, "", [], {}):
            continue
        if recorded.get(name, {}).get("how") == merge.ADMIN:
            sources.append(
                (
                    "",
                    {
                        "label": "admin",
                        "fields": {name: {"value": value, "how": merge.ADMIN}},
                    },
                )
            )
        elif legacy:
            how = merge.INFERRED if name in (document.inferred or []) else merge.READ
            fields[name] = {"value": value, "how": how}
    if legacy and fields:
        sources.append((legacy[0], {"label": document.source_file, "fields": fields}))
    return sources


# The Document attributes behind the merged fields.
_DOCUMENT_FIELDS = metadata.MERGED_COLUMNS


def _merge(
    target: Document,
    values: dict[str, Any],
    said: dict[str, Any],
    *,
    locator: str,
    text_locator: str,
) -> list[str]:
    """Merge every source of ``target`` into it, field by field.

    ``values``/``said`` are the arriving source's; returns the names of the
    changed fields of ``target`` (unsaved).
    """
    before = {name: getattr(target, name) for name in _TRACKED}
    label = said["label"]
    notes: list[str] = []
    # The text: the source it came from follows its file; a copy takes over
    # only with the same text free of the markup the current body holds.
    takes_text = locator == text_locator or (
        values["text_key"]
        and values["text_key"] == target.text_key
        and not said["markup"]
        and has_markup(target.body)
    )
    if takes_text:
        if locator != text_locator:
            notes.append(f"另一来源 {label} 的正文无网页标记，取代了带标记的正文")
            text_locator = locator
        for name in merge.TEXT_FIELDS:
            setattr(target, name, values[name])
    sources = _sources(target)
    field_sources: dict[str, Any] = {}
    inferred: set[str] = set()
    filled: list[str] = []
    issuer_from: str | None = None
    differing = False
    for name in merge.FIELDS:
        candidates = merge.candidates_of(sources, name)
        winner = merge.best(name, candidates, prefer=text_locator)
        old = merge.field_value(before, name)
        new_value = winner.value if winner is not None else None
        for attr, value in merge.document_field_values(name, new_value).items():
            setattr(target, attr, value)
        if winner is None:
            continue
        if name == "issuer":
            issuer_from = winner.locator
        field_sources[name] = {"source": winner.label, "how": winner.how}
        if winner.how in (merge.INFERRED, merge.WEAK):
            inferred.add(name)
        differing |= merge.disagrees(name, winner, candidates)
        arriving = next((c for c in candidates if c.locator == locator), None)
        if arriving is not None and locator != text_locator:
            note, fill = _field_notes(name, winner, old, arriving, label)
            if note:
                notes.append(note)
            if fill:
                filled.append(name)
    mine = next((v for loc, v in sources if loc == text_locator), said)
    # The level is the issuer's: it comes with the issuer that won.
    leveller = next((v for loc, v in sources if loc == issuer_from), mine)
    if "level" in leveller:
        target.level = leveller["level"]
        target.issuer_is_department = leveller.get("department", False)
    field_sources["body"] = {
        "source": mine.get("label", target.source_file),
        "locator": text_locator,
        "how": merge.READ,
    }
    national = any(v.get("national") for _, v in sources) and not target.division_code
    if national:
        field_sources["level"] = {"value": "national"}
    if filled:
        names = "、".join(_verbose(name) for name in filled)
        notes.insert(0, f"另一来源 {label} 补充了本记录缺少的：{names}")
    texts = {v.get("text_key") for _, v in sources if v.get("text_key")}
    if len(texts) > 1:
        differing = True
        if values["text_key"] != target.text_key:
            notes.append(f"另一来源 {label} 的正文与本记录不同，未采用（正文不同）")
    target.field_sources = field_sources
    target.inferred = sorted(inferred)
    many = len([1 for loc, _ in sources if loc]) > 1
    if many:
        weak = {n for n, s in field_sources.items() if s.get("how") == merge.WEAK}
        reasons = review.field_reasons(
            issuer=target.issuer,
            has_region=review.has_region(target),
            national=national,
            doc_date=target.doc_date,
            publish_date=target.publish_date,
            plan_year=target.plan_year,
            plan_year_expected=infer.expects_plan_year(target.title),
            weak=weak,
        )
        reasons += mine.get("reasons", [])
        if differing:
            reasons.append(review.SOURCES_DIFFER)
        if locator == text_locator:
            # The text's own source was read again: its notes are new, what the
            # other sources added is kept.
            base = values["review_notes"] + [
                n for n in before["review_notes"] if n.startswith(_OTHER_SOURCE)
            ]
        else:
            base = before["review_notes"]
        target.review_notes = review.replace_reasons(
            [*base, *notes], reasons, replaced=review.REASONS
        )
        target.needs_review = bool(reasons)
    else:
        target.review_notes = values["review_notes"]
        target.needs_review = values["needs_review"]
    decided = (before["field_sources"] or {}).get("needs_review")
    if decided and decided.get("how") == merge.ADMIN:
        # A reviewer's decision stands until the reviewer changes it.
        target.field_sources["needs_review"] = decided
        target.needs_review = before["needs_review"]
    target.review_missing = review.document_missing(target)
    return [name for name in _TRACKED if getattr(target, name) != before[name]]


_TRACKED = (
    *_DOCUMENT_FIELDS,
    "level",
    "issuer_is_department",
    *merge.TEXT_FIELDS,
    "needs_review",
    "inferred",
    "review_notes",
    "review_missing",
    "field_sources",
)


def _field_notes(
    name: str, winner: merge.Candidate, old: Any, arriving: merge.Candidate, label: str
) -> tuple[str | None, bool]:
    """A note on what the arriving copy changed or could not change, and whether
    it filled an empty field."""
    if arriving.value == winner.value:
        if old in (None, "", [], {}):
            return None, True
        if old == winner.value:
            return None, False
        why = merge.HOW_LABELS.get(winner.how, winner.how)
        return (
            f"另一来源 {label} 的{_verbose(name)}（{why}）取代了本记录的："
            f"{_shown(old)}",
            False,
        )
    return (
        f"另一来源 {label} 的{_verbose(name)}与本记录不同，未采用："
        f"{_shown(arriving.value)}",
        False,
    )


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        value = " ".join(
            value.get(n) or "" for n in ("province", "city", "county", "township")
        ).strip()
    elif isinstance(value, list):
        value = " ".join(v for v in value if v)
    return str(value)[:60]


def _verbose(name: str) -> str:
    return str(metadata.label(name))


def _find_same_document(values: dict[str, Any]) -> int | None:
    """The id of the same document: by its identity, else by its 索引号 from the
    same issuer, else by its text, else by nearly the same text among the few
    documents with its title.

    Every step is an indexed look-up, so an import never compares a record with
    the whole archive.
    """
    # A document whose text is in its attachments brings its text key along.
    key = identity.structural_key(values) or values.get("identity") or ""
    found = (
        Document.objects.filter(identity=key or identity.key_of(values))
        .values_list("pk", flat=True)
        .first()
    )
    if found is not None:
        return found
    if values["index_no"]:
        rows = Document.objects.filter(index_no=values["index_no"]).order_by("pk")
        for pk, division_code, issuer in rows.values_list(
            "pk", "division_code", "issuer"
        )[:_NEAR_CANDIDATES]:
            if _same_issuer(division_code, issuer, values):
                return pk
    found = (
        Document.objects.filter(content_hash=values["content_hash"])
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    if found is not None or len(bare_text(values["body"])) < _MIN_BARE:
        return found
    same_text = Document.objects.filter(text_key=values["text_key"]).order_by("pk")
    for pk, index_no in same_text.values_list("pk", "index_no")[:_NEAR_CANDIDATES]:
        if _compatible(index_no, values["index_no"]):
            return pk
    return _near_copy(values)


def _same_issuer(division_code: str, issuer: str, values: dict[str, Any]) -> bool:
    """Whether a stored document's 索引号 and the record's, equal, may be the same
    organ's: divisions one inside the other, issuer names one inside the other,
    where both sides know them. Two townships' 2021-00005 are two documents;
    a source that names no issuer joins the one that does; two that name none
    are matched by their texts, as the database's identity has them."""
    a, b = division_code or "", values["division_code"] or ""
    mine = identity.normalise_issuer(values["issuer"])
    theirs = identity.normalise_issuer(issuer)
    if not (a or b or mine or theirs):
        return False  # A bare serial, whose nobody says (documents/identity.py).
    if a and b and not (a.startswith(b) or b.startswith(a)):
        return False
    return not mine or not theirs or mine in theirs or theirs in mine


def _compatible(a: str | None, b: str | None) -> bool:
    """Two different 索引号 name two documents, however alike their texts."""
    return not a or not b or a == b


def _near_copy(values: dict[str, Any]) -> int | None:
    """The id of the document with the same title whose text is nearly this one's.

    Candidates share the title and, where this record has a region, lie in its
    county or have none (a generic title such as 2023年工作计划 recurs in every
    township, a copy of one document does not change county). At most
    _NEAR_CANDIDATES of them are compared, so the cost does not grow with the
    archive.
    """
    mine = shingles(bare_text(values["body"]))
    rows = Document.objects.filter(title=values["title"])
    county = (values["division_code"] or "")[:6]
    if len(county) == 6:
        rows = rows.filter(Q(division_code="") | Q(division_code__startswith=county))
    if values["index_no"]:
        rows = rows.filter(
            Q(index_no__isnull=True) | Q(index_no="") | Q(index_no=values["index_no"])
        )
    best: tuple[float, int] | None = None
    for pk, body in rows.order_by("pk").values_list("pk", "body")[:_NEAR_CANDIDATES]:
        score = similarity(mine, shingles(bare_text(body)))
        if score >= NEAR_COPY and (best is None or score > best[0]):
            best = (score, pk)
    return best[1] if best is not None else None
