"""Extract fields from scraped text pages: labelled headers (lines, pipe or markdown
tables, key: value blocks), unlabelled value lists, and bare text."""

from __future__ import annotations

import re
from collections.abc import Callable

from documents import kinds
from documents.ingest.chrome import (
    BREADCRUMB_LINE,
    PREAMBLE_END,
    PREAMBLE_START,
    breadcrumb_parts,
    is_chrome_line,
    is_menu_line,
    strip_trailing_pipes,
)
from documents.ingest.dates import DATE_PATTERN
from documents.ingest.labels import (
    GENERIC_LABELS,
    cell_label,
    field_for_label,
    iter_cell_pairs,
    iter_labelled_pairs,
    label_rank,
)
from documents.ingest.paragraphs import clean_body
from documents.ingest.records import RawRecord

# "==================== 正文 ====================" separates a key: value header.
BODY_SEPARATOR = re.compile(
    r"^\s*[=＝\-—]{3,}\s*(?:正\s*文|内\s*容|全\s*文)\s*[=＝\-—]{3,}\s*$"
)
# Words that make a short line a plausible title.
TITLE_WORDS = re.compile(kinds.any_of((*kinds.TITLE_WORDS, "工作")))
# An index number on a line of its own: 113302820029791000/2021-127594, LH331082-074/…
INDEX_NO_SHAPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-]{4,}[/／][A-Za-z0-9\-]+$")
DISCLOSURE_VALUES = re.compile(r"^(?:主动公开|依申请公开|不予公开|部分公开)$")
SCOPE_VALUES = re.compile(r"^面向(?:全)?社会$|^(?:长期|常年)公开$")
ISSUER_SHAPE = re.compile(
    r"(?:镇|乡|街道|人民政府|办事处|管委会|管理局|委员会|政府|办公室|局)$"
)
_SENTENCE_PUNCT = re.compile(r"[。；;！？!?]")
_CLAUSE_PUNCT = re.compile(r"[，,：:]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_PREAMBLE_WINDOW = 1500
_HEADER_SCAN_LINES = 60
_MAX_BREADCRUMB = 300


def is_prose(line: str) -> bool:
    """A line of running text rather than a title, label or menu item."""
    text = line.strip()
    if len(text) > 90:
        return True
    if _SENTENCE_PUNCT.search(text) and len(text) > 20:
        return True
    return bool(_CLAUSE_PUNCT.search(text) and len(text) > 30)


def is_title_candidate(line: str, *, has_metadata: bool) -> bool:
    """Short CJK line without sentence punctuation; titles name their kind of text."""
    text = line.strip()
    if not (4 <= len(text) <= 90) or not _CJK.search(text):
        return False
    if _SENTENCE_PUNCT.search(text) or text.endswith((":", "：", "，", ",")):
        return False
    return has_metadata or bool(TITLE_WORDS.search(text))


_SPACE_RUN = re.compile(r"[ \u3000\u00a0]{2,}")


def _header_line(line: str) -> str:
    """A header line without table pipes around it, runs of spaces made one
    (tabs stay: they separate cells)."""
    return _SPACE_RUN.sub(" ", strip_trailing_pipes(line)).strip().strip("|").strip()


def _label_pairs_at_start(text: str) -> list[tuple[str, str, int, int]]:
    """Label pairs, if the line (after bullets and pipes) starts with a label."""
    pairs = list(iter_labelled_pairs(text))
    if not pairs:
        return []
    lead = text[: pairs[0][2]]
    return pairs if not lead.strip(" \t|•·●▪-*\u3000") else []


def _take_pairs(record: RawRecord, pairs: list[tuple[str, str, int, int]]) -> None:
    for label, value, _start, _stop in pairs:
        field = field_for_label(label)
        if field is None:
            continue
        record.offer(field, value, label=label, rank=label_rank(field, label))


def _value_fits(field: str, value: str) -> bool:
    """Whether a line can be the value of a label written on the line before."""
    if field in ("doc_date", "publish_date"):
        return bool(DATE_PATTERN.search(value)) and len(value) <= 30
    if field == "index_no":
        return bool(re.fullmatch(r"[A-Za-z0-9][\w\-/／.()（）]{3,127}", value))
    if field == "doc_number":
        return len(value) <= 40 and bool(re.search(r"\d+\s*号$|[〔\[［]\d{4}", value))
    if field == "issuer":
        return len(value) <= 40 and bool(ISSUER_SHAPE.search(value))
    if field == "disclosure":
        return bool(DISCLOSURE_VALUES.match(value))
    if field == "source_url":
        return value.lower().startswith(("http://", "https://"))
    if field == "title":
        return is_title_candidate(value, has_metadata=True)
    if field == "category":
        return len(value) <= 20 and not _SENTENCE_PUNCT.search(value)
    return len(value) <= 12  # Counters and the like: 128, 大 中 小.


class _HeaderReader:
    """Reads label lines one at a time, including a label whose value is on the
    next line ("索引号：" then "1144…/2021-000045", or a bare "索引号" line)."""

    def __init__(self, record: RawRecord) -> None:
        self.record = record
        self.pending: tuple[str, str] | None = None

    def read(self, line: str) -> bool:
        """Take the line's labels; False when the line holds none."""
        pending, self.pending = self.pending, None
        pairs = _label_pairs_at_start(line)
        if pairs:
            _take_pairs(self.record, pairs)
            label, value, _start, stop = pairs[-1]
            if not value and not line[stop:].strip(" |\t\u3000"):
                self._expect(label)
            return True
        cells = iter_cell_pairs(line)
        if cells:
            _take_pairs(self.record, [(label, value, 0, 0) for label, value in cells])
            if not cells[-1][1]:
                self._expect(cells[-1][0])
            return True
        bare = cell_label(line)
        if bare is not None and bare not in GENERIC_LABELS:
            self._expect(bare)
            return True
        if pending is not None:
            field, label = pending
            if _value_fits(field, line):
                self.record.offer(
                    field, line, label=label, rank=label_rank(field, label)
                )
                return True
        return False

    def _expect(self, label: str) -> None:
        field = field_for_label(label)
        if field is not None:
            self.pending = (field, label)


def extract_labelled(
    text: str, *, layout: str, accept_title: Callable[[str], bool] | None = None
) -> RawRecord:
    """Header of labels (any table form), an optional title line, then the body.

    ``accept_title`` decides whether a title-like line is the title (an HTML page
    knows its title from <title> and headings); by default its shape decides.
    """
    record = RawRecord(original=text, layout=layout, body="")
    reader = _HeaderReader(record)
    lines = text.splitlines()
    title = ""
    body_start = len(lines)
    explicit_separator = any(BODY_SEPARATOR.match(line) for line in lines[:80])
    has_metadata = False
    for i, line in enumerate(lines):
        stripped = _header_line(line)
        if explicit_separator:
            if BODY_SEPARATOR.match(line):
                body_start = i + 1
                break
        elif i >= _HEADER_SCAN_LINES:
            body_start = i
            break
        if not stripped:
            continue
        if BREADCRUMB_LINE.match(stripped):
            if len(stripped) > _MAX_BREADCRUMB and not explicit_separator:
                # A flattened page: breadcrumb, metadata and text on one line.
                body_start = i
                break
            record.breadcrumb.extend(breadcrumb_parts(stripped))
            continue
        if reader.read(stripped):
            has_metadata = True
            continue
        if is_chrome_line(stripped) or is_menu_line(stripped):
            continue
        if explicit_separator:
            continue  # Anything else in a key: value header is not body.
        if (
            not title
            and is_title_candidate(stripped, has_metadata=has_metadata)
            and (accept_title is None or accept_title(stripped))
        ):
            title = stripped
            continue
        body_start = i
        break
    body_lines = lines[body_start:]
    body_lines = _split_preamble(record, body_lines)
    if title:
        record.offer("title", title, label="(标题行)", rank=50)
    record.body = clean_body(body_lines)
    return record


def scan_labels(text: str, *, layout: str) -> RawRecord:
    """Labels and breadcrumbs anywhere in the text (a page with its body removed)."""
    record = RawRecord(original=text, layout=layout, body="")
    reader = _HeaderReader(record)
    for line in text.splitlines():
        stripped = _header_line(line)
        if not stripped:
            continue
        if BREADCRUMB_LINE.match(stripped):
            record.breadcrumb.extend(breadcrumb_parts(stripped))
            continue
        reader.read(stripped)
    return record


def _split_preamble(record: RawRecord, body_lines: list[str]) -> list[str]:
    """Read and drop the chrome-and-metadata run at the start of a flattened page."""
    first = next((i for i, line in enumerate(body_lines) if line.strip()), None)
    if first is None:
        return body_lines
    line = body_lines[first]
    if not PREAMBLE_START.match(line):
        return body_lines
    ends = [m for m in PREAMBLE_END.finditer(line[:_PREAMBLE_WINDOW])]
    if not ends:
        # A breadcrumb alone: it runs up to the first label or date.
        label = next(iter_labelled_pairs(line[:_PREAMBLE_WINDOW]), None)
        if label is None:
            return body_lines
        cut = label[3]
    else:
        cut = ends[-1].end()
    preamble, rest = line[:cut], line[cut:]
    for label, value, _start, _stop in iter_labelled_pairs(preamble):
        field = field_for_label(label)
        if field is None:
            continue
        if field in ("doc_date", "publish_date"):
            match = DATE_PATTERN.search(value)
            value = match.group(0) if match else ""
        elif field != "title":
            value = value.split()[0] if value.split() else ""
        record.offer(field, value, label=label, rank=label_rank(field, label) + 10)
    return [*body_lines[:first], rest, *body_lines[first + 1 :]]


def looks_like_value_list(text: str) -> bool:
    """An unlabelled metadata block: an index number line, then short value lines."""
    lines = [line.strip() for line in text.splitlines()[:15] if line.strip()]
    if len(lines) < 4 or not INDEX_NO_SHAPE.match(lines[0]):
        return False
    short = 0
    for line in lines[1:]:
        if is_prose(line):
            break
        short += 1
    return short >= 3


def extract_value_list(text: str) -> RawRecord:
    """Assign unlabelled header values by their shape (index, dates, issuer, ...)."""
    record = RawRecord(original=text, layout="value_list", body="")
    lines = text.splitlines()
    values: list[str] = []
    body_start = len(lines)
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if is_prose(stripped):
            body_start = i
            break
        values.append(stripped)
    record.offer("index_no", values[0], label="(第1行)")
    dates: list[str] = []
    others: list[str] = []
    for value in values[1:]:
        if DATE_PATTERN.fullmatch(value.strip()):
            dates.append(value)
        elif DISCLOSURE_VALUES.match(value):
            record.offer("disclosure", value, label="(按取值)")
        elif SCOPE_VALUES.match(value):
            continue
        elif "issuer" not in record.fields and ISSUER_SHAPE.search(value):
            record.offer("issuer", value, label="(按取值)")
        else:
            others.append(value)
    # 政务公开 info tables list 成文日期 before 公开日期.
    if dates:
        record.offer("doc_date", dates[0], label="(按位置)")
        record.offer("publish_date", dates[-1], label="(按位置)")
        if len(dates) > 1 and dates[0] != dates[-1]:
            record.positional.update({"doc_date", "publish_date"})
    if others:
        record.offer("category", others[0], label="(按位置)")
        record.positional.add("category")
    record.body = clean_body(lines[body_start:])
    return record


def extract_plain(text: str) -> RawRecord:
    """Bare text with no metadata: everything is body, after chrome is dropped."""
    record = extract_labelled(text, layout="plain")
    record.layout = "plain" if not record.fields else "labelled"
    return record
