"""Stage 5 and 6: typed values, inferred fields and the resolved region."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import date, time

from documents import fields as metadata
from documents.gazetteer import default_gazetteer
from documents.gazetteer.loader import MUNICIPALITY_CODES
from documents.ingest import infer, review
from documents.ingest.dates import find_date
from documents.ingest.fingerprint import content_hash
from documents.ingest.issuer import (
    IssuerGuess,
    complete_department,
    government_of_place,
    infer_issuer,
    issuer_behind_source,
    issuer_from_title,
)
from documents.ingest.level import Level, issuer_level, level_from_label
from documents.ingest.records import RawRecord
from documents.ingest.region import RegionEvidence, RegionResult, resolve_region
from documents.ingest.signature import (
    MeetingLine,
    Signature,
    find_adoption_line,
    find_cover_signature,
    find_meeting_line,
    find_signature,
)

_NO_VALUE = {"无", "暂无", "-", "—", "/", "null", "none", "n/a"}
_INDEX_NO = re.compile(r"^[\w\-/／.()（）〔〕\[\]]{3,128}$")
_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)
_MAX_ISSUER = metadata.max_length("issuer")
# The years a plan can be for (the brief of the archive: PRC governments).
PLAN_YEARS = range(1949, 2101)


@dataclass
class NormalisedRecord:
    """Everything the store stage writes, typed, with its provenance."""

    title: str
    body: str
    original: str
    layout: str
    encoding: str = ""
    index_no: str | None = None
    issuer: str = ""
    doc_date: date | None = None
    publish_date: date | None = None
    publish_time: time | None = None
    plan_year: int | None = None
    category: str = ""
    doc_number: str = ""
    disclosure: str = ""
    source_url: str = ""
    region: RegionResult | None = None
    national: bool = False
    # The issuer's level (a Document.Level value, "" when unknown), and whether the
    # issuer is a department of that level's government.
    level: str = ""
    department: bool = False
    inferred: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Fields resting on weak evidence (the body text, a guess): these need review.
    weak: set[str] = field(default_factory=set)
    needs_review: bool = False

    @property
    def content_hash(self) -> str:
        return content_hash(self.body)


def _text(value: str | None, limit: int) -> str:
    value = re.sub(r"\s+", " ", value or "").strip()
    return "" if value.lower() in _NO_VALUE else value[:limit]


def _field_text(fields: dict[str, str], name: str) -> str:
    """A field's text, cut to what its column holds."""
    return _text(fields.get(name), metadata.max_length(name))


def normalise(
    raw: RawRecord, *, encoding: str = "", warnings: list[str] | None = None
) -> NormalisedRecord:
    """Turn raw strings into typed fields, then infer what the source lacks."""
    fields = raw.fields
    record = NormalisedRecord(
        title=_field_text(fields, "title"),
        body=raw.body,
        original=raw.original,
        layout=raw.layout,
        encoding=encoding,
        issuer=_field_text(fields, "issuer"),
        category=_field_text(fields, "category"),
        doc_number=_field_text(fields, "doc_number"),
        disclosure=_field_text(fields, "disclosure"),
        notes=list(warnings or []) + list(raw.notes),
    )
    index_no = _field_text(fields, "index_no")
    if index_no:
        if _INDEX_NO.match(index_no):
            record.index_no = index_no
        else:
            record.notes.append(f"索引号格式异常，未采用：{index_no[:60]}")
    url = _field_text(fields, "source_url")
    if url:
        if _URL.match(url):
            record.source_url = url
        else:
            record.notes.append(f"原文链接不是网址，未采用：{url[:60]}")
    for name in ("doc_date", "publish_date"):
        raw_value = fields.get(name, "")
        parsed = find_date(raw_value)
        if raw_value and parsed is None:
            record.notes.append(f"日期无法识别或不合理：{raw_value[:40]}")
        if parsed is not None:
            setattr(record, name, parsed.date)
            if name == "publish_date":
                record.publish_time = parsed.time or _agreeing_time(
                    raw.offered.get(name, []), parsed.date
                )
    if raw.positional:
        record.inferred.extend(sorted(raw.positional))
        # A date whose meaning was taken from its position is a guess; one read
        # from the signature block or a meeting line (below) is not.
        record.weak |= {"doc_date", "publish_date"} & raw.positional
        record.notes.append(
            "元数据无标签，按位置识别：" + "、".join(sorted(raw.positional))
        )
    signature = find_signature(record.body) or find_cover_signature(record.body)
    meeting = find_meeting_line(record.body)
    _doc_date(record, signature, meeting)
    _plan_year(record, fields.get("plan_year", ""))
    _issuer(record, signature, meeting)
    _refine_issuer(record, raw, signature, meeting)
    _level(record, raw)
    _region(record, raw, signature, meeting)
    _issuer_from_region(record)
    _stated_inferred(record, raw)
    _title(record)
    record.needs_review = _needs_review(record, warnings or [])
    if raw.stated_needs_review is not None:
        # The archive's own judgment, a reviewer's included, unless this import
        # had to repair the file.
        record.needs_review = raw.stated_needs_review or bool(warnings)
    record.notes = list(dict.fromkeys(record.notes))
    return record


# Fields whose provenance is recorded (documents/fields.py).
PROVENANCE = metadata.PROVENANCE_FIELDS


def _stated_inferred(record: NormalisedRecord, raw: RawRecord) -> None:
    """An export of this archive says which fields were inferred: a round trip
    must not turn them into fields read from the source."""
    for name in PROVENANCE:
        if name not in raw.stated_inferred or name in record.inferred:
            continue
        if name == "region":
            has_value = record.region is not None and record.region.place is not None
        else:
            has_value = getattr(record, name) not in (None, "")
        if has_value:
            record.inferred.append(name)


def _agreeing_time(values: list[str], day: date) -> time | None:
    """The time another source gives for the same day (<meta> PubDate 10:12 beside
    a table's 公开日期 without one)."""
    for value in values:
        parsed = find_date(value)
        if parsed is not None and parsed.date == day and parsed.time is not None:
            return parsed.time
    return None


def _plan_year(record: NormalisedRecord, raw_year: str) -> None:
    match = re.fullmatch(r"\s*((?:19|20)\d{2})\s*年?度?\s*", raw_year or "")
    if match and int(match.group(1)) in PLAN_YEARS:
        record.plan_year = int(match.group(1))
        return
    if raw_year.strip():
        record.notes.append(f"计划年度无法识别或不合理：{raw_year.strip()[:20]}")
    dated = record.doc_date or record.publish_date
    doc_year = dated.year if dated else None
    guess = infer.plan_year_from_title(record.title)
    weak = False
    if guess is None and not infer.expects_plan_year(record.title):
        # A notice or a set of rules is for no year of its own: researchers count
        # it in the year it was written, else published.
        if doc_year is not None:
            how = "成文日期" if record.doc_date else "发布日期"
            guess = infer.Inference(doc_year, f"非年度文件，取{how}的年份")
    elif guess is None:
        kind = infer.document_kind(record.title, record.body, record.category)
        guess = infer.plan_year_from_text(
            record.body, doc_year=doc_year, summary=kind == infer.KIND_SUMMARY
        )
        weak = True
    if guess is None or int(guess.value) not in PLAN_YEARS:
        record.notes.append("计划年度无法确定")
        return
    record.plan_year = int(guess.value)
    record.inferred.append("plan_year")
    record.notes.append(f"计划年度{guess.value}：{guess.how}")
    if weak:
        record.weak.add("plan_year")


def _doc_date(
    record: NormalisedRecord, signature: Signature | None, meeting: MeetingLine | None
) -> None:
    """成文日期 from the signature, or a work report's meeting line, when no label
    gives it."""
    if record.doc_date is not None:
        return
    if signature is not None and signature.date is not None:
        record.doc_date = signature.date
        record.notes.append(
            f"成文日期取自{signature.where}：{signature.lines[-1][:40]}"
        )
    elif meeting is not None and meeting.date is not None:
        record.doc_date = meeting.date
        record.notes.append(f"成文日期取自报告题注：{meeting.line[:40]}")
    elif (adopted := find_adoption_line(record.body)) is not None:
        record.doc_date = adopted.date
        record.notes.append(f"成文日期取自通过日期题注：{adopted.line[:40]}")
    else:
        return
    record.inferred.append("doc_date")


# How the names of issuing bodies (and of places standing for them) end.
_ORGAN_NAME = re.compile(
    r"(?:政府|委员会|委|管委会|局|办|办公室|办公厅|办事处|镇|乡|街道|苏木|中心|所|院|部|厅"
    r"|处|署|会|站|队|社区|村|公司|片区|室|科|组|馆|区|县|市|省|旗|盟|州)$"
)


def _issuer(
    record: NormalisedRecord, signature: Signature | None, meeting: MeetingLine | None
) -> None:
    """The issuer: labelled, else from the signature, the title or the meeting line."""
    title_derived = "title" in record.inferred
    if record.issuer:
        if not _ORGAN_NAME.search(record.issuer) and not title_derived:
            # A site's name in the issuer field (来源：中国平潭) is not the issuer
            # when the title names the body that issued the text.
            named = issuer_from_title(record.title)
            if named is not None and named.name != record.issuer:
                record.notes.append(
                    f"发布机构“{record.issuer}”不是机关名称，改用{named.name}："
                    f"{named.how}"
                )
                record.issuer = named.name
                record.inferred.append("issuer")
        return
    guess = infer_issuer(
        title=record.title,
        title_derived=title_derived,
        signature=signature,
        meeting=meeting,
    )
    if guess is not None:
        record.issuer = guess.name[:_MAX_ISSUER]
        record.inferred.append("issuer")
        record.notes.append(f"发布机构{guess.name}：{guess.how}")


def _refine_issuer(
    record: NormalisedRecord,
    raw: RawRecord,
    signature: Signature | None,
    meeting: MeetingLine | None,
) -> None:
    """An issuer read under a 来源 label, a department's short name or a bare place
    is not yet the issuing organ's full name: the document's own evidence says more."""
    if not record.issuer:
        return
    title = "" if "title" in record.inferred else record.title
    behind = issuer_behind_source(
        record.issuer, raw.labels.get("issuer", ""), signature=signature, title=title
    )
    if behind is not None:
        _change_issuer(record, behind)
    evidence = [*(signature.organs if signature is not None else ())]
    named = issuer_from_title(title)
    if named is not None:
        evidence.append(named.name)
    evidence += [*raw.offered.get("issuer", []), raw.site_name]
    for guess in (
        complete_department(record.issuer, evidence),
        government_of_place(record.issuer, title=title, meeting=meeting),
    ):
        if guess is not None:
            _change_issuer(record, guess)


def _change_issuer(record: NormalisedRecord, guess: IssuerGuess) -> None:
    record.notes.append(f"发布机构“{record.issuer}”改为{guess.name}：{guess.how}")
    record.issuer = guess.name[:_MAX_ISSUER]
    if "issuer" not in record.inferred:
        record.inferred.append("issuer")


@functools.cache
def _municipalities() -> tuple[str, ...]:
    # Read on first use, not when the module is imported (web processes too).
    return tuple(
        place.name
        for place in default_gazetteer().places("province")
        if place.code in MUNICIPALITY_CODES
    )


def _level(record: NormalisedRecord, raw: RawRecord) -> None:
    """The issuer's level: a labelled 层级 first, else the issuer's name."""
    named = issuer_level(record.issuer) if record.issuer else None
    stated = raw.fields.get("level", "")
    where = (record.issuer, record.title, *raw.region_names.values())
    municipality = any(text.startswith(_municipalities()) for text in where if text)
    labelled = level_from_label(stated, municipality=municipality) if stated else None
    if stated and labelled is None:
        record.notes.append(f"层级无法识别：{stated[:20]}")
    level = labelled or (named.level if named is not None else None)
    if labelled is not None and named is not None and named.level != labelled:
        # A labelled organ's own name says more than a coarse 层级 column, which
        # some sources fill with where they published (a street office's
        # notice under 区级); an inferred issuer says less.
        if "issuer" not in record.inferred:
            level = named.level
        record.notes.append(
            f"层级“{stated}”与发布机构“{record.issuer}”的层级"
            f"（{named.level.label}）不符，采用{level.label}"
        )
    if level is None:
        return
    record.level = level.value
    record.department = bool(named is not None and named.department)
    record.national = level == Level.NATIONAL


def _region(
    record: NormalisedRecord,
    raw: RawRecord,
    signature: Signature | None,
    meeting: MeetingLine | None,
) -> None:
    if record.national:
        record.notes.append("全国性文件，无地方区划")
        return
    names = [record.issuer]
    if signature is not None:
        names += signature.organs
    names += [*reversed(raw.breadcrumb), record.title]
    if meeting is not None and meeting.place:
        names.append(meeting.place)
    # Place columns of a record file, most specific first.
    names += [
        raw.region_names[k]
        for k in ("township", "county", "city", "province")
        if k in raw.region_names
    ]
    own_lines = signature.lines if signature is not None else ()
    evidence = RegionEvidence(
        names=tuple(n for n in names if n),
        index_no=record.index_no,
        text=record.body,
        division_code=raw.region_names.get("division_code", ""),
        cap=record.level,
        own_lines=own_lines,
    )
    result = resolve_region(evidence)
    record.region = result
    if result.note:
        record.notes.append(result.note)
    if result.place is not None and result.inferred:
        # Read from body mentions alone: the weakest evidence.
        record.inferred.append("region")
        record.weak.add("region")


def _issuer_from_region(record: NormalisedRecord) -> None:
    """Last resort: the township the metadata names publishes its own plan."""
    region = record.region
    if (
        record.issuer
        or region is None
        or not region.township
        or region.inferred
        or "region" in record.inferred
    ):
        return
    record.issuer = region.township
    record.inferred.append("issuer")
    record.notes.append(f"发布机构{region.township}：据区划推断")
    if not record.level:
        record.level = Level.TOWNSHIP.value


def _title(record: NormalisedRecord) -> None:
    if record.title:
        return
    region = record.region
    place = ""
    if region is not None:
        place = region.township or region.county or region.city or region.province
    kind = infer.document_kind("", record.body, record.category)
    record.title = infer.derived_title(
        place=place, year=record.plan_year, kind=kind, body=record.body
    )
    record.inferred.append("title")
    record.notes.append("原文无标题，标题系据正文拟定")


def _needs_review(record: NormalisedRecord, warnings: list[str]) -> bool:
    """Flag the record and add one stable note per reason (documents.ingest.review)."""
    # Derived titles, text-only regions and dates placed by position are guesses too.
    record.weak |= {"title", "region"} & set(record.inferred)
    # An export of this archive says which inferred fields were weak (its notes).
    record.weak |= {n for n in record.inferred if review.weak_reason(n) in record.notes}
    region = record.region
    has_region = region is not None and region.place is not None
    reasons = review.field_reasons(
        issuer=record.issuer,
        has_region=has_region,
        national=is_national(record),
        doc_date=record.doc_date,
        publish_date=record.publish_date,
        plan_year=record.plan_year,
        plan_year_expected=infer.expects_plan_year(record.title),
        weak=record.weak,
    )
    if warnings:
        reasons.append(review.REPAIRED)
    # A reason an earlier stage noted (a page and its attachment disagree) holds.
    reasons += [
        note
        for note in record.notes
        if review.is_reason(note) and note not in review.FIELD_REASONS
    ]
    if has_region and region.needs_review and "region" not in record.weak:
        reasons.append(review.REGION_UNCERTAIN)
    record.notes = review.replace_reasons(record.notes, reasons)
    return bool(reasons)


def is_national(record: NormalisedRecord) -> bool:
    """A national document has no region (the level, where it is set, decides)."""
    return record.national or record.level == "national"
