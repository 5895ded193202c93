"""import_plans and export_plans as a user runs them."""

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from documents.export import ARCHIVE_KEYS, META_KEY, column_label, read_meta_cells
from documents.export import Lang as ExportLang
from documents.models import Document

pytestmark = pytest.mark.django_db


def _import(*paths: Path) -> str:
    out = io.StringIO()
    call_command(
        "import_plans",
        *map(str, paths),
        "--no-index",
        "--progress=log",
        stdout=out,
        stderr=io.StringIO(),
    )
    return out.getvalue()


def test_import_reports_a_summary(seeds_dir: Path) -> None:
    output = _import(seeds_dir)
    assert "imported 5" in output and "rejected 0" in output
    assert Document.objects.count() == 5
    again = _import(seeds_dir)
    assert "unchanged 5" in again


def test_import_exits_nonzero_when_anything_is_rejected(
    tmp_path: Path, seeds_dir: Path
) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_plans",
            str(tmp_path),
            str(seeds_dir),
            "--no-index",
            stdout=io.StringIO(),
            stderr=err,
        )
    assert "empty.txt" in err.getvalue()
    assert Document.objects.count() == 5


def test_export_jsonl_has_the_exact_keys(seeds_dir: Path) -> None:
    _import(seeds_dir)
    out = io.StringIO()
    call_command("export_plans", "--format", "jsonl", stdout=out, stderr=io.StringIO())
    meta, *rows = [json.loads(line) for line in out.getvalue().splitlines()]
    # The first object says what the file holds (issue 17: it travels with it).
    assert set(meta) == {META_KEY} and meta[META_KEY]["documents"] == 5
    assert len(rows) == 5
    assert all(tuple(row) == ARCHIVE_KEYS for row in rows)
    by_index = {row["index_no"]: row for row in rows}
    row = by_index["LH331082-074/2021-108413"]
    assert row["publish_date"] == "2020-02-26T10:48:00+08:00"
    assert row["doc_date"] == "2021-01-13"
    assert row["plan_year"] == 2020
    assert row["township"] == "东塍镇"
    assert isinstance(row["inferred"], list)


def test_export_csv_reads_back_with_chinese_intact(
    seeds_dir: Path, tmp_path: Path
) -> None:
    _import(seeds_dir)
    target = tmp_path / "out.csv"
    call_command(
        "export_plans", "--format", "csv", "-o", str(target), stderr=io.StringIO()
    )
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf#plansite-export,")  # BOM, for Excel
    # Issue 17 changed the CSV's default: a first row of what the file holds,
    # then the fields' Chinese labels, as a researcher in Excel expects.
    meta_line, rest = raw.decode("utf-8-sig").split("\r\n", 1)
    assert read_meta_cells(next(csv.reader([meta_line])))["documents"] == "5"
    rows = list(csv.DictReader(io.StringIO(rest)))
    assert tuple(rows[0]) == tuple(
        column_label(key, ExportLang.ZH) for key in ARCHIVE_KEYS
    )
    assert {r["乡镇街道"] for r in rows} >= {"东塍镇", "周巷镇", "章镇镇", "店口镇"}
    bodies = {r["索引号"]: r["正文"] for r in rows}
    doc = Document.objects.get(index_no="002590139/2023-74151")
    assert bodies["002590139/2023-74151"] == doc.body


def test_export_reimports_as_the_same_documents(
    seeds_dir: Path, tmp_path: Path
) -> None:
    _import(seeds_dir)
    target = tmp_path / "export.jsonl"
    call_command("export_plans", "-o", str(target), stderr=io.StringIO())
    output = _import(target)
    # Same 索引号 or same text: nothing new is created.
    assert Document.objects.count() == 5
    assert "imported 0" in output


def test_csv_cells_cannot_run_as_formulas(tmp_path: Path) -> None:
    Document.objects.create(
        title='=HYPERLINK("http://x")', body="@SUM(1)", original="x", content_hash="h"
    )
    target = tmp_path / "out.csv"
    call_command(
        "export_plans",
        "--format",
        "csv",
        "--lang",
        "en",
        "--no-meta",
        "-o",
        str(target),
        stderr=io.StringIO(),
    )
    row = next(csv.DictReader(io.StringIO(target.read_text("utf-8-sig"))))
    assert row["title"].startswith("'=")
    assert row["body"].startswith("'@")


def _provenance() -> dict[str, tuple]:
    return {
        doc.title: (
            doc.index_no,
            sorted(doc.inferred),
            doc.needs_review,
            doc.township,
            doc.plan_year,
            doc.issuer,
            doc.body,
        )
        for doc in Document.objects.all()
    }


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_imported_into_an_empty_archive_keeps_provenance(
    seeds_dir: Path, tmp_path: Path, fmt: str
) -> None:
    _import(seeds_dir)
    before = _provenance()
    notes = {doc.title: doc.review_notes for doc in Document.objects.all()}
    assert any(inferred for _i, inferred, *_ in before.values())
    target = tmp_path / f"export.{fmt}"
    call_command(
        "export_plans", "--format", fmt, "-o", str(target), stderr=io.StringIO()
    )
    Document.objects.all().delete()
    _import(target)
    # Inferred fields stay inferred, flags stay set, and the notes come back.
    assert _provenance() == before
    for doc in Document.objects.all():
        assert notes[doc.title] == doc.review_notes[: len(notes[doc.title])]
        assert any("导出前的来源文件：seeds/" in n for n in doc.review_notes)
