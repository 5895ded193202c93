"""Extract records from files that hold many documents: JSON lines and CSV."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

from documents.ingest.errors import RejectedInput
from documents.ingest.labels import field_for_label, label_rank
from documents.ingest.paragraphs import clean_body
from documents.ingest.records import RawRecord

# Column or key names, English and Chinese, mapped to canonical fields; English
# names are compared lower-cased without spaces, "_" or "-" (PublishTime,
# publish_time, Publish-Time). They cover the export format of export_plans, the
# <meta> names of CMSs (ArticleTitle, PubDate, ContentSource) and what scrapers
# commonly write. Chinese names go through the label table (labels.py).
_KEY_FIELDS: dict[str, str] = {
    "indexno": "index_no",
    "indexnumber": "index_no",
    "index": "index_no",
    "suoyinhao": "index_no",
    "title": "title",
    "articletitle": "title",
    "headline": "title",
    "issuer": "issuer",
    "publisher": "issuer",
    "department": "issuer",
    "dept": "issuer",
    "organ": "issuer",
    "organization": "issuer",
    "agency": "issuer",
    "contentsource": "issuer",
    "source": "issuer",
    "docdate": "doc_date",
    "writtendate": "doc_date",
    "writedate": "doc_date",
    "publishdate": "publish_date",
    "publishtime": "publish_date",
    "publishedat": "publish_date",
    "pubdate": "publish_date",
    "pubtime": "publish_date",
    "releasedate": "publish_date",
    "releasetime": "publish_date",
    "firstpublishedtime": "publish_date",
    "date": "publish_date",
    "planyear": "plan_year",
    "year": "plan_year",
    "category": "category",
    "columnname": "category",
    "column": "category",
    "channel": "category",
    "docnumber": "doc_number",
    "docno": "doc_number",
    "filenumber": "doc_number",
    "disclosure": "disclosure",
    "level": "level",
    "sourceurl": "source_url",
    "url": "source_url",
    "link": "source_url",
    "href": "source_url",
    "pageurl": "source_url",
    "计划年度": "plan_year",
    "年度": "plan_year",
    "年份": "plan_year",
}
_BODY_KEYS = frozenset(
    {"body", "content", "text", "articlecontent", "maintext", "contenttext"}
    | {"正文", "内容", "全文", "文本"}
)
_REGION_KEYS = {
    "township": "township",
    "乡镇": "township",
    "乡镇街道": "township",
    "county": "county",
    "区县": "county",
    "city": "city",
    "地市": "city",
    "province": "province",
    "省份": "province",
    "divisioncode": "division_code",
    "区划代码": "division_code",
}
# The provenance columns of export_plans, so that an export imports as it was.
_PROVENANCE_KEYS = {
    "inferred": "inferred",
    "needsreview": "needs_review",
    "reviewnotes": "review_notes",
}
# Known and deliberately not stored: ids and derived columns of exports.
# issuer_is_department is read again from the issuer's name.
_SKIPPED_KEYS = frozenset({"id", "pk", "snippet", "issuerisdepartment"})
_TRUE = {"true", "1", "yes", "是", "t", "y"}
# Spreadsheet-safe CSV cells (documents/export.py) start with an apostrophe.
_FORMULA_GUARD = re.compile(r"^'(?=[=+\-@\t\r])")


def _compact(name: str) -> str:
    return re.sub(r"[\s_\-.]", "", name).lower()


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_REPLACED = "含有无法保存的字符，已替换 (replaced NUL or lone surrogates)"


@dataclass(frozen=True)
class RecordOutcome:
    """A record extracted from a multi-record file, or the reason it was not."""

    suffix: str
    record: RawRecord | None = None
    error: str | None = None


def iter_jsonl(text: str) -> Iterator[RecordOutcome]:
    """One record per non-empty line; a bad line is reported and skipped."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        suffix = f"#L{number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            yield RecordOutcome(suffix, error=f"第{number}行不是合法的 JSON: {exc.msg}")
            continue
        except RecursionError:
            yield RecordOutcome(suffix, error=f"第{number}行 JSON 嵌套过深 (too deep)")
            continue
        if not isinstance(data, dict):
            yield RecordOutcome(suffix, error=f"第{number}行不是 JSON 对象")
            continue
        yield _from_mapping(data, original=line, layout="jsonl", suffix=suffix)


def iter_csv(text: str, *, delimiter: str | None = None) -> Iterator[RecordOutcome]:
    """One record per row under a header row."""
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
    header = [name.strip().lstrip("\ufeff") for name in header]
    if not any(_body_key(name) for name in header):
        raise RejectedInput(
            "CSV 表头没有正文列 (no body column: body/content/正文/内容)"
        )
    row_number = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            row_number += 1
            yield RecordOutcome(
                f"#R{row_number}", error=f"第{row_number}行 CSV 错误: {exc}"
            )
            continue
        row_number += 1
        if not any(cell.strip() for cell in row):
            continue
        data = dict(zip(header, row, strict=False))
        original = _row_text(header, row, delimiter)
        yield _from_mapping(
            data, original=original, layout="csv", suffix=f"#R{row_number}"
        )


def _row_text(header: list[str], row: list[str], delimiter: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerow(row)
    return buffer.getvalue()


def _storable(value: str, record: RawRecord) -> str:
    """JSON escapes can spell NUL and lone surrogates, which no database stores."""
    cleaned = _UNSTORABLE.sub("\ufffd", value)
    if cleaned != value and _REPLACED not in record.notes:
        record.notes.append(_REPLACED)
    return cleaned


def _body_key(name: str) -> bool:
    return _compact(name) in _BODY_KEYS


def _from_mapping(
    data: dict[str, object], *, original: str, layout: str, suffix: str
) -> RecordOutcome:
    record = RawRecord(original=original, layout=layout, body="", locator_suffix=suffix)
    body = ""
    exported_from = ""
    unknown: list[str] = []
    for key, raw_value in data.items():
        if raw_value is None:
            continue
        name = _storable(str(key).strip(), record)
        compact = _compact(name)
        if compact == "sourcefile":
            exported_from = _storable(str(raw_value).strip(), record)
            continue
        if compact in _PROVENANCE_KEYS:
            _provenance(record, _PROVENANCE_KEYS[compact], raw_value)
            continue
        if isinstance(raw_value, dict | list):
            if raw_value:
                unknown.append(name)
            continue
        value = _storable(str(raw_value).strip(), record)
        if layout == "csv":
            value = _FORMULA_GUARD.sub("", value)
        if _body_key(name):
            body = body or value
        elif compact in _KEY_FIELDS:
            # Exact names (title, publish_date) before looser ones (url, date).
            rank = 0 if compact == _compact(_KEY_FIELDS[compact]) else 1
            record.offer(_KEY_FIELDS[compact], value, label=name, rank=rank)
        elif compact in _REGION_KEYS:
            if value:
                record.region_names[_REGION_KEYS[compact]] = value
        elif (field := field_for_label(name)) is not None:
            record.offer(field, value, label=name, rank=label_rank(field, name))
        elif value and compact not in _SKIPPED_KEYS:
            unknown.append(name)
    if exported_from:
        record.notes.append(f"导出前的来源文件：{exported_from[:200]}")
    if unknown:
        names = "、".join(unknown[:10]) + ("等" if len(unknown) > 10 else "")
        record.notes.append(f"未识别的字段，未导入：{names}")
    # Cleaning drops site chrome, so a body of chrome alone is no body either.
    record.body = clean_body(re.split(r"\r\n|\r|\n", body))
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
