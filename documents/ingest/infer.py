"""Inference for what the source does not state: plan year, kind and title.

The issuer is read in documents/ingest/issuer.py, never from the running text."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from documents.kinds import PLAN_WORDS, YEARLY_WORDS, any_of

# Years a plan of the PRC can be for: 1949 to 2099.
_YEAR = r"(?<!\d)(1949|19[5-9]\d|20\d\d)(?!\d)"
_TITLE_YEAR = re.compile(_YEAR + r"\s*(?:年度?|[)）])?")
# Words after a year that make it the year being planned, not the one reviewed.
_PLAN_WORDS = re.compile(
    any_of((*PLAN_WORDS, "任务", "目标", "方案", "工作报告", "政府工作"))
)
_SUMMARY_WORDS = re.compile(r"总结|回顾|完成情况")
_YEAR_RANGE = re.compile(_YEAR + r"\s*年?\s*[-－—–~～至到]+\s*" + _YEAR + r"\s*年")

# 十一五 = 2006-2010, 十二五 = 2011-2015, ... (五年规划 periods).
_FIVE_YEAR = {"十一": 2006, "十二": 2011, "十三": 2016, "十四": 2021, "十五": 2026}
_FIVE_YEAR_NAME = r"[“\"「]?(十[一二三四五])五[”\"」]?"
_FIVE_YEAR_CLUES = (
    # (pattern, offset from the period's first year)
    (re.compile(_FIVE_YEAR_NAME + r"(?:规划)?的?开局之年"), 0),
    (re.compile(_FIVE_YEAR_NAME + r"(?:规划)?的?收官之年"), 4),
    (re.compile(_FIVE_YEAR_NAME + r"(?:规划)?的?(?:起步|第二)年"), 1),
    # Preparing the next period's plan happens in the last year of the current one.
    (re.compile(r"(?:谋划|编制|储备|研究制定|启动)[^。；]{0,8}" + _FIVE_YEAR_NAME), -1),
)
_THIS_YEAR_IS = re.compile(
    _YEAR + r"年(?:是|，|,|全(?:镇|乡|市|县|区)|政府工作|经济社会发展)"
)

KIND_REPORT = "工作报告"
KIND_SUMMARY = "工作总结"
KIND_PLAN = "工作计划"


@dataclass(frozen=True)
class Inference:
    value: int | str
    how: str


def plan_year_from_title(title: str) -> Inference | None:
    """The year a title names; with two years, the one being planned."""
    years = [(int(m.group(1)), m.end()) for m in _TITLE_YEAR.finditer(title or "")]
    if not years:
        return None
    period = _YEAR_RANGE.search(title)
    if period is not None:
        # 2025年—2027年, 2021-2025年: a plan for a period starts in its first year.
        return Inference(int(period.group(1)), "取自标题中规划期的起始年份")
    if len(years) == 1:
        return Inference(years[0][0], "取自标题中的年份")
    for year, end in years:
        following = title[end : end + 12]
        if _PLAN_WORDS.search(following) and not _SUMMARY_WORDS.match(following):
            return Inference(year, "取自标题中计划所指的年份")
    return Inference(max(year for year, _ in years), "取自标题中最晚的年份")


def plan_year_from_text(
    body: str, *, doc_year: int | None = None, summary: bool = False
) -> Inference | None:
    """Weaker evidence from the body: five-year-plan clues and 'YYYY年是…' sentences.

    A summary (总结) is about the year it reviews: when the years its text states
    tie, that is the year before the document's date, or else the earlier one.
    """
    head = body[:4000]
    for pattern, offset in _FIVE_YEAR_CLUES:
        match = pattern.search(head)
        if match:
            year = _FIVE_YEAR[match.group(1)] + offset
            if doc_year is None or abs(doc_year - year) <= 1:
                return Inference(year, f"据正文“{match.group(0)}”推断")
    stated = Counter(int(m.group(1)) for m in _THIS_YEAR_IS.finditer(head))
    if stated:
        top = max(stated.values())
        tied = sorted(year for year, count in stated.items() if count == top)
        if summary and len(tied) > 1:
            year = (
                doc_year - 1
                if doc_year is not None and doc_year - 1 in tied
                else tied[0]
            )
            how = f"总结所回顾的年份，据正文中“{year}年…”的表述推断"
        else:
            year = tied[-1]
            how = f"据正文中“{year}年…”的表述推断"
        if doc_year is None or abs(doc_year - year) <= 1:
            return Inference(year, how)
    return None


_YEARLY_KINDS = re.compile(any_of(YEARLY_WORDS))


def expects_plan_year(title: str) -> bool:
    """Whether a document with this title is for a year (or its title is unknown)."""
    return not title or bool(_YEARLY_KINDS.search(title))


def document_kind(title: str, body: str, category: str = "") -> str:
    """What sort of text this is, for a derived title."""
    text = f"{title} {category}"
    if "报告" in text or re.search(r"各位代表|向大会报告", body[:500]):
        return KIND_REPORT
    if "总结" in text and "计划" not in text:
        return KIND_SUMMARY
    return KIND_PLAN


def derived_title(*, place: str, year: int | None, kind: str, body: str) -> str:
    """A title that says it was derived, not read."""
    if place or year:
        core = f"{place}{year}年{kind}" if year else f"{place}{kind}"
    else:
        first = re.sub(r"\s+", "", body)[:20]
        core = f"{first}…"
    return f"{core}（无原标题，据正文拟）"
