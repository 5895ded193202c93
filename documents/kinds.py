"""What a title says a document is: the words naming each kind, defined once.

The browse filter (documents/selectors.py DocumentKind), the importer's plan
year (documents/ingest/infer.py) and its title recognisers (extract/) read
them. Pure data and a regex helper: no Django, so the importer's stages stay
plain functions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# A title with one of these plans a year. One that also names a report
# (工作总结及工作计划) counts as a plan: it plans the coming year.
PLAN_WORDS: tuple[str, ...] = ("计划", "安排", "要点", "打算", "思路", "规划")
# A report on a year, or a summary of one.
REPORT_WORDS: tuple[str, ...] = ("报告", "总结")
# A document of one of these kinds is for a year.
YEARLY_WORDS: tuple[str, ...] = (*PLAN_WORDS, *REPORT_WORDS)
# Other documents governments issue, which are for no year of their own.
OTHER_WORDS: tuple[str, ...] = (
    "方案",
    "通知",
    "意见",
    "决定",
    "决议",
    "办法",
    "目标",
    "任务",
)
# Words that make a line or a heading look like a document's title.
TITLE_WORDS: tuple[str, ...] = (*YEARLY_WORDS, *OTHER_WORDS)


def any_of(words: Iterable[str]) -> str:
    """A regex alternation matching any of ``words`` literally."""
    return "|".join(re.escape(word) for word in words)
