"""Bad files in an import: each gets a clear outcome and the rest of the import goes on.

Already covered elsewhere, so not repeated here: empty, binary, oversized (small
limit), chrome-only and missing files (tests/documents/test_import_pipeline.py);
decoding a file cut inside its last character, and mixed lines, at the decode
stage (tests/documents/test_decode.py); ten thousand repeated labels at the
extract stage (tests/documents/test_extract.py).
"""

from __future__ import annotations

import io
import json
import time
import tracemalloc
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from documents.gazetteer import default_gazetteer
from documents.ingest.labels import FIELD_LABELS
from documents.ingest.pipeline import import_paths
from documents.ingest.store import Outcome
from documents.models import Document

pytestmark = pytest.mark.django_db

PLAN = """索引号：ZZ330282-009/2022-000009
发布机构：周巷镇
成文日期：2022年2月3日
周巷镇2022年工作计划
一、总体要求。坚持稳中求进工作总基调，推动周巷经济社会高质量发展，全力打造慈溪西部中心镇。
二、主要任务。深化最多跑一次改革，推进五水共治和三改一拆，建设美丽城镇。
"""
FIFTY_MB = 50 * 1024 * 1024


def _by_name(summary) -> dict[str, list]:  # noqa: ANN001
    found: dict[str, list] = {}
    for result in summary.results:
        found.setdefault(Path(result.locator.split("#")[0]).name, []).append(result)
    return found


def _import_command(*paths: Path) -> tuple[str, str, int]:
    """Run import_plans as a user would; returns stdout, stderr and the exit code."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command(
            "import_plans",
            *map(str, paths),
            "--no-index",
            "--progress=log",
            stdout=out,
            stderr=err,
        )
    except CommandError as exc:
        code = exc.returncode
    return out.getvalue(), err.getvalue(), code


@pytest.fixture
def fifty_megabytes(tmp_path: Path) -> Iterator[Path]:
    """A 50 MB text file, deleted afterwards (pytest keeps old tmp dirs)."""
    path = tmp_path / "big.txt"
    line = ("一、坚持稳中求进工作总基调，推动经济社会高质量发展。" * 20 + "\n").encode()
    with path.open("wb") as handle:
        for _ in range(FIFTY_MB // len(line) + 1):
            handle.write(line)
    yield path
    path.unlink(missing_ok=True)


def test_fifty_megabyte_file_is_rejected_unread(
    tmp_path: Path, fifty_megabytes: Path
) -> None:
    big = fifty_megabytes
    assert big.stat().st_size > FIFTY_MB
    (tmp_path / "good.txt").write_text(PLAN, encoding="utf-8")
    import_paths([tmp_path / "good.txt"])  # Loads the gazetteer, outside the count.
    tracemalloc.start()
    started = time.perf_counter()
    try:
        summary = import_paths([tmp_path])
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    elapsed = time.perf_counter() - started
    found = _by_name(summary)
    (rejected,) = found["big.txt"]
    assert rejected.outcome is Outcome.REJECTED
    assert "过大" in rejected.reason and str(big.stat().st_size) in rejected.reason
    assert found["good.txt"][0].outcome is Outcome.UNCHANGED
    # Never read: a fraction of the file's size in memory, and quick.
    assert peak < 8 * 1024 * 1024, peak
    assert elapsed < 20, elapsed


def test_a_record_larger_than_a_document_is_rejected(tmp_path: Path, settings) -> None:  # noqa: ANN001
    # Record files may be large, but no single record in them may be larger than
    # a document file may be.
    settings.PLANSITE_MAX_DOCUMENT_BYTES = 20_000
    rows = [
        {"title": "正常的记录", "content": "正文第一段，内容足够长。" * 10},
        {"title": "过大的记录", "content": "正文" * 20_000},
    ]
    path = tmp_path / "rows.jsonl"
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8"
    )
    summary = import_paths([path])
    assert [r.outcome for r in summary.results] == [Outcome.IMPORTED, Outcome.REJECTED]
    assert "过大" in summary.results[1].reason
    assert Document.objects.get().title == "正常的记录"


@pytest.mark.parametrize(
    ("encoding", "cut"), [("utf-8", 1), ("utf-8", 2), ("gbk", 1), ("gb18030", 1)]
)
def test_file_cut_inside_a_character_is_stored_and_flagged(
    tmp_path: Path, encoding: str, cut: int
) -> None:
    text = PLAN.rstrip("\n")
    data = text.encode(encoding)
    assert len(text[-1].encode(encoding)) > cut
    (tmp_path / "cut.txt").write_bytes(data[:-cut])
    summary = import_paths([tmp_path])
    assert [r.outcome for r in summary.results] == [Outcome.IMPORTED]
    doc = Document.objects.get()
    assert doc.original == text[:-1]
    assert doc.body.endswith("建设美丽城镇")
    assert doc.needs_review
    assert any("truncated" in note for note in doc.review_notes)


def test_gbk_lines_inside_a_utf8_file(tmp_path: Path) -> None:
    lines = PLAN.splitlines(keepends=True)
    data = b"".join(
        line.encode("gbk" if i in (1, 4) else "utf-8") for i, line in enumerate(lines)
    )
    (tmp_path / "mixed.txt").write_bytes(data)
    (tmp_path / "good.txt").write_text(
        PLAN.replace("ZZ330282-009", "ZZ330282-010").replace("美丽城镇", "未来社区"),
        "utf-8",
    )
    summary = import_paths([tmp_path])
    assert {r.outcome for r in summary.results} == {Outcome.IMPORTED}
    doc = Document.objects.get(index_no="ZZ330282-009/2022-000009")
    assert doc.original == PLAN
    assert doc.original_encoding == "mixed"
    assert doc.issuer == "周巷镇"
    assert doc.needs_review
    assert any("mixed" in note for note in doc.review_notes)


def test_nul_after_a_long_clean_start_is_rejected(tmp_path: Path) -> None:
    # The binary check samples the start of the file; NUL further on must still
    # be caught, as PostgreSQL cannot store it.
    data = (PLAN * 200).encode("utf-8") + b"\x00\x01\x02binary tail"
    assert len(data) > 20_000
    (tmp_path / "tail.txt").write_bytes(data)
    (tmp_path / "good.txt").write_text(PLAN, encoding="utf-8")
    summary = import_paths([tmp_path])
    found = _by_name(summary)
    assert found["tail.txt"][0].outcome is Outcome.REJECTED
    assert "二进制" in found["tail.txt"][0].reason
    assert found["good.txt"][0].outcome is Outcome.IMPORTED
    assert not [d for d in Document.objects.all() if "\x00" in d.original]


def test_ten_thousand_different_metadata_lines(tmp_path: Path) -> None:
    labels = [label for names in FIELD_LABELS.values() for label in names]
    header = "".join(f"{labels[i % len(labels)]}：值{i}\n" for i in range(10_000))
    (tmp_path / "labels.txt").write_text(header + PLAN, encoding="utf-8")
    (tmp_path / "only_labels.txt").write_text(header, encoding="utf-8")
    (tmp_path / "good.txt").write_text(
        PLAN.replace("ZZ330282-009", "ZZ330282-012"), encoding="utf-8"
    )
    started = time.perf_counter()
    out, err, code = _import_command(tmp_path)
    assert time.perf_counter() - started < 30
    # One line per file, whatever became of it, and a summary that adds up.
    lines = [line for line in (out + err).splitlines() if "tmp" in line]
    for name in ("labels.txt", "only_labels.txt", "good.txt"):
        assert sum(f"/{name}" in line for line in lines) == 1, (name, out, err)
    rejected = sum(line.startswith("拒绝 rejected") for line in lines)
    imported = sum(line.startswith("imported ") for line in lines)
    # only_labels.txt is labels.txt without the plan: nearly the same text under
    # the same title, so it may be merged into it as another source (issue 13).
    updated = sum(line.startswith("updated ") for line in lines)
    assert imported + updated + rejected == 3
    assert f"imported {imported}," in out and f"rejected {rejected}" in out
    assert code == (1 if rejected else 0)
    assert Document.objects.count() == imported
    doc = Document.objects.get(source_file__endswith="/labels.txt")
    # A header is read from the first lines only; the first label wins.
    assert doc.issuer == "值8"
    assert doc.body.endswith("建设美丽城镇。")
    assert len(doc.title) <= 500
    assert Document.objects.get(index_no="ZZ330282-012/2022-000009")


def test_bad_json_lines_are_reported_and_the_good_ones_kept(tmp_path: Path) -> None:
    lines = [
        json.dumps(
            {"title": "好的记录", "content": "第一条正文，内容完整。"},
            ensure_ascii=False,
        ),
        '{"title": "嵌套", "content": ' + "[" * 100_000,
        '{"title": "转义", "content": "正文\\u0000中间\\ud800结尾。", "\\udfff": "x"}',
        json.dumps(
            {"title": "只有页面杂项", "content": "打印 关闭\n微信 微博 QQ空间"},
            ensure_ascii=False,
        ),
        json.dumps(
            {"title": "另一条", "content": "第二条正文，也完整。"}, ensure_ascii=False
        ),
    ]
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = import_paths([path])
    outcomes = {r.locator.rsplit("#", 1)[1]: r for r in summary.results}
    assert not [r for r in summary.results if "内部错误" in r.reason]
    assert outcomes["L1"].outcome is Outcome.IMPORTED
    assert outcomes["L2"].outcome is Outcome.REJECTED
    assert "JSON" in outcomes["L2"].reason
    assert outcomes["L3"].outcome is Outcome.IMPORTED
    assert outcomes["L4"].outcome is Outcome.REJECTED
    assert "没有正文" in outcomes["L4"].reason
    assert outcomes["L5"].outcome is Outcome.IMPORTED
    escaped = Document.objects.get(title="转义")
    assert escaped.body == "正文\ufffd中间\ufffd结尾。"
    assert any("replaced" in note for note in escaped.review_notes)
    assert Document.objects.count() == 3


def test_implausible_dates_and_years_are_not_stored(tmp_path: Path) -> None:
    future = date.today() + timedelta(days=3 * 365)
    text = (
        "索引号：ZZ330282-011/2022-000011\n"
        f"成文日期：{future.year}年{future.month}月1日\n"
        "发布日期：1900-01-01\n"
        "某某镇1945年工作计划\n"
        "一、总体要求。坚持稳中求进工作总基调，推动经济社会高质量发展。\n"
    )
    (tmp_path / "dates.txt").write_text(text, encoding="utf-8")
    rows = [{"title": "某镇工作计划", "content": "正文第一段。", "year": "1900"}]
    (tmp_path / "rows.jsonl").write_text(
        json.dumps(rows[0], ensure_ascii=False) + "\n", encoding="utf-8"
    )
    summary = import_paths([tmp_path])
    assert {r.outcome for r in summary.results} == {Outcome.IMPORTED}
    doc = Document.objects.get(index_no="ZZ330282-011/2022-000011")
    assert doc.doc_date is None and doc.publish_date is None
    assert doc.plan_year is None
    assert sum("不合理" in note for note in doc.review_notes) == 2
    row = Document.objects.get(title="某镇工作计划")
    assert row.plan_year is None
    assert any("1900" in note for note in row.review_notes)


def test_command_reports_each_bad_file_and_exits_1(
    tmp_path: Path, seeds_dir: Path, fifty_megabytes: Path
) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    (tmp_path / "undecodable.txt").write_bytes(bytes(range(128, 256)) * 4)
    out, err, code = _import_command(tmp_path, seeds_dir)
    assert code == 1
    rejected = [line for line in err.splitlines() if line.startswith("拒绝 rejected")]
    assert len(rejected) == 4, err
    for name in ("empty.txt", "image.png", "undecodable.txt", "big.txt"):
        (line,) = [line for line in rejected if f"/{name}: " in line]
        assert line.split(": ", 1)[1].strip(), line  # a reason follows the path
    assert "imported 5," in out and "rejected 4" in out
    assert Document.objects.count() == 5


@pytest.mark.slow
def test_five_megabytes_padded_with_spaces_import_in_linear_time(
    tmp_path: Path, settings
) -> None:  # noqa: ANN001
    # Scraped pages pad paragraphs with runs of spaces; patterns that backtrack
    # over each run made such a file take 30 s and more to import.
    unit = (
        "（一）聚焦项目建设，增强发展后劲。坚持项目为王，全年实施重点项目。"
        + " " * 300
        + "\n"
    )
    header = "标题：某镇2022年工作计划\n发布日期：2022-01-05\n"
    count = (settings.PLANSITE_MAX_DOCUMENT_BYTES - 1000) // len(unit.encode())
    path = tmp_path / "padded.txt"
    path.write_text(header + unit * count, encoding="utf-8")
    default_gazetteer()  # Loaded once per process; not what is measured.
    started = time.perf_counter()
    summary = import_paths([path])
    elapsed = time.perf_counter() - started
    assert [r.outcome for r in summary.results] == [Outcome.IMPORTED]
    assert Document.objects.get().body.count("\n") == count - 1
    assert elapsed < 20, elapsed
