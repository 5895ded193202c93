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

    @property
    def organ(self) -> str:
        """The government among joint signers (党委 and 政府 sign plans together),
        or else the first one signed."""
        governments = [o for o in self.organs if re.search(_GOVERNMENT_END, o)]
        return (governments or list(self.organs) or [""])[0]


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
        organs: list[str] = []
        used = [line]
        cursor = index - 1
        while cursor >= 0 and len(used) < 4:
            names = _organ_names(lines[cursor])
            if names is None:
                break
            organs[:0] = names
            used.insert(0, lines[cursor])
            cursor -= 1
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
    return None


# The meeting line of a work report. The place is what stands between 在 and the
# congress's term (第十四届); national congresses say 全国 after the term.
_MEETING = re.compile(
    rf"(?P<date>{_ANY_DATE})?\s*在"
    r"(?P<place>[\u4e00-\u9fff]{0,30}?)(?:第[一二三四五六七八九十百\d]+届)?"
    r"(?P<national>全国)?人民代表大会(?:第[一二三四五六七八九十百\d]+次)?"
    r"(?:全体)?会议上"
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


def heading_lines(text: str, *, limit: int = 3) -> tuple[str, ...]:
    """The short lines a text opens with (its title or addressee), not prose."""
    found = []
    for line in _lines(text)[:limit]:
        if len(line) > _MAX_ORGAN_LINE or "。" in line:
            break
        found.append(line)
    return tuple(found)
