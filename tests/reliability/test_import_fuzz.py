"""Fuzz the import pipeline: random bytes, mutated seeds and label-like text.

Whatever goes in, the pipeline must answer with a record or a rejection (never an
internal error, never a hang), and every record it stores must be sound.
"""

from __future__ import annotations

import codecs
import functools
import json
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.db import models, transaction
from hypothesis import given
from hypothesis import strategies as st

from documents.ingest.decode import decode_bytes
from documents.ingest.errors import RejectedInput
from documents.ingest.fingerprint import content_hash
from documents.ingest.labels import FIELD_LABELS
from documents.ingest.layouts import Layout, detect_layout, extract_records
from documents.ingest.normalise import normalise
from documents.ingest.pipeline import ItemResult, import_file
from documents.ingest.store import Outcome
from documents.models import Document, SourcePath
from tests.conftest import _sample_dir
from tests.reliability.fuzzing import fuzz_settings, time_limit

SEED_BYTES = [path.read_bytes() for path in sorted(_sample_dir("seeds").glob("*.txt"))]
FILENAMES = ["plan.txt", "page.html", "rows.csv", "rows.jsonl", "noext"]
EARLIEST_DATE = date(1949, 1, 1)
PLAN_YEARS = range(1949, 2101)
INTERNAL_ERROR = "内部错误"


# --- what every stored record must satisfy ----------------------------------------


def latest_plausible_date() -> date:
    return date.today() + timedelta(days=366)


def check_document(doc: Document, *, decoded: str, suffix: str) -> None:
    """The invariants of a stored document, whatever the input was."""
    assert doc.body.strip(), "stored a record without body text"
    assert doc.title.strip(), "stored a record without a title"
    assert doc.content_hash == content_hash(doc.body)
    if not suffix:
        # One document per file: the original is the decoded file, verbatim.
        assert doc.original == decoded
    elif suffix.startswith("#L"):
        # A JSON line: the original is that line as it was.
        assert doc.original in decoded.splitlines()
    # (A CSV row's original is its header and row written out again.)
    for name in ("doc_date", "publish_date"):
        value = getattr(doc, name)
        assert value is None or EARLIEST_DATE <= value <= latest_plausible_date(), (
            name,
            value,
        )
    assert doc.plan_year is None or doc.plan_year in PLAN_YEARS, doc.plan_year
    if doc.index_no is not None:
        assert doc.index_no.strip() == doc.index_no != ""
    for field in Document._meta.get_fields():
        if not isinstance(field, models.CharField | models.TextField):
            continue
        value = getattr(doc, field.attname)
        if value is None:
            continue
        # SQLite ignores max_length; PostgreSQL would refuse the row.
        if field.max_length:
            assert len(value) <= field.max_length, (field.name, len(value))
        # PostgreSQL cannot store NUL; UTF-8 cannot encode lone surrogates.
        assert "\x00" not in value, field.name
        value.encode("utf-8")
    for note in doc.review_notes:
        assert isinstance(note, str)


def import_and_check(data: bytes, filename: str) -> list[ItemResult]:
    """Import one file into an empty archive, check it, then roll everything back."""
    try:
        decoded: str | None = decode_bytes(data).text
    except RejectedInput:
        decoded = None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / filename
        path.write_bytes(data)
        locator = str(path.resolve())
        with transaction.atomic():
            with time_limit():
                results = list(import_file(path, label=filename))
            assert results, "no outcome at all for a file"
            for result in results:
                assert INTERNAL_ERROR not in result.reason, result.reason
                if result.outcome is Outcome.REJECTED:
                    assert result.reason.strip()
                    continue
                assert decoded is not None, "imported a file that does not decode"
                doc = Document.objects.get(pk=result.document_id)
                check_document(
                    doc, decoded=decoded, suffix=result.locator[len(locator) :]
                )
                assert SourcePath.objects.filter(
                    locator=result.locator, document=doc
                ).exists()
            index_nos = list(
                Document.objects.exclude(index_no=None).values_list(
                    "index_no", flat=True
                )
            )
            assert len(index_nos) == len(set(index_nos)), "index_no not unique"
            # The same file again changes nothing.
            with time_limit():
                again = list(import_file(path, label=filename))
            assert not [
                r for r in again if r.outcome in (Outcome.IMPORTED, Outcome.UPDATED)
            ]
            transaction.set_rollback(True)
    return results


# --- strategies ---------------------------------------------------------------------

LABELS = sorted({label for labels in FIELD_LABELS.values() for label in labels})
PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE documents_document; --",
    '=HYPERLINK("http://x")',
    "\u202e\u200b\ufeff",
    "𠀀𪚥\U0010ffff",
    "\ufffd",
]
PLACES = [
    "东塍镇",
    "周巷镇",
    "章镇镇",
    "店口镇",
    "临海市",
    "浙江省",
    "平潭县",
    "国务院",
]

years = st.integers(1800, 2300)
date_text = st.builds(
    lambda y, m, d, sep, end: f"{y}{sep}{m}{'月' if sep == '年' else sep}{d}{end}",
    years,
    st.one_of(st.integers(1, 12), st.integers(0, 14)),
    st.one_of(st.integers(1, 28), st.integers(0, 33)),
    st.sampled_from(["-", "/", ".", "年"]),
    st.sampled_from(["", "日", " 10:48", "日 25:61", "T08:00:00"]),
)
index_no_text = st.builds(
    lambda a, b, c: f"{a}/{b}-{c}",
    st.from_regex(r"[A-Z]{0,2}[0-9]{6,18}", fullmatch=True),
    years,
    st.integers(0, 10**7),
)
short_text = st.text(max_size=30)
value_text = st.one_of(
    date_text,
    index_no_text,
    st.builds(str, years),
    short_text,
    st.sampled_from(PAYLOADS + PLACES + ["", "无", "-", "主动公开", "http://x/y"]),
    st.text(min_size=150, max_size=400),
)
label_line = st.builds(
    lambda lead, label, colon, value, tail: f"{lead}{label}{colon}{value}{tail}",
    st.sampled_from(["", "  ", "| ", "• ", "\u3000", "  • "]),
    st.sampled_from(LABELS),
    st.sampled_from([":", "：", " : ", "：| ", ": | "]),
    value_text,
    st.sampled_from(["", " |", " | 公开方式: | 主动公开 |", "  来源：某某镇"]),
)
title_line = st.builds(
    lambda place, year, kind: f"{place}{year}年{kind}",
    st.sampled_from(PLACES + ["某某镇", ""]),
    years,
    st.sampled_from(["工作计划", "政府工作报告", "工作总结", "工作要点", ""]),
)
body_line = st.one_of(
    st.sampled_from(
        [
            "一、总体要求。坚持稳中求进工作总基调，推动经济社会高质量发展。",
            "（二）主要任务。深化最多跑一次改革，推进五水共治和三改一拆。",
            "2021年是“十四五”规划的开局之年，也是全面建设社会主义现代化国家新征程开启之年。",
            "在东塍镇人民政府的领导下，全镇上下共同努力。",
        ]
    ),
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)).map(
        lambda s: s + "。"
    ),
)
chrome_line = st.sampled_from(
    [
        "进入老年模式 退出老年模式",
        "当前位置：首页 > 政务公开 > 东塍镇 > 计划总结",
        "> 政务公开 > 信息公开目录 > 东塍镇",
        "【字号：大 中 小】 浏览次数：128",
        "打印 关闭",
        "微信 微博 QQ空间",
        "==================== 正文 ====================",
        "---|---|---|---|",
        "113302820029791000/2021-127594",
        "面向社会",
        "<html><body><div class='content'><p>",
        "</p></div></body></html>",
        "{",
        "[[[[[[[[",
    ]
)
json_line = st.builds(
    lambda payload: json.dumps(payload, ensure_ascii=False),
    st.dictionaries(
        st.sampled_from(
            ["title", "content", "body", "year", "date", "index_no", "township", "url"]
        ),
        st.one_of(value_text, body_line, st.integers(-(10**6), 10**6), st.none()),
        max_size=6,
    ),
)
# JSON that decodes to what no database stores, or that nests past the stack.
raw_json_line = st.one_of(
    st.builds(
        lambda escape, body: f'{{"title": "题{escape}", "content": "{body}{escape}"}}',
        st.sampled_from(["\\ud800", "\\udfff", "\\u0000", "\\ud83d\\ude00", ""]),
        st.sampled_from(["正文。", "打印 关闭", ""]),
    ),
    st.integers(1, 50_000).map(lambda depth: '{"content": ' + "[" * depth),
)
any_line = st.one_of(
    label_line, title_line, body_line, chrome_line, json_line, short_text
)
newline = st.sampled_from(["\n", "\r\n", "\r"])
# A page as scraped: a header of labels, chrome and a title, then the body.
page_text = st.builds(
    lambda header, body, sep: sep.join(header + body),
    st.lists(st.one_of(label_line, label_line, chrome_line, title_line), max_size=15),
    st.lists(st.one_of(body_line, body_line, any_line), min_size=1, max_size=20),
    newline,
)
jsonl_text = st.builds(
    lambda first, rest: "\n".join([first, *rest]),
    json_line,
    st.lists(st.one_of(json_line, raw_json_line, short_text), max_size=8),
)
label_text = st.one_of(
    page_text,
    jsonl_text,
    st.builds(
        lambda lines, sep: sep.join(lines),
        st.lists(any_line, min_size=1, max_size=40),
        newline,
    ),
)


@dataclass(frozen=True)
class SeedMutation:
    """A recipe, so a failing example prints as a few lines, not 40 kB of bytes."""

    seed: int
    line_ops: tuple[tuple[str, int, str], ...]
    encoding: str
    byte_ops: tuple[tuple[str, int, bytes], ...]

    def apply(self) -> bytes:
        lines = SEED_BYTES[self.seed].decode("utf-8").splitlines(keepends=True)
        for op, at, text in self.line_ops:
            at = at % (len(lines) or 1)
            if op == "insert":
                lines.insert(at, text + "\n")
            elif op == "delete" and lines:
                del lines[at]
            elif op == "duplicate" and lines:
                lines.insert(at, lines[(at * 7 + 3) % len(lines)])
        text = "".join(lines)
        if self.encoding == "mixed":
            data = b"".join(
                line.encode("gbk" if i % 2 else "utf-8", errors="replace")
                for i, line in enumerate(text.splitlines(keepends=True))
            )
        elif self.encoding == "gbk-under-utf8-bom":
            # A byte-order mark that lies about the encoding after it.
            data = codecs.BOM_UTF8 + text.encode("gbk", errors="replace")
        elif self.encoding == "utf8-under-utf16-bom":
            data = codecs.BOM_UTF16_LE + text.encode("utf-8")
        else:
            data = text.encode(self.encoding, errors="replace")
        for op, at, chunk in self.byte_ops:
            if not data:
                break
            at = at % len(data)
            if op == "flip":
                flipped = bytes([data[at] ^ (chunk[0] or 1)])
                data = data[:at] + flipped + data[at + 1 :]
            elif op == "truncate":
                data = data[:at]
            elif op == "insert":
                data = data[:at] + chunk + data[at:]
            else:
                data = data[:at] + data[at + len(chunk) :]
        return data


line_op = st.one_of(
    st.tuples(st.just("insert"), st.integers(0, 10**4), any_line),
    # A metadata label given twice, with another value.
    st.tuples(st.just("insert"), st.integers(0, 12), label_line),
    st.tuples(
        st.sampled_from(["delete", "duplicate"]), st.integers(0, 10**4), st.just("")
    ),
)
byte_op = st.tuples(
    st.sampled_from(["flip", "truncate", "insert", "delete"]),
    st.integers(0, 10**6),
    st.binary(min_size=1, max_size=8),
)
mutated_seed = st.builds(
    SeedMutation,
    seed=st.integers(0, len(SEED_BYTES) - 1),
    line_ops=st.lists(line_op, max_size=5).map(tuple),
    encoding=st.sampled_from(
        [
            "utf-8",
            "utf-8-sig",
            "gbk",
            "gb18030",
            "utf-16",
            "mixed",
            "gbk-under-utf8-bom",
            "utf8-under-utf16-bom",
        ]
    ),
    byte_ops=st.lists(byte_op, max_size=4).map(tuple),
)


# --- tests --------------------------------------------------------------------------


@fuzz_settings(max_examples=300)
@given(text=st.text(max_size=2000), filename=st.sampled_from(FILENAMES))
def test_layout_detection_and_extraction_never_crash(text: str, filename: str) -> None:
    """Any text: a layout, then records or RejectedInput; no other exception."""
    with time_limit():
        assert detect_layout(text, filename=filename) in Layout
        try:
            outcomes = list(extract_records(text, filename=filename))
        except RejectedInput as exc:
            assert exc.reason.strip()
            return
        for outcome in outcomes:
            if outcome.record is None:
                assert outcome.error
                continue
            assert outcome.record.body.strip()
            record = normalise(outcome.record)
            assert record.title.strip()
            assert record.plan_year is None or record.plan_year in PLAN_YEARS
            for value in (record.doc_date, record.publish_date):
                assert value is None or (
                    EARLIEST_DATE <= value <= latest_plausible_date()
                )


@pytest.mark.django_db
@fuzz_settings(max_examples=100)
@given(data=st.binary(max_size=3000), filename=st.sampled_from(FILENAMES))
def test_random_bytes(data: bytes, filename: str) -> None:
    import_and_check(data, filename)


@pytest.mark.django_db
@fuzz_settings(max_examples=100)
@given(mutation=mutated_seed)
def test_mutated_seeds(mutation: SeedMutation) -> None:
    import_and_check(mutation.apply(), "seed.txt")


@pytest.mark.django_db
@fuzz_settings(max_examples=150)
@given(text=label_text, filename=st.sampled_from(FILENAMES))
def test_label_like_text(text: str, filename: str) -> None:
    import_and_check(text.encode("utf-8"), filename)


# --- edits to the body leave the metadata as read -----------------------------------

READ_FIELDS = ("index_no", "title", "issuer", "doc_date", "publish_date", "category")


def _read_metadata(data: bytes) -> dict[str, object]:
    """The fields a seed's import read from its header (not inferred), rolled back."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "seed.txt"
        path.write_bytes(data)
        with transaction.atomic():
            with time_limit():
                (result,) = import_file(path, label="seed.txt")
            assert result.outcome is Outcome.IMPORTED, result.reason
            doc = Document.objects.get(pk=result.document_id)
            read = {
                name: getattr(doc, name)
                for name in READ_FIELDS
                if name in doc.read_fields
            }
            transaction.set_rollback(True)
    return read


def _seed_lines(seed: int) -> list[str]:
    return SEED_BYTES[seed].decode("utf-8").splitlines(keepends=True)


@functools.cache
def _body_start(seed: int) -> int:
    """The line after which only body text follows (the body's first line)."""
    lines = _seed_lines(seed)
    with transaction.atomic():
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "seed.txt"
            path.write_bytes(SEED_BYTES[seed])
            (result,) = import_file(path, label="seed.txt")
            first = Document.objects.get(pk=result.document_id).body.splitlines()[0]
        transaction.set_rollback(True)
    return next(i for i, line in enumerate(lines) if first[:20] in line)


@dataclass(frozen=True)
class BodyEdit:
    """Lines inserted, duplicated or deleted strictly inside a seed's body."""

    seed: int
    ops: tuple[tuple[str, int, str], ...]
    encoding: str

    def apply(self, body_start: int) -> bytes:
        lines = _seed_lines(self.seed)
        for op, at, text in self.ops:
            # Below the body's first line, above the last (page feet such as 打印 关闭).
            span = len(lines) - body_start - 2
            if span < 1:
                break
            at = body_start + 1 + at % span
            if op == "insert":
                lines.insert(at, text + "\n")
            elif op == "duplicate":
                lines.insert(at, lines[at])
            else:
                del lines[at]
        return "".join(lines).encode(self.encoding, errors="replace")


body_edit = st.builds(
    BodyEdit,
    seed=st.integers(0, len(SEED_BYTES) - 1),
    ops=st.lists(
        st.tuples(
            st.sampled_from(["insert", "duplicate", "delete"]),
            st.integers(0, 10**4),
            body_line,
        ),
        min_size=1,
        max_size=6,
    ).map(tuple),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"]),
)


@pytest.mark.django_db
@fuzz_settings(max_examples=60)
@given(edit=body_edit)
def test_body_edits_never_change_the_metadata_read(edit: BodyEdit) -> None:
    """A record is stored with the right fields, not merely plausible ones: what
    was read from the header stays what it was, whatever happens in the body."""
    text = SEED_BYTES[edit.seed].decode("utf-8")
    expected = _read_metadata(text.encode(edit.encoding, errors="replace"))
    got = _read_metadata(edit.apply(_body_start(edit.seed)))
    assert got == expected
