"""Who issued a document: its issuing organ, from the strongest evidence at hand.

Strongest first: a labelled issuer (发布机构, 发文机关), the signature block, the
title ("XX关于…", "XX2023年工作计划") and a work report's meeting line. Never a
phrase of the running text: "我代表…人民政府" names the speaker's government, which
is not always the issuer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from documents.gazetteer import default_gazetteer
from documents.gazetteer.loader import TOWNSHIP
from documents.ingest.level import issuer_level
from documents.ingest.signature import MeetingLine, Signature

# A title that opens with its issuer: "国务院办公厅关于…", "慈溪市人民政府办公室关于…",
# "平潭综合实验区金井片区管理局2022年工作总结", "周巷镇2023年工作计划".
_ISSUER_IN_TITLE = re.compile(
    r"^([\u4e00-\u9fff]{2,30}?(?:人民政府|政府|管委会|管理委员会|管理局|办事处|委员会|"
    r"办公室|办公厅|局|厅|部|委|院|署|中心|镇|乡|街道|苏木|市|县|区|旗|省|自治区))"
    r"(?=(?:19|20)\d{2}|关于|印发|转发|[（(]?\d{4})"
)
# Joint issuers lead a title separated by spaces: "中共中央 国务院关于…".
_JOINT_IN_TITLE = re.compile(r"^([\u4e00-\u9fff]{2,30})[\s\u3000]+[\u4e00-\u9fff]")
# National organs a title may name after its year (2025年中华人民共和国国务院政府
# 工作报告, 第十一届全国人民代表大会第三次会议关于…的决议), longest first.
_NATIONAL_IN_TITLE = (
    "国务院办公厅",
    "国务院",
    "全国人民代表大会常务委员会",
    "全国人民代表大会",
    "中共中央办公厅",
    "中共中央",
)
# Words after which an organ named in a title is the subject, not the issuer.
_SUBJECT_WORDS = re.compile(r"关于|贯彻|落实|转发|印发|学习")
# An organ's name ends like this, or it is a place (平潭), not an organ.
_PLACE_END = re.compile(r"(?:市|县|区|旗|省|自治区|镇|乡|街道|苏木)$")


@dataclass(frozen=True)
class IssuerGuess:
    name: str
    how: str


def issuer_from_title(title: str) -> IssuerGuess | None:
    """The organ a title opens with, or the national organ it is by."""
    title = (title or "").strip()
    joint = _JOINT_IN_TITLE.match(title)
    if joint is not None and issuer_level(joint.group(1)) is not None:
        return IssuerGuess(joint.group(1), "取自标题开头的机关名称（联合发文的第一个）")
    match = _ISSUER_IN_TITLE.match(title)
    if match is not None:
        name = match.group(1)
        # 周巷镇 and 慈溪市 are places: only when the gazetteer or the name's
        # structure knows them (经济开发区2023年… is not one).
        if not _PLACE_END.search(name) or issuer_level(name) is not None:
            return IssuerGuess(name, "取自标题开头的机关名称")
    subject = _SUBJECT_WORDS.search(title)
    limit = subject.start() if subject else len(title)
    for name in _NATIONAL_IN_TITLE:
        where = title.find(name)
        if 0 <= where < limit:
            return IssuerGuess(name, "取自标题中的国家机关名称")
    return None


def issuer_from_signature(signature: Signature | None) -> IssuerGuess | None:
    """The organ that signed the text (落款)."""
    if signature is None or not signature.organ:
        return None
    return IssuerGuess(signature.organ, f"取自{signature.where}")


# Other reports read at the same congress, under the same meeting line.
_STANDING_COMMITTEE_REPORT = re.compile(
    r"(?:人民代表大会常务委员会|人大常委会)工作报告"
)
_JUDICIAL_REPORT = re.compile(r"(?:法院|检察院)工作报告")


def issuer_from_meeting(
    meeting: MeetingLine | None, title: str = ""
) -> IssuerGuess | None:
    """Who reports to the congress of a work report's meeting line: the government,
    or the congress's standing committee for its own report."""
    if meeting is None or not meeting.issuer or _JUDICIAL_REPORT.search(title):
        # A court's report: its full name is not in the line.
        return None
    how = f"据报告题注“{meeting.line[:40]}”"
    if _STANDING_COMMITTEE_REPORT.search(title):
        place = "全国" if meeting.national else meeting.place
        return IssuerGuess(f"{place}人民代表大会常务委员会", how)
    return IssuerGuess(meeting.issuer, how)


def infer_issuer(
    *,
    title: str,
    title_derived: bool,
    signature: Signature | None,
    meeting: MeetingLine | None,
) -> IssuerGuess | None:
    """The issuer a document without a labelled one states, strongest first."""
    guesses = [issuer_from_signature(signature)]
    if not title_derived:  # A title derived from the body names no one.
        guesses.append(issuer_from_title(title))
    guesses.append(issuer_from_meeting(meeting, "" if title_derived else title))
    return next((guess for guess in guesses if guess is not None), None)


# Labels that say where a page's text came from (the site's owner, a newspaper),
# which is not always the organ that issued it. JSON keys are compared lower-case.
SOURCE_LABELS = frozenset(
    {"来源", "信息来源", "文章来源", "内容来源", "稿件来源", "source", "contentsource"}
)


def issuer_behind_source(
    issuer: str, label: str, *, signature: Signature | None, title: str
) -> IssuerGuess | None:
    """The organ that signed the text (or the title's) when the issuer was read
    under a 来源 label; labels such as 发布机构 keep their value."""
    if label.strip().lower() not in SOURCE_LABELS:
        return None
    named = issuer_from_signature(signature) or issuer_from_title(title)
    # 虎门镇 (the title's) is no better than the 来源's 虎门镇人民政府.
    if named is None or named.name in issuer:
        return None
    return IssuerGuess(named.name, f"{named.how}（“{label}”所记{issuer}是信息来源）")


# A department's short name: "区公安局" (this district's), or a bare "公安局".
_SHORT_DEPARTMENT = re.compile(
    r"^(?P<mark>区|县|市|州|旗|盟)?(?P<core>[\u4e00-\u9fff]{1,6}"
    r"(?:局|委员会|委|办公室|办|厅|中心|所|队|站|处|院|部))$"
)
# How a government's name ends after its place (平潭综合实验区 + 党工委管委会).
_GOVERNMENT_SUFFIX = re.compile(
    r"(?:(?:党工委)?管委会|管理委员会|人民政府|政府|党工委|党委|办事处)$"
)


def _short_department(name: str) -> tuple[str, str] | None:
    """(mark, core) when ``name`` is a department without its place's name."""
    match = _SHORT_DEPARTMENT.match(name or "")
    if match is None:
        return None
    core = match["core"]
    named = issuer_level(core)
    # "公安局" is no place's: the gazetteer's 公安县 is only a look-alike.
    if named is not None and any(core.startswith(p.name) for p in named.places):
        return None
    return match["mark"] or "", core


def complete_department(name: str, evidence: list[str]) -> IssuerGuess | None:
    """The full name of a department called by its short name (区公安局), from an
    organ the document names elsewhere (its signature, its title, a 来源 line) or
    that organ's government, whose place it belongs to. None when nothing says."""
    short = _short_department(name)
    if short is None:
        return None
    mark, core = short
    for organ in evidence:
        organ = re.sub(r"\s+", "", organ or "")
        named = issuer_level(organ)
        if named is None or not named.places or organ == name:
            continue
        if organ.endswith(core) and len(organ) > len(core) + 1:
            place = organ[: -len(core)]
        elif not named.department and _GOVERNMENT_SUFFIX.search(organ):
            place = _GOVERNMENT_SUFFIX.sub("", organ)
        else:
            continue
        # 区公安局 is a district's: its place must be written as one.
        if len(place) < 2 or (mark and not place.endswith(mark)):
            continue
        if _GOVERNMENT_SUFFIX.search(place) or issuer_level(place) is None:
            continue
        return IssuerGuess(f"{place}{core}", f"据本文件所记机关名称{organ}补全“{name}”")
    return None


_WORK_REPORT = re.compile(r"政府工作报告")


def government_of_place(
    name: str, *, title: str, meeting: MeetingLine | None
) -> IssuerGuess | None:
    """陕西省 as the issuer of a government work report is the province's
    government (陕西省人民政府): a place's name, not an organ's."""
    name = (name or "").strip()
    # Above the township: a 镇 or 街道 names its own government in everyday use
    # (店口镇 as 发布机构 of its report), which the archive keeps as read.
    places = [p for p in default_gazetteer().find(name) if p.level != TOWNSHIP]
    if not name or not places:
        return None
    reports = bool(_WORK_REPORT.search(title or "")) or (
        meeting is not None and meeting.place == name and not meeting.national
    )
    if not reports or _STANDING_COMMITTEE_REPORT.search(title or ""):
        return None
    how = f"“{name}”是地名，政府工作报告由其人民政府发布"
    return IssuerGuess(f"{name}人民政府", how)
