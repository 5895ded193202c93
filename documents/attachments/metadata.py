"""A plan's title, issuer, 成文日期 and 文号, read from its attachment.

A 政务公开 page often gives no 索引号 table: the plan is the attachment. Its first
page is laid out as GB/T 9704-2012 lays out a 红头文件: the 发文机关标志 (the
issuing organ's banner, "XX镇人民政府文件", never the title), the 发文字号
("X政发〔2023〕5号"), the title over one to three lines, then the 主送 line
("各村（社区）：") and the text. The 落款 (organ and date, the date often in
Chinese numerals) ends the text, or the cover of a notice that issues the plan.
The file's name is evidence for the title when the first page gives none.

What is found is offered to the page's RawRecord marked inferred; a value the
page states under a label wins, and a disagreement is a review note
(``apply_to_record``). The signature, date and issuer readers are the
importer's own (documents/ingest/signature.py, dates.py, issuer.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePath

from documents.attachments.result import Extraction, Method
from documents.ingest import review
from documents.ingest.dates import find_any_date
from documents.ingest.issuer import (
    SOURCE_LABELS,
    IssuerGuess,
    issuer_from_meeting,
    issuer_from_signature,
    issuer_from_title,
)
from documents.ingest.labels import LABEL_PATTERN
from documents.ingest.records import RawRecord
from documents.ingest.signature import (
    ORGAN_END,
    Signature,
    date_only,
    find_cover_signature,
    find_meeting_line,
    find_signature,
)
from documents.kinds import TITLE_WORDS, any_of

# The provenance every value found here carries (documents/fields.py "inferred").
PROVENANCE = "inferred from attachment"
# Where on the attachment a value was read (shown in notes).
WHERE_TITLE = "首页标题"
WHERE_BANNER = "版头发文机关标志"
WHERE_NUMBER = "发文字号"
WHERE_SIGNATURE = "落款"
WHERE_COVER = "印发通知的落款"
WHERE_CAPTION = "标题下的日期"
WHERE_MEETING = "报告题注"
WHERE_NAME = "文件名"
FIELD_NAMES = ("title", "issuer", "doc_date", "doc_number")
_LABELS = {
    "title": "标题",
    "issuer": "发布机构",
    "doc_date": "成文日期",
    "doc_number": "文号",
}
# An attachment's offer ranks below every page label (labels.label_rank < 20).
ATTACHMENT_RANK = 100

# The first page: more lines than this are the text itself.
_HEAD_LINES = 30
_MAX_TITLE_LINES = 4
# A DOCX title is one paragraph, however long; a PDF's wraps at about 22.
_MAX_TITLE_LINE = 80
_MAX_TITLE = 120

_HAN = r"\u4e00-\u9fff"
# Page numbers (GB/T 9704: "— 1 —"), 第1页 共3页, 1/3, and bare numbers (份号).
_PAGE_FURNITURE = re.compile(
    r"^(?:[—–－\-─]+\s*\d{1,4}\s*[—–－\-─]+|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|\d{1,6})$"
)
# Lines above the banner or title: 密级, 紧急程度, an attachment's number (附件2),
# publication labels, the 签发人 of a 上行文.
_TOP_FURNITURE = re.compile(
    r"^(?:(?:绝密|机密|秘密)(?:\s*★.*)?|特急|加急|特提|平急|附\s*件\s*\d*(?:\s*[-－—]\s*\d+)?"
    r"|[（(]?\s*(?:此件|本件)\S*[）)]?|签\s*发\s*人\s*[:：].*)$"
)
_RULE = re.compile(r"^[-—_=＿－─━★\s]{3,}$")
# 发文字号: 机关代字, 〔年份〕, 序号 号 ("X政发〔2023〕5号", "X府办函[2023]第12号").
_DOC_NUMBER = re.compile(
    rf"(?P<no>[{_HAN}A-Za-z]{{1,16}}\s*[〔\[［【(（]\s*(?:19|20)\d{{2}}\s*"
    r"[〕\]］】)）]\s*第?\s*\d{1,5}\s*号)"
)
_SIGNER = re.compile(r"签\s*发\s*人\s*[:：]\s*\S+(?:\s+\S{2,4})?")
# How a title ends: the kinds of 公文 (党政机关公文处理工作条例) and of plans,
# perhaps with a qualifier in brackets (（试行）, （2023—2025年）).
_TITLE_END = re.compile(
    "(?:"
    + any_of(
        (
            *TITLE_WORDS,
            "公报",
            "公告",
            "通告",
            "通报",
            "请示",
            "批复",
            "议案",
            "函",
            "纪要",
            "规定",
            "细则",
            "规则",
            "制度",
            "章程",
            "预案",
            "清单",
            "要求",
            "指引",
            "指南",
            "目录",
            "措施",
            "标准",
            "守则",
            "公约",
        )
    )
    + r")[》”]?(?:[（(][^（）()]{1,20}[）)])?$"
)
# Lines that end a title: the 主送 line, a sentence, a numbered heading.
_ADDRESSEE = re.compile(r"[:：]\s*$")
_SENTENCE = re.compile(r"[。！？；]|[，,；;]\s*$")
_HEADING = re.compile(
    r"^(?:[一二三四五六七八九十]{1,3}[、.．]|[（(][一二三四五六七八九十\d]{1,3}[）)]"
    r"|\d{1,2}[、.．]|第[一二三四五六七八九十百\d]+[章条节部分])"
)
_OPENS_CAPTION = re.compile(r"^[—－\-–―]{1,}|^在")
_PARENTHETICAL = re.compile(r"^[（(][^（）()]{1,20}[）)]$")
_MIXED_SPACE = re.compile(
    rf"(?<=[{_HAN}])[ \t\u3000]+(?=[0-9A-Za-z])"
    rf"|(?<=[0-9A-Za-z])[ \t\u3000]+(?=[{_HAN}])"
)
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_LETTER_SPACED = re.compile(rf"(?<=[{_HAN}])[ \t\u3000]+(?=[{_HAN}])")
# Banner: the organ's name (or several stacked) and 文件, or a 函's bare name.
_BANNER_END = re.compile(r"(?:文件|\(函\)|（函）)$")
# File names that say nothing of the title.
_NAME_NOISE = re.compile(
    r"^(?:附\s*件\s*\d*(?:\s*[-－—]\s*\d+)?|\d+(?:[-_－]\d+)*)\s*[:：.、_\-－—\s]*"
)
_NAME_TAIL = re.compile(
    r"(?:[（(]\s*(?:\d{1,2}|定稿|终稿|正式稿|修订稿|发布稿|盖章版|公开版|印发稿)\s*[）)]"
    r"|[-_－]\s*(?:\d{1,2}|定稿|终稿|盖章版|公开版))+$"
)
_PUNCT = re.compile(r"[\s《》〈〉“”\"'‘’（）()【】\[\]、，,。.：:；;—\-－_·]")


@dataclass(frozen=True)
class Found:
    """One value read from an attachment, and where on it."""

    value: str  # doc_date: ISO (2023-03-05)
    where: str  # WHERE_* (首页标题, 落款, …)
    line: str  # the text it was read from
    page: int | None = None  # 1-based page of the original, when known


@dataclass
class AttachmentFields:
    """What one attachment says of its document: each field, or None."""

    name: str = ""
    title: Found | None = None
    issuer: Found | None = None
    doc_date: Found | None = None
    doc_number: Found | None = None
    # Pages read by OCR (their text may hold misread characters), or the whole
    # text when the extraction gives no pages.
    ocr_pages: frozenset[int] = frozenset()
    all_ocr: bool = False

    def by_ocr(self, found: Found) -> bool:
        """Whether ``found`` was read from a scan."""
        if found.where == WHERE_NAME:
            return False
        return self.all_ocr or found.page in self.ocr_pages

    def items(self) -> list[tuple[str, Found]]:
        """The fields found, in FIELD_NAMES order."""
        return [(n, f) for n in FIELD_NAMES if (f := getattr(self, n)) is not None]

    def __bool__(self) -> bool:
        return bool(self.items())


@dataclass(frozen=True)
class _Line:
    text: str
    offset: int


@dataclass
class _Head:
    """The first page as GB/T 9704 lays it out."""

    banner: list[_Line] = field(default_factory=list)
    number: _Line | None = None
    doc_number: str = ""
    title: list[_Line] = field(default_factory=list)
    rest: int = 0  # index of the first line after the title


def _clean(line: str) -> str:
    # Full-width digits (〔２０２３〕５号) are digits; PDF text layers space
    # digits off from Chinese (2022 年度工作计划).
    line = _MIXED_SPACE.sub("", line.strip().translate(_FULL_WIDTH_DIGITS))
    tokens = line.split()
    # A letter-spaced banner or title (政 府 文 件): the spaces are layout.
    if len(tokens) >= 3 and all(len(token) <= 2 for token in tokens):
        line = _LETTER_SPACED.sub("", line)
    return line


def _lines(text: str) -> list[_Line]:
    """The text's lines with their offsets, page furniture left out."""
    out = []
    offset = 0
    for raw in text.splitlines(keepends=True):
        line = _clean(raw)
        if line and not _PAGE_FURNITURE.match(line) and not _RULE.match(line):
            out.append(_Line(line, offset))
        offset += len(raw)
    return out


def _doc_number_in(line: str) -> str | None:
    """The 发文字号 a line holds when it holds little else (a 签发人 may share it)."""
    match = _DOC_NUMBER.search(line)
    if match is None:
        return None
    rest = _SIGNER.sub("", line.replace(match["no"], ""))
    if re.sub(r"[\s（）()]", "", rest):
        return None
    return re.sub(r"\s+", "", match["no"])


def _title_like(line: str, *, continued: bool = False) -> bool:
    return (
        len(line) <= _MAX_TITLE_LINE
        and len(re.findall(rf"[{_HAN}]", line)) >= (1 if continued else 2)
        and not _ADDRESSEE.search(line)
        and not _SENTENCE.search(line)
        and not _HEADING.match(line)
        and not _OPENS_CAPTION.match(line)
        and date_only(line) is None
        and not LABEL_PATTERN.match(line)
        and _doc_number_in(line) is None
    )


def _title_lines(lines: list[_Line], start: int) -> list[_Line]:
    """The title's lines from ``start``: the longest run that ends like a title,
    else its first line alone."""
    run: list[_Line] = []
    for line in lines[start : start + _MAX_TITLE_LINES]:
        text = line.text
        if run and _PARENTHETICAL.match(text) and "月" not in text:
            run.append(line)  # (试行), (2023—2025年) wrapped onto a line
            continue
        # A wrapped title's last line may be a word or two (案》).
        if not _title_like(text, continued=bool(run)):
            break
        run.append(line)
    complete = [
        size
        for size in range(1, len(run) + 1)
        if _complete_title("".join(line.text for line in run[:size]))
    ]
    for size in complete:
        rest = "".join(line.text for line in run[size:])
        # A second heading under the title (the attached rules' own name) is
        # not part of it; a wrapped remainder (的通知, （试行）) is.
        if rest and _complete_title(rest) and not _CONTINUES.match(rest):
            return run[:size]
    return run[: complete[-1]] if complete else run[:1]


_CONTINUES = re.compile(r"^[的》”〉）)（(、和及暨与之]")


def _complete_title(text: str) -> bool:
    return (
        bool(_TITLE_END.search(text))
        and len(text) <= _MAX_TITLE
        and text.count("《") == text.count("》")
    )


def _read_head(lines: list[_Line]) -> _Head:
    head = _Head()
    top = lines[:_HEAD_LINES]
    start = 0
    while start < len(top) and _TOP_FURNITURE.match(top[start].text):
        start += 1
    for index in range(start, min(start + 8, len(top))):
        number = _doc_number_in(top[index].text)
        if number is not None:
            head.number, head.doc_number = top[index], number
            head.banner = [
                line for line in top[start:index] if not _TOP_FURNITURE.match(line.text)
            ]
            start = index + 1
            break
    else:
        # No 文号 (a 纪要, a plain plan): a banner line still may open the page.
        for index in range(start, min(start + 4, len(top))):
            if _BANNER_END.search(top[index].text) and len(top[index].text) >= 4:
                head.banner = top[start : index + 1]
                start = index + 1
                break
    while start < len(top) and _TOP_FURNITURE.match(top[start].text):
        start += 1
    head.title = _title_lines(top, start)
    head.rest = start + len(head.title)
    if not head.doc_number and head.rest < len(top):
        # A 文号 in brackets under the title (（X政发〔2023〕5号）).
        number = _doc_number_in(top[head.rest].text)
        if number is not None:
            head.number, head.doc_number = top[head.rest], number
    return head


# Words that name no organ by themselves: the rest of a wrapped banner line.
_GENERIC_ORGANS = frozenset(
    {"办事处", "街道办事处", "人民政府", "政府", "委员会", "管委会", "办公室"}
)


def _banner_organ(banner: list[_Line]) -> str:
    """The issuing organ a banner names: the government among joint ones."""
    organs: list[str] = []
    for line in banner:
        text = _BANNER_END.sub("", line.text).strip()
        for part in re.split(r"[\s\u3000]+", text):
            # 中共XX镇委员会XX镇人民政府 written as one line.
            for name in re.split(r"(?<=委员会)(?=\S)|(?<=党委)(?=\S)", part):
                if name in _GENERIC_ORGANS and organs:
                    # A long banner wrapped ("…奉浦街道" / "办事处文件").
                    organs[-1] += name
                elif len(name) >= 3 and ORGAN_END.search(name):
                    organs.append(name)
    # Joint organs are chosen among as joint signers are.
    return Signature(tuple(organs), None, ()).organ


def _page_of(extraction: Extraction | None, offset: int) -> int | None:
    if extraction is None or not extraction.pages:
        return None
    for page in extraction.pages:
        if page.start <= offset < page.end:
            return page.number
    return extraction.pages[-1].number if offset >= extraction.pages[-1].end else None


def _signature(lines: list[_Line], head: _Head) -> tuple[Signature | None, str]:
    """The 落款: at the end, on a notice's cover, or the first one on the way."""
    found = find_signature("\n".join(line.text for line in _before_record(lines)))
    if found is not None:
        return found, WHERE_SIGNATURE
    cover_text = "\n".join(line.text for line in [*head.title, *lines[head.rest :]])
    found = find_cover_signature(cover_text)
    if found is not None:
        return found, WHERE_COVER
    # A 落款 followed by attached pages (附件1 …): the first date line with the
    # organ(s) above it, on the first pages.
    rest = lines[head.rest : head.rest + _SIGNED_WITHIN]
    for index, line in enumerate(rest):
        if date_only(line.text) is not None:
            # The reader looks at the last lines only: a long text stays linear.
            tail = rest[max(0, index - _SIGNATURE_LINES) : index + 1]
            found = find_signature("\n".join(item.text for item in tail))
            if found is not None:
                return found, WHERE_SIGNATURE
    return None, ""


_SIGNATURE_LINES = 12
# How far into the text a 落款 followed by attached pages is looked for.
_SIGNED_WITHIN = 400
# The 版记 at the end: 抄送 (perhaps wrapped over lines), then the 印发 line.
_RECORD_START = re.compile(r"^(?:抄送|抄报|分送|主题词)")
_TAIL = 15
# What may follow a 落款 of a date alone: the seal's note, 此件公开发布.
_AFTER_DATE = re.compile(r"^[（(【\[]?\s*(?:此件|本件|印章|盖章|公章)")


def _before_record(lines: list[_Line]) -> list[_Line]:
    """The lines before the 版记, whose wrapped lines the signature reader does
    not know."""
    for index in range(max(0, len(lines) - _TAIL), len(lines)):
        if _RECORD_START.match(lines[index].text):
            return lines[:index]
    return lines


def _seal_only_date(lines: list[_Line], head: _Head) -> _Line | None:
    """A 落款 of a date alone (the seal stands for the organ), at the end."""
    for line in reversed(_before_record(lines[head.rest :])[-_TAIL:]):
        if date_only(line.text) is not None:
            return line
        if not _AFTER_DATE.search(line.text):
            break
    return None


def title_from_name(name: str) -> str:
    """The title a file's name gives ("附件1：XX镇2023年工作计划（定稿）.docx"), or
    "" when the name is no title ("附件1.docx", "P020230305.pdf")."""
    stem = PurePath(name or "").name
    suffix = PurePath(stem).suffix
    if suffix and re.fullmatch(r"\.[A-Za-z0-9]{1,5}", suffix):
        stem = stem[: -len(suffix)]
    stem = _NAME_NOISE.sub("", stem.strip())
    stem = _NAME_TAIL.sub("", stem).strip()
    han = len(re.findall(rf"[{_HAN}]", stem))
    if han < 6 or han < 0.6 * len(re.sub(r"\s", "", stem)):
        return ""
    return stem


def _offset_line(lines: list[_Line], text: str, *, last: bool = False) -> _Line | None:
    for line in reversed(lines) if last else lines:
        if text and text in line.text:
            return line
    return None


def fields_from_attachment(
    source: Extraction | str, *, name: str = ""
) -> AttachmentFields:
    """Read title, issuer, 成文日期 and 文号 from an attachment's text (or its
    Extraction, whose page numbers then say where each was read)."""
    extraction = source if isinstance(source, Extraction) else None
    text = source.text if isinstance(source, Extraction) else (source or "")
    lines = _lines(text)
    found = AttachmentFields(name=name)
    if extraction is not None:
        found.ocr_pages = frozenset(
            page.number for page in extraction.pages if page.method == Method.OCR
        )
        found.all_ocr = extraction.method == Method.OCR and not extraction.pages
    if not lines:
        if title := title_from_name(name):
            found.title = Found(title, WHERE_NAME, name)
        return found

    def at(line: _Line) -> int | None:
        return _page_of(extraction, line.offset)

    head = _read_head(lines)
    if head.number is not None:
        found.doc_number = Found(
            head.doc_number, WHERE_NUMBER, head.number.text, at(head.number)
        )
    title = "".join(line.text for line in head.title)
    if head.title:
        shown = " / ".join(line.text for line in head.title)
        found.title = Found(title, WHERE_TITLE, shown, at(head.title[0]))
    elif named := title_from_name(name):
        found.title = Found(named, WHERE_NAME, name)
        title = named

    signature, where = _signature(lines, head)
    rest_text = "\n".join(line.text for line in lines[head.rest :][:8])
    meeting = find_meeting_line(rest_text)
    if signature is not None and signature.date is not None:
        line = _offset_line(lines, signature.lines[-1], last=True)
        found.doc_date = Found(
            signature.date.isoformat(),
            where,
            signature.lines[-1],
            at(line) if line else None,
        )
    elif (seal := _seal_only_date(lines, head)) is not None:
        sealed = date_only(seal.text) or date.min
        found.doc_date = Found(sealed.isoformat(), WHERE_SIGNATURE, seal.text, at(seal))
    elif (
        head.rest < len(lines)
        and (caption := date_only(lines[head.rest].text)) is not None
    ):
        line = lines[head.rest]
        found.doc_date = Found(caption.isoformat(), WHERE_CAPTION, line.text, at(line))
    elif meeting is not None and meeting.date is not None:
        line = _offset_line(lines, meeting.line[:20])
        found.doc_date = Found(
            meeting.date.isoformat(),
            WHERE_MEETING,
            meeting.line,
            at(line) if line else None,
        )

    guess: IssuerGuess | None = None
    issuer_where, issuer_line = "", None
    if (guess := issuer_from_signature(signature)) is not None:
        issuer_where = where
        issuer_line = _offset_line(lines, guess.name, last=True)
    banner = _banner_organ(head.banner)
    if guess is not None and banner and _same("issuer", guess.name, banner):
        # The banner and the 落款 name one organ: the fuller name says more
        # (上海市青浦区赵巷镇人民政府 over 赵巷镇人民政府), as merge.py has it.
        if len(banner) > len(guess.name):
            guess = IssuerGuess(banner, WHERE_BANNER)
            issuer_where, issuer_line = WHERE_BANNER, head.banner[0]
    elif guess is not None:
        pass
    elif organ := banner:
        guess = IssuerGuess(organ, WHERE_BANNER)
        issuer_where, issuer_line = WHERE_BANNER, head.banner[0]
    elif (guess := issuer_from_title(title)) is not None:
        issuer_where = found.title.where if found.title else WHERE_TITLE
        issuer_line = head.title[0] if head.title else None
    elif (guess := issuer_from_meeting(meeting, title)) is not None:
        issuer_where = WHERE_MEETING
        issuer_line = _offset_line(lines, meeting.line[:20]) if meeting else None
    if guess is not None:
        found.issuer = Found(
            guess.name,
            issuer_where,
            issuer_line.text if issuer_line else guess.name,
            at(issuer_line) if issuer_line else None,
        )
    return found


def best_of(
    candidates: Sequence[AttachmentFields], *, page_title: str = ""
) -> AttachmentFields | None:
    """The attachment that speaks for the document: the one whose title agrees
    with the page's, else the one that says most, else the first."""
    present = [c for c in candidates if c]
    if not present:
        return None

    def key(item: tuple[int, AttachmentFields]) -> tuple[int, int, int]:
        index, found = item
        agrees = bool(
            page_title and found.title and _same("title", page_title, found.title.value)
        )
        return (-int(agrees), -len(found.items()), index)

    return min(enumerate(present), key=key)[1]


# ------------------------------------------------------------ page vs attachment


def _same(name: str, page: str, attached: str) -> bool:
    """Whether the page's value and the attachment's mean the same."""
    if name == "title":
        a, b = _PUNCT.sub("", page), _PUNCT.sub("", attached)
        return bool(a and b) and (a in b or b in a)
    if name == "issuer":
        a, b = (
            re.sub(r"人民政府$", "政府", re.sub(r"\s", "", v)) for v in (page, attached)
        )
        return bool(a and b) and (a in b or b in a)
    if name == "doc_date":
        day = find_any_date(page)
        return day is not None and day.isoformat() == attached
    if name == "doc_number":
        return number_key(page) == number_key(attached)
    return page.strip() == attached.strip()


def number_key(value: str) -> str:
    """A 文号 as compared: 〔〕, [], （） and 【】 alike, no spaces, no 第."""
    value = re.sub(r"\s|第(?=\d+号)", "", value)
    value = re.sub(r"[\[［【(（]", "〔", value)
    return re.sub(r"[\]］】)）]", "〕", value)


def _shown(name: str, found: Found) -> str:
    if name == "doc_date":
        day = date.fromisoformat(found.value)
        return f"{day.year}年{day.month}月{day.day}日"
    return found.value


@dataclass(frozen=True)
class Offer:
    """A value the attachment gives a field of the record."""

    name: str
    value: str
    found: Found
    replaces: str = ""  # the page's positional value it replaces, if any


def _guessed(page: RawRecord, name: str) -> str:
    """How the page gives ``name`` when only as a guess ("" when not): by its
    position in an unlabelled list, as a date that is none (2023年), or as an
    issuer under a 来源 label (where the text came from, which the organ that
    signed it outranks, as issuer.issuer_behind_source has it)."""
    if name in page.positional:
        return "未标注，按位置识别"
    if name == "doc_date" and find_any_date(page.fields.get(name, "")) is None:
        return "不是可识别的日期"
    label = page.labels.get(name, "").strip()
    if name == "issuer" and label.lower() in SOURCE_LABELS:
        return f"记于“{label}”，是信息来源"
    return ""


def reconcile(
    page: RawRecord | None, found: AttachmentFields
) -> tuple[list[Offer], list[str]]:
    """What the attachment may give the record, and the notes on disagreements.

    A field the page states (under a label, or as its title) keeps the page's
    value; the attachment's different value is a note and a review reason. A
    field the page lacks is offered. A value the page gives only by position
    (an unlabelled list) is a guess: the attachment's, read from its own 落款 or
    first page, replaces it, with a note; so does the organ the attachment
    names for an issuer the page gives under 来源.
    """
    offers: list[Offer] = []
    notes: list[str] = []
    differ = False
    named = f"附件《{found.name}》" if found.name else "附件"
    for name, item in found.items():
        label = _LABELS[name]
        value = (page.fields.get(name, "") if page is not None else "").strip()
        if not value:
            offers.append(Offer(name, item.value, item))
            continue
        if _same(name, value, item.value):
            continue
        differ = True
        shown = _shown(name, item)
        guess = _guessed(page, name) if page is not None else ""
        if guess:
            offers.append(Offer(name, item.value, item, replaces=value))
            notes.append(
                f"页面的{label}“{value[:60]}”（{guess}）与{named}{item.where}的"
                f"“{shown[:60]}”不一致，采用附件的值"
            )
        else:
            notes.append(
                f"页面的{label}“{value[:60]}”与{named}{item.where}的"
                f"“{shown[:60]}”不一致，采用页面的值"
            )
    if differ:
        notes.append(review.SOURCES_DIFFER)
    return offers, notes


def apply_to_record(record: RawRecord, found: AttachmentFields) -> list[str]:
    """Give ``record`` what the attachment says and the page lacks, marked
    inferred; return the notes (also added to ``record.notes``)."""
    offers, notes = reconcile(record, found)
    named = f"附件《{found.name}》" if found.name else "附件"
    for offer in offers:
        label = f"{named}{offer.found.where}"
        if offer.replaces:
            record.fields.pop(offer.name, None)
            record.ranks.pop(offer.name, None)
            record.positional.discard(offer.name)
        record.offer(offer.name, offer.value, label=label, rank=ATTACHMENT_RANK)
        if record.fields.get(offer.name) != offer.value:
            continue
        record.stated_inferred.add(offer.name)
        shown = _shown(offer.name, offer.found)
        where = f"第{offer.found.page}页" if offer.found.page else ""
        scanned = found.by_ocr(offer.found)
        notes.insert(
            len(notes) - (review.SOURCES_DIFFER in notes),
            f"{_LABELS[offer.name]}取自{named}{where}{offer.found.where}"
            f"{'（OCR识别）' if scanned else ''}：{shown[:60]}",
        )
        if scanned and review.weak_reason(offer.name) in review.REASONS:
            # OCR misreads characters of large type (关于 as 天于): a value read
            # from a scan is weak evidence, for a person to check
            # (docs/attachments.md has the figures).
            notes.append(review.weak_reason(offer.name))
    record.notes.extend(notes)
    return notes
