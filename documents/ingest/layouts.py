"""Stage 3: detect each file's layout and hand it to the matching extractor."""

from __future__ import annotations

import json
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path

from documents.ingest.errors import RejectedInput
from documents.ingest.extract.front_matter import (
    extract_front_matter,
    looks_like_front_matter,
)
from documents.ingest.extract.html_page import extract_html, looks_like_html
from documents.ingest.extract.tabular import (
    NO_CHINESE_BODY,
    RecordOutcome,
    has_chinese,
    iter_csv,
    iter_jsonl,
)
from documents.ingest.extract.text_page import (
    extract_labelled,
    extract_plain,
    extract_value_list,
    looks_like_value_list,
)
from documents.ingest.labels import LABEL_PATTERN


class Layout(StrEnum):
    JSONL = "jsonl"
    CSV = "csv"
    MARKDOWN = "markdown"
    HTML = "html"
    VALUE_LIST = "value_list"
    LABELLED = "labelled"
    PLAIN = "plain"


def detect_layout(text: str, *, filename: str = "") -> Layout:
    """Decide from the content first; the file name only breaks ties."""
    suffix = Path(filename).suffix.lower()
    stripped = text.lstrip()
    if stripped.startswith("{") and _first_line_is_json_object(stripped):
        return Layout.JSONL
    if suffix not in (".csv", ".tsv") and looks_like_front_matter(text):
        return Layout.MARKDOWN
    if looks_like_html(text) or suffix in (".html", ".htm", ".shtml"):
        return Layout.HTML
    if suffix in (".csv", ".tsv"):
        return Layout.CSV
    if looks_like_value_list(text):
        return Layout.VALUE_LIST
    head = "\n".join(text.splitlines()[:40])
    if LABEL_PATTERN.search(head):
        return Layout.LABELLED
    return Layout.PLAIN


def _first_line_is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text.splitlines()[0]), dict)
    except (json.JSONDecodeError, IndexError, RecursionError):
        return False


def extract_records(text: str, *, filename: str = "") -> Iterator[RecordOutcome]:
    """Yield every record in the text, with errors for the ones that cannot be read."""
    layout = detect_layout(text, filename=filename)
    if layout is Layout.JSONL:
        yield from iter_jsonl(text)
        return
    if layout is Layout.CSV:
        delimiter = "\t" if filename.lower().endswith(".tsv") else None
        yield from iter_csv(text, delimiter=delimiter)
        return
    if layout is Layout.MARKDOWN:
        record = extract_front_matter(text)
    elif layout is Layout.HTML:
        record = extract_html(text)
    elif layout is Layout.VALUE_LIST:
        record = extract_value_list(text)
    elif layout is Layout.LABELLED:
        record = extract_labelled(text, layout=layout.value)
    else:
        record = extract_plain(text)
    if not record.body.strip():
        raise RejectedInput(
            "没有正文 (no body text after removing metadata and chrome)"
        )
    if not has_chinese(record.body):
        raise RejectedInput(NO_CHINESE_BODY)
    yield RecordOutcome("", record=record)
