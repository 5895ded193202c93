"""Metadata labels as government pages write them, mapped to canonical field names."""

from __future__ import annotations

import re
from collections.abc import Iterator

# Canonical field -> labels, best source first. The order decides which label wins
# when a page has two (发布机构 beats 来源 for the issuer).
FIELD_LABELS: dict[str, tuple[str, ...]] = {
    "index_no": ("索引号", "索取号", "信息索引号"),
    "title": ("标题", "文件标题", "信息名称", "文件名称", "名称"),
    "issuer": (
        "发布机构",
        "发布单位",
        "发文机关",
        "发文单位",
        "发布部门",
        "发布主体",
        "信息来源",
        "来源",
        "责任部门",
    ),
    "doc_date": ("成文日期", "发文日期", "成文时间", "生成日期", "印发日期"),
    "publish_date": (
        "公开日期",
        "发布日期",
        "发布时间",
        "公开时间",
        "更新时间",
        "日期",
        "时间",
    ),
    "doc_number": ("文号", "发文字号", "发文文号", "文件编号"),
    # The 主题分类 a page gives. A 栏目 (the site's section) is not a category: it
    # names where a site filed the page, in each site's own words.
    "category": ("主题分类", "信息分类", "分类", "体裁分类"),
    "disclosure": ("公开方式", "公开形式"),
    # The level of the issuing government (层级: 街镇级, 区级, 市级 …).
    "level": ("层级", "发文层级", "行政层级"),
    "source_url": ("原文链接", "原文地址", "链接", "网址"),
    # Recognised so they never leak into the body, but not stored.
    "ignored": (
        "栏目",
        "所属栏目",
        "公开范围",
        "公开时限",
        "有效性",
        "浏览次数",
        "访问次数",
        "阅读次数",
        "本地目录",
        "组配分类",
        "服务对象",
        "主题词",
        "关键词",
        "字号",
        "效力状态",
        # Counters, authors and tools that share the line with real labels.
        "浏览量",
        "阅读量",
        "点击量",
        "点击数",
        "点击率",
        "访问量",
        "浏览数",
        "作者",
        "字体",
        "责任编辑",
        "编辑",
        "审核",
        "供稿",
        "撰稿",
        "录入",
        "发布人",
    ),
}

_LABEL_TO_FIELD: dict[str, str] = {
    label: field for field, labels in FIELD_LABELS.items() for label in labels
}
_SPACE = r"[ \t\u3000]*"
# Longest labels first so 发布日期 is not read as 日期; spaced forms (索 引 号) match.
_ALTERNATION = "|".join(
    _SPACE.join(map(re.escape, label))
    for label in sorted(_LABEL_TO_FIELD, key=len, reverse=True)
)
# A label is followed by a colon (full- or half-width); it starts a line, a cell or
# follows whitespace or a bracket, so 来源 inside a sentence is not a label.
LABEL_PATTERN = re.compile(
    rf"(?:^|(?<=[\s|•·●▪\]】【\[（(]))(?P<label>{_ALTERNATION}){_SPACE}[:：]"
)
# A value also ends where an unknown label ("作者：", "点击：") or a bracketed tool
# ("【字体：大 中 小】", "[打印]") starts after a space.
_VALUE_END = re.compile(
    r"[ \t\u3000\u00a0]+(?:[\u4e00-\u9fff]{2,6}[ \t\u3000]*[:：]|[【\[])"
)
# Labels too common as words to be read without a colon or a table cell around them.
GENERIC_LABELS = frozenset(
    {"名称", "来源", "时间", "日期", "分类", "栏目", "链接", "网址"}
)
# Table cells as scraped pages and browser copies separate them.
_CELL_SPLIT = re.compile(r"[ \u3000\u00a0]*[|｜\t][ \u3000\u00a0]*")


def field_for_label(label: str) -> str | None:
    """Map a label as written (any spacing) to its canonical field."""
    return _LABEL_TO_FIELD.get(re.sub(r"\s", "", label))


def label_rank(field: str, label: str) -> int:
    """Position of the label in its field's list: lower is a better source."""
    labels = FIELD_LABELS.get(field, ())
    compact = re.sub(r"\s", "", label)
    return labels.index(compact) if compact in labels else len(labels)


def iter_labelled_pairs(segment: str) -> Iterator[tuple[str, str, int, int]]:
    """Yield (label, value, start, end) for each ``label: value`` in a segment.

    A value runs to the next label or a table pipe, so one line can hold several
    pairs ("索引号: X 公开方式: Y") and a pipe table yields its cells.
    """
    matches = list(LABEL_PATTERN.finditer(segment))
    for i, match in enumerate(matches):
        stop = matches[i + 1].start() if i + 1 < len(matches) else len(segment)
        value_start = match.end()
        raw = segment[value_start:stop]
        # Pipe tables put the value in the next cell: "索引号: | X | 公开方式: | Y |".
        cells = [c.strip() for c in raw.split("|")]
        value = next((c for c in cells if c and set(c) != {"-"}), "")
        value = _VALUE_END.split(value, maxsplit=1)[0].strip()
        yield match["label"], value, match.start(), stop


def cell_label(cell: str) -> str | None:
    """The label a whole table cell is ("索 引 号", "发布机构："), or None."""
    compact = re.sub(r"[\s:：]", "", cell)
    return compact if compact in _LABEL_TO_FIELD else None


def iter_cell_pairs(line: str) -> list[tuple[str, str]]:
    """(label, value) pairs of a table row whose cells hold labels without colons.

    "| 索 引 号 | 007519498/2022-00015 | 分 类 | 计划总结 |", the same with tabs, or
    an HTML row flattened to cells: each label cell is followed by its value cell
    (empty when the next cell is another label). The row must start with a label.
    """
    cells = _CELL_SPLIT.split(line.strip().strip("|｜").strip())
    if len(cells) < 2 or cell_label(cells[0]) is None:
        return []
    pairs: list[tuple[str, str]] = []
    i = 0
    while i < len(cells):
        label = cell_label(cells[i])
        if label is None:
            i += 1
            continue
        if i + 1 < len(cells) and cell_label(cells[i + 1]) is None:
            pairs.append((label, cells[i + 1].strip()))
            i += 2
        else:
            pairs.append((label, ""))
            i += 1
    return pairs
