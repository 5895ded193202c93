"""Extract records from files that hold many documents: JSON lines and CSV."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from documents.export import derived_column_names, read_meta_cells, read_meta_object
from documents.ingest.errors import RejectedInput
from documents.ingest.extract.columns import ColumnRoles, infer_roles, is_document_path
from documents.ingest.extract.markup import markup_to_text
from documents.ingest.keys import (
    ATTACHMENTS,
    BODY,
    FIELD,
    PROVENANCE,
    REGION,
    SKIPPED,
    SOURCE_FILE,
    key_meaning,
)
from documents.ingest.paragraphs import clean_body
from documents.ingest.records import RawRecord

_TRUE = {"true", "1", "yes", "是", "t", "y"}
# Spreadsheet-safe CSV cells (documents/export.py) start with an apostrophe.
_FORMULA_GUARD = re.compile(r"^'(?=[=+\-@\t\r])")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_REPLACED = "含有无法保存的字符，已替换 (replaced NUL or lone surrogates)"
# Rows read to learn what unnamed columns hold.
_SAMPLE_ROWS = 200
# A field read by its content loses to any labelled value of the same field.
_CONTENT_RANK = 20
NO_BODY_COLUMN = (
    "没有正文列：没有正文列名 (body/content/正文/内容…)，也没有一列明显是长篇中文"
    "文字 (no body column)"
)
INDEX_ROWS = (
    "这是索引表：正文列是文本文件的路径，请连同这些文件一起导入 "
    "(an index of text files: import it with the folder of the files)"
)


@dataclass(frozen=True)
class RecordOutcome:
    """A record extracted from a multi-record file, or the reason it was not."""

    suffix: str
    record: RawRecord | None = None
    error: str | None = None


@dataclass(frozen=True)
class Row:
    """One row of a record file as a mapping, or the reason it cannot be read."""

    suffix: str
    data: dict[str, object] | None
    original: str = ""
    error: str | None = None


@dataclass
class TableRoles:
    """What each key of a record file means: named keys, then content guesses."""

    columns: ColumnRoles
    body_keys: tuple[str, ...]
    # Columns that name attachment files.
    attachment_keys: tuple[str, ...] = ()

    @property
    def is_index(self) -> bool:
        """Rows that name text files instead of holding a body of their own."""
        reference = self.columns.reference
        return reference is not None and (
            not self.body_keys or self.body_keys == (reference,)
        )


def _without_derived(data: dict[str, object]) -> dict[str, object]:
    """A row of this archive's export without the columns derived from the
    archive (id, hit count, snippet, the archive's URL): they are no field of
    the document, and "url" would otherwise read as its source."""
    derived = derived_column_names()
    return {key: value for key, value in data.items() if str(key) not in derived}


def jsonl_rows(text: str) -> Iterator[Row]:
    """One mapping per non-empty line; a bad line is reported. The first
    object of this archive's export (what it holds) is no record."""
    exported = False
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        suffix = f"#L{number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Row(suffix, None, error=f"第{number}行不是合法的 JSON: {exc.msg}")
            continue
        except RecursionError:
            yield Row(suffix, None, error=f"第{number}行 JSON 嵌套过深 (too deep)")
            continue
        if not isinstance(data, dict):
            yield Row(suffix, None, error=f"第{number}行不是 JSON 对象")
            continue
        if not exported and read_meta_object(data) is not None:
            exported = True
            continue
        yield Row(suffix, _without_derived(data) if exported else data, original=line)


def csv_rows(text: str, *, delimiter: str | None = None) -> Iterator[Row]:
    """One mapping per row under a header row."""
    # csv stops at 131,072 characters a field and resyncs inside it: no field
    # can be longer than the file.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",\t;").delimiter
        except csv.Error:
            delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise RejectedInput(f"CSV 没有表头 (no header row): {exc}") from None
    row_number = 1
    # This archive's export says what it holds in a row before the header.
    exported = read_meta_cells(header) is not None
    if exported:
        try:
            header = next(reader)
        except (StopIteration, csv.Error) as exc:
            raise RejectedInput(f"CSV 没有表头 (no header row): {exc}") from None
        row_number = 2
    header = [name.strip().lstrip("\ufeff") for name in header]
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            row_number += 1
            yield Row(
                f"#R{row_number}", None, error=f"第{row_number}行 CSV 错误: {exc}"
            )
            continue
        row_number += 1
        if not any(cell.strip() for cell in row):
            continue
        data: dict[str, object] = dict(zip(header, row, strict=False))
        yield Row(
            f"#R{row_number}",
            _without_derived(data) if exported else data,
            original=_row_text(header, row, delimiter),
        )


def table_roles(rows: Iterator[Row]) -> TableRoles:
    """Learn the keys' meanings from the first rows of a record file."""
    sample = [
        row.data
        for row in itertools.islice(
            (r for r in rows if r.data is not None), _SAMPLE_ROWS
        )
    ]
    keys = list(dict.fromkeys(str(k) for data in sample for k in data))
    taken: set[str] = set()
    unknown: list[str] = []
    body_keys: list[str] = []
    attachment_keys: list[str] = []
    for key in keys:
        meaning = key_meaning(key)
        if meaning is None:
            unknown.append(key)
        elif meaning.kind == ATTACHMENTS:
            attachment_keys.append(key)
        elif meaning.kind == BODY:
            body_keys.append(key)
            taken.add("body")
        elif meaning.kind == FIELD:
            taken.add(meaning.name)
    texts = [
        {str(k): _plain(v) for k, v in data.items() if isinstance(v, str)}
        for data in sample
    ]
    columns = infer_roles(texts, unknown, taken=taken)
    if columns.reference is None:
        # A named body column of paths (正文: docs/….md) makes an index too.
        for key in body_keys:
            found = [t[key] for t in texts if t.get(key, "").strip()]
            if found and sum(map(is_document_path, found)) >= 0.8 * len(found):
                columns.reference = key
                break
    return TableRoles(columns, tuple(body_keys), tuple(attachment_keys))


_NAME_SEPARATORS = re.compile(r"[;|；｜\n]")


def attachment_names(value: object) -> list[str]:
    """The file names a cell or key gives: a JSON list, or names separated by
    ";" or "|" (a cell may hold a JSON list as text)."""
    if isinstance(value, list):
        items = [str(item) for item in value if isinstance(item, str | int)]
    else:
        text = str(value or "").strip()
        items = []
        if text.startswith("["):
            try:
                parsed = json.loads(text)
            except (json.JSONDecodeError, RecursionError):
                parsed = None
            if isinstance(parsed, list):
                items = [str(item) for item in parsed if isinstance(item, str)]
        if not items:
            items = _NAME_SEPARATORS.split(text)
    return [item.strip() for item in items if item.strip()]


def iter_jsonl(text: str) -> Iterator[RecordOutcome]:
    """One record per non-empty line; a bad line is reported and skipped."""
    yield from _records(lambda: jsonl_rows(text), layout="jsonl", strict=False)


def iter_csv(text: str, *, delimiter: str | None = None) -> Iterator[RecordOutcome]:
    """One record per row under a header row."""
    yield from _records(
        lambda: csv_rows(text, delimiter=delimiter), layout="csv", strict=True
    )


def _records(
    make_rows: Callable[[], Iterator[Row]], *, layout: str, strict: bool
) -> Iterator[RecordOutcome]:
    roles = table_roles(make_rows())
    if roles.is_index:
        raise RejectedInput(INDEX_ROWS)
    if (
        strict
        and not roles.body_keys
        and roles.columns.body is None
        and not roles.attachment_keys
    ):
        raise RejectedInput(f"CSV {NO_BODY_COLUMN}")
    for row in make_rows():
        if row.data is None:
            yield RecordOutcome(row.suffix, error=row.error)
            continue
        yield record_from_row(
            row.data,
            roles=roles,
            original=row.original,
            layout=layout,
            suffix=row.suffix,
        )


def _row_text(header: list[str], row: list[str], delimiter: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerow(row)
    return buffer.getvalue()


def _plain(value: str) -> str:
    return markup_to_text(_FORMULA_GUARD.sub("", value)).strip()


def _storable(value: str, record: RawRecord) -> str:
    """JSON escapes can spell NUL and lone surrogates, which no database stores."""
    cleaned = _UNSTORABLE.sub("\ufffd", value)
    if cleaned != value and _REPLACED not in record.notes:
        record.notes.append(_REPLACED)
    return cleaned


def record_from_row(
    data: Mapping[str, object],
    *,
    roles: TableRoles,
    original: str,
    layout: str,
    suffix: str,
    require_body: bool = True,
) -> RecordOutcome:
    """A record from one row: named keys first, then keys known by their content.

    HTML inside any value becomes clean text; ``original`` keeps the row as
    written. Without ``require_body`` the row is metadata only (an index row).
    """
    record = RawRecord(original=original, layout=layout, body="", locator_suffix=suffix)
    columns = roles.columns
    body = ""
    exported_from = ""
    unknown: list[str] = []
    for key, raw_value in data.items():
        if raw_value is None:
            continue
        name = _storable(str(key).strip(), record)
        meaning = key_meaning(name)
        kind = meaning.kind if meaning is not None else None
        if kind == PROVENANCE:
            _provenance(record, meaning.name, raw_value)
            continue
        if kind == ATTACHMENTS:
            record.attachment_names.extend(attachment_names(raw_value))
            continue
        if isinstance(raw_value, dict | list):
            if raw_value:
                unknown.append(name)
            continue
        value = str(raw_value)
        if layout == "csv":
            value = _FORMULA_GUARD.sub("", value)
        value = _storable(markup_to_text(value).strip(), record)
        if kind == SOURCE_FILE:
            exported_from = value
        elif kind == BODY or key == columns.body:
            if key != columns.reference:
                body = body or value
        elif kind == FIELD:
            record.offer(meaning.name, value, label=name, rank=meaning.rank)
        elif kind == REGION:
            if value:
                record.region_names.setdefault(meaning.name, value)
        elif key in columns.fields:
            field = columns.fields[key]
            if value and field not in record.fields:
                record.positional.add(field)
            record.offer(field, value, label=name, rank=_CONTENT_RANK)
        elif key in columns.places:
            if value:
                record.region_names.setdefault(columns.places[key], value)
        elif value and kind != SKIPPED and key != columns.reference:
            unknown.append(name)
    # A labelled value that came later beats a guess: no longer positional.
    record.positional = {
        f for f in record.positional if record.ranks.get(f) == _CONTENT_RANK
    }
    record.notes.extend(columns.notes())
    if exported_from:
        record.notes.append(f"导出前的来源文件：{exported_from[:200]}")
    if unknown:
        names = "、".join(unknown[:10]) + ("等" if len(unknown) > 10 else "")
        record.notes.append(f"未识别的字段，未导入：{names}")
    if not require_body:
        return RecordOutcome(suffix, record=record)
    # Cleaning drops site chrome, so a body of chrome alone is no body either.
    record.body = clean_body(re.split(r"\r\n|\r|\n", body))
    if not record.body.strip() and record.attachment_names:
        # A page whose plan is its attachment: the text comes from the files.
        record.body = ""
        return RecordOutcome(suffix, record=record)
    if not record.body.strip():
        return RecordOutcome(suffix, error=f"记录 {suffix} 没有正文 (no body text)")
    if not has_chinese(record.body):
        return RecordOutcome(suffix, error=f"记录 {suffix} {NO_CHINESE_BODY}")
    return RecordOutcome(suffix, record=record)


_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
NO_CHINESE_BODY = (
    "正文没有中文，不是中文政府文件 (no Chinese in the body: not a Chinese "
    "government document)"
)


def has_chinese(text: str) -> bool:
    """The archive holds Chinese documents: a body must have Chinese in it."""
    return bool(_CJK.search(text))


def _provenance(record: RawRecord, key: str, raw_value: object) -> None:
    """Read the provenance an export carries: inferred fields, review flag, notes."""
    if key == "needs_review":
        record.stated_needs_review = str(raw_value).strip().lower() in _TRUE
        return
    if isinstance(raw_value, list):
        items = [str(item).strip() for item in raw_value]
    else:
        text = str(raw_value)
        # CSV exports join lists: inferred with ";", notes one per line.
        items = [
            i.strip()
            for i in re.split(r"\n" if key != "inferred" else r"[;；,\n]", text)
        ]
    items = [_storable(item, record) for item in items if item]
    if key == "inferred":
        record.stated_inferred.update(items)
    elif key == "review_notes":
        record.notes.extend(items)
