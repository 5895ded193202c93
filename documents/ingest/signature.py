"""The lines of a text that name who wrote it: the signature block and the meeting line.

A 落款 is an organ's name line and then a date line at the end of the text, possibly
followed by 印章, 抄送 or 此件公开发布 lines. A work report opens with a meeting line
("——2026年1月28日在浙江省第十四届人民代表大会第四次会议上") that names the congress it
was read to, and so the government that reports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from documents.ingest.dates import CHINESE_DATE_PATTERN, DATE_PATTERN, find_any_date
from documents.ingest.level import issuer_level

# Lines that may follow the signature: seals, distribution lists, publication notes,
# contacts and attachment names. They end nothing, so they are skipped.
_AFTER_SIGNATURE = re.compile(
    r"^[（(【\[]?\s*(?:此件|本件|印章|盖章|公章|此页无正文)"
    r"|^(?:抄送|抄报|主送|分送|印发|附件|联系人|联系电话|电话|传真|地址|邮编|主题词"
    r"|公开方式|公开属性|信息公开选项)"
    # The 版记's printing line: 慈溪市人民政府办公室 2023年1月10日印发.
    r"|日印发$"
    r"|^[-—_=＿－─━]{3,}$"
)
# How the names of organs end (政府, 办事处, 委员会, 局, 镇 …).
ORGAN_END = re.compile(
    r"(?:政府|办事处|委员会|管委会|党委|党工委|人大常委会|委|局|厅|部|署|院|办公室|办|"
    r"中心|所|站|处|队|会|镇|乡|街道|苏木|区|县|市|省|旗|盟|州)$"
)
_GOVERNMENT_END = r"(?:人民政府|政府|办事处)$"
_SENTENCE_MARKS = re.compile(r"[。，；：！？,;:!?“”]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
# Either date form, without the group names (they are used twice).
_ANY_DATE = re.sub(
    r"\?P<\w+>", "", f"(?:{DATE_PATTERN.pattern}|{CHINESE_DATE_PATTERN.pattern})"
)
_DATE_ONLY = re.compile(rf"^[（(]?\s*{_ANY_DATE}\s*[）)]?$")
_DATE_AT_END = re.compile(rf"\s*{_ANY_DATE}\s*$")
# The signature sits in the last lines; more than this is the text itself.
_TAIL_LINES = 12
_MAX_ORGAN_LINE = 40


@dataclass(frozen=True)
class Signature:
    """The organ(s) and date of a 落款."""

    organs: tuple[str, ...]
    date: date | None
    lines: tuple[str, ...]
    # Where it was read: 文末落款, or the cover's (印发通知的落款) of a notice that
    # carries its attachment's text after it.
    where: str = "文末落款"

    @property
    def organ(self) -> str:
        """The government among joint signers (党委 and 政府 sign plans together),
        or else the first one signed."""
        governments = [o for o in self.organs if re.search(_GOVERNMENT_END, o)]
        return (governments or list(self.organs) or [""])[0]


def date_only(line: str) -> date | None:
    """The date of a line that holds a date and nothing else (二〇二三年三月五日,
    （2023年3月5日）), or None."""
    line = (line or "").strip()
    return find_any_date(line) if _DATE_ONLY.match(line) else None


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _organ_names(line: str) -> tuple[str, ...] | None:
    """The organ names a signature line holds (two joint signers may share a line)."""
    line = re.sub(r"[（(]\s*(?:印章|盖章|公章)\s*[）)]", "", line).strip()
    if not line or len(line) > _MAX_ORGAN_LINE or _SENTENCE_MARKS.search(line):
        return None
    parts = tuple(part for part in re.split(r"[\s\u3000]+", line) if part)
    if not parts or not all(
        len(part) >= 3
        and ORGAN_END.search(part)
        and len(_HAN.findall(part)) == len(part)
        for part in parts
    ):
        return None
    return parts


def _organs_above(
    lines: list[str], index: int, *, stop: int
) -> tuple[list[str], list[str], int]:
    """The organ lines (at most three) right above the date line at ``index``,
    not reaching line ``stop``: their names, the lines used with the date line,
    and the index of the line above them."""
    organs: list[str] = []
    used = [lines[index]]
    cursor = index - 1
    while cursor > stop and len(used) < 4:
        names = _organ_names(lines[cursor])
        if names is None:
            break
        organs[:0] = names
        used.insert(0, lines[cursor])
        cursor -= 1
    return organs, used, cursor


def find_signature(text: str) -> Signature | None:
    """The 落款 at the end of ``text``: organ line(s), then a date line."""
    lines = _lines(text)[-_TAIL_LINES:]
    index = len(lines) - 1
    while index >= 0 and _AFTER_SIGNATURE.search(lines[index]):
        index -= 1
    if index < 0:
        return None
    line = lines[index]
    day = find_any_date(line) if _DATE_ONLY.match(line) else None
    if day is not None:
        organs, used, _cursor = _organs_above(lines, index, stop=-1)
        if not organs:
            return None
        return Signature(tuple(organs), day, tuple(used))
    # 慈溪市人民政府 2023年1月10日 on one line.
    tail = _DATE_AT_END.search(line)
    if tail is not None and tail.start() > 0:
        names = _organ_names(line[: tail.start()])
        day = find_any_date(tail.group(0))
        if names and day is not None:
            return Signature(names, day, (line,))
    return _run_in_signature(line)


# A text flattened into one line ends with its signature run into the last
# sentence ("…情况表平潭综合实验区公安局2023年12月5日"), perhaps followed by the name of
# an attached file.
_RUN_IN = re.compile(
    rf"(?P<organ>[\u4e00-\u9fff]{{3,40}})[\s\u3000]*(?P<date>{_ANY_DATE})"
    r"[\s\u3000]*(?:[^\s。；]{1,80}\.(?:xlsx?|docx?|pdf|wps|et|ofd|zip|rar))?\s*$",
    re.IGNORECASE,
)


def _run_in_signature(line: str) -> Signature | None:
    """The organ and date a flattened text ends with. The organ is the longest
    ending of the words before the date that is a place's organ (the gazetteer and
    the name's structure say), so the attachment's title before it is left out."""
    if len(line) <= _MAX_ORGAN_LINE:
        return None
    match = _RUN_IN.search(line)
    if match is None:
        return None
    words = match["organ"][-_MAX_ORGAN_LINE:]
    for start in range(len(words) - 2):
        organ = words[start:]
        named = issuer_level(organ)
        if ORGAN_END.search(organ) and named is not None and named.places:
            day = find_any_date(match["date"])
            if day is None:
                return None
            begin = match.end("organ") - len(organ)
            return Signature((organ,), day, (line[begin : match.end("date")],))
    return None


# The cover of a notice that carries its attachment (关于印发《X》的通知): a short
# text, its signature, then the attachment's own title and text.
_COVER_LINES = 16
_COVER_ISSUES = re.compile(r"印发|转发|发给你们|予以公布|现予公布")
_SENTENCE_END = re.compile(r"(?:[。！]|特此通知|特此通告|特此公告)\s*$")


# 附件：then the attachments' names, numbered, between a text and its signature.
_ATTACHMENT_ITEM = re.compile(
    r"^(?:\d{1,2}|[一二三四五六七八九十]{1,2})[、.．]|^[（(]\d{1,2}[）)]"
)
_ATTACHMENT_HEAD = re.compile(r"^附件\s*[:：]")


def _before_attachment_list(lines: list[str], cursor: int) -> int:
    """The index of the line before the 附件 list that ends at ``cursor`` (or
    ``cursor`` when there is none)."""
    start = cursor
    while start > 0 and _ATTACHMENT_ITEM.match(lines[start]):
        start -= 1
    if start > 0 and _ATTACHMENT_HEAD.match(lines[start]):
        return start - 1
    return cursor


def find_cover_signature(text: str) -> Signature | None:
    """The signature of a cover that issues the attached text after it: organ
    lines and/or a date line right after the cover's last sentence, followed by
    more text. A bare date line counts only when the cover says it issues
    something (印发, 转发), so a dated heading of a report is not taken."""
    lines = _lines(text)[:_COVER_LINES]
    for index in range(1, len(lines) - 1):
        line = lines[index]
        if not _DATE_ONLY.match(line):
            continue
        day = find_any_date(line)
        if day is None:
            continue
        # The cover's first line is never its signature.
        organs, used, cursor = _organs_above(lines, index, stop=0)
        cursor = _before_attachment_list(lines, cursor)
        cover = lines[: cursor + 1]
        if not cover or not _SENTENCE_END.search(cover[-1]):
            continue
        if not organs and not _COVER_ISSUES.search("".join(cover)):
            continue
        return Signature(tuple(organs), day, tuple(used), where="印发通知的落款")
    return None


# The meeting line of a work report. The place is what stands between 在 and the
# congress's term (第十四届); national congresses say 全国 after the term.
# Older reports are printed in traditional characters (會議, 屆).
_MEETING = re.compile(
    rf"(?P<date>{_ANY_DATE})?\s*在"
    r"(?P<place>[\u4e00-\u9fff]{0,30}?)(?:第[一二三四五六七八九十百\d]+[届屆])?"
    r"(?P<national>全国|全國)?人民代表大[会會](?:第[一二三四五六七八九十百\d]+次)?"
    r"(?:全体|全體)?[会會][议議]上"
)
_MEETING_ZONE = 600
_MAX_MEETING_LINE = 80
_MEETING_OPENS = re.compile(r"^(?:[—－\-–―]+|[（(]|\d|[〇○零一二]{2}|在)")


@dataclass(frozen=True)
class MeetingLine:
    """A work report's meeting line: when, and which congress."""

    date: date | None
    place: str  # 浙江省, 慈溪市, 周巷镇; empty for the National People's Congress
    national: bool
    line: str

    @property
    def issuer(self) -> str:
        """The government that reports to this congress."""
        if self.national:
            return "国务院"
        return f"{self.place}人民政府" if self.place else ""


def find_meeting_line(text: str) -> MeetingLine | None:
    """The meeting line near the top of a work report, if there is one."""
    head = (text or "")[:_MEETING_ZONE]
    match = _MEETING.search(head)
    if match is None:
        return None
    line_start = head.rfind("\n", 0, match.start()) + 1
    line_end = head.find("\n", match.end())
    line = head[line_start : line_end if line_end >= 0 else len(head)].strip()
    # Its own line, under the title: not a sentence of the report that names a
    # congress in passing.
    if len(line) > _MAX_MEETING_LINE or not _MEETING_OPENS.match(line):
        return None
    place = re.sub(r"^(?:中华人民共和国)", "", match["place"] or "")
    national = bool(match["national"]) or match["place"].startswith("中华人民共和国")
    if not national and not place:
        return None
    day = find_any_date(match["date"]) if match["date"] else None
    return MeetingLine(day, "" if national else place, national, line)


# A resolution's or a law's 题注: "（2023年3月13日第十四届全国人民代表大会第一次会议
# 通过）" under its title.
_ADOPTION = re.compile(
    rf"^[（(]\s*(?P<date>{_ANY_DATE})\s*[^（）()]{{2,60}}?(?:通过|通過|批准)\s*[）)]$"
)
_ADOPTION_LINES = 8


@dataclass(frozen=True)
class AdoptionLine:
    """The date a text was adopted, from the note under its title."""

    date: date
    line: str


def find_adoption_line(text: str) -> AdoptionLine | None:
    """The 题注 that says when a meeting adopted the text, near its top."""
    for line in _lines(text)[:_ADOPTION_LINES]:
        match = _ADOPTION.match(line)
        if match is not None:
            day = find_any_date(match["date"])
            if day is not None:
                return AdoptionLine(day, line)
    return None


def heading_lines(text: str, *, limit: int = 3) -> tuple[str, ...]:
    """The short lines a text opens with (its title or addressee), not prose."""
    found = []
    for line in _lines(text)[:limit]:
        if len(line) > _MAX_ORGAN_LINE or "。" in line:
            break
        found.append(line)
    return tuple(found)
