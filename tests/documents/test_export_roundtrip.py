"""An export, Chinese headers and its first row included, imports back to the
same records (issue 17), in each format and language."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from documents.export import EXPORT_MARKER, export_row
from documents.models import Document

pytestmark = pytest.mark.django_db


def _import(*paths: Path) -> str:
    out = io.StringIO()
    call_command(
        "import_plans",
        *map(str, paths),
        "--no-index",
        stdout=out,
        stderr=io.StringIO(),
    )
    return out.getvalue()


def _records() -> dict[str, dict]:
    """Every exported field of every document, but the file it came from."""
    rows = {}
    for document in Document.objects.all():
        row = export_row(document)
        row.pop("source_file")
        row["inferred"] = sorted(row["inferred"])
        row["publish_time"] = document.publish_time
        rows[document.title] = row
    return rows


@pytest.mark.parametrize(
    ("fmt", "lang"), [("csv", "zh"), ("csv", "en"), ("jsonl", "zh"), ("jsonl", "en")]
)
def test_an_export_imports_back_to_the_same_records(
    seeds_dir: Path, tmp_path: Path, fmt: str, lang: str
) -> None:
    _import(seeds_dir)
    before = _records()
    # A publish time must survive the CSV's spreadsheet dates.
    assert any(row["publish_time"] for row in before.values())
    target = tmp_path / f"export.{fmt}"
    call_command(
        "export_plans",
        "--format",
        fmt,
        "--lang",
        lang,
        "-o",
        str(target),
        stderr=io.StringIO(),
    )
    text = target.read_text("utf-8-sig")
    first = text.splitlines()[0]
    assert first.startswith(EXPORT_MARKER) or '"plansite_export"' in first
    if lang == "zh":
        assert "标题" in text.splitlines()[1]
    Document.objects.all().delete()
    output = _import(target)
    assert "rejected 0" in output
    # The first row is no record: as many documents as before, no more.
    assert _records() == before
    for document in Document.objects.all():
        # Nothing of the export (its id, URL or first row) is an unknown field.
        assert not any("未识别的字段" in note for note in document.review_notes)


def test_a_result_set_export_imports_back_without_its_derived_columns(
    seeds_dir: Path, tmp_path: Path
) -> None:
    """/api/export's extra columns (编号, 命中次数, 摘要, 档案链接) are the
    archive's, not the document's: the archive's URL never becomes a source."""
    _import(seeds_dir)
    before = _records()
    header = ["编号", "标题", "正文", "原文链接", "命中次数", "摘要", "档案链接"]
    rows = [
        [
            str(doc.pk),
            doc.title,
            doc.body,
            doc.source_url,
            "3",
            "…摘要…",
            f"http://archive.example/documents/{doc.pk}/",
        ]
        for doc in Document.objects.all()
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([EXPORT_MARKER, "query=发展", "total=5"])
    writer.writerow(header)
    writer.writerows(rows)
    target = tmp_path / "result-set.csv"
    target.write_text("\ufeff" + buffer.getvalue(), encoding="utf-8")
    Document.objects.all().delete()
    assert "rejected 0" in _import(target)
    after = {doc.title: doc for doc in Document.objects.all()}
    assert set(after) == set(before)
    for title, doc in after.items():
        assert doc.source_url == before[title]["source_url"]
        assert "archive.example" not in doc.source_url
        assert not any("未识别的字段" in note for note in doc.review_notes)


def test_a_meta_object_alone_is_no_record(tmp_path: Path) -> None:
    target = tmp_path / "empty.jsonl"
    target.write_text(json.dumps({"plansite_export": {"query": "x"}}) + "\n")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_plans", str(target), "--no-index", stdout=err, stderr=err)
    assert Document.objects.count() == 0


@pytest.mark.search
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_full_text_api_export_imports_back_to_the_same_records(
    client, search_index, seeds_dir: Path, tmp_path: Path, fmt: str
) -> None:
    """/api/export with the text (full=1), Chinese headers by default in CSV."""
    call_command(
        "import_plans", str(seeds_dir), stdout=io.StringIO(), stderr=io.StringIO()
    )
    before = _records()
    response = client.get("/api/export", {"format": fmt, "full": "1"})
    assert response.status_code == 200
    target = tmp_path / f"api.{fmt}"
    target.write_bytes(b"".join(response.streaming_content))
    if fmt == "csv":
        assert "标题" in target.read_text("utf-8-sig").splitlines()[1]
    Document.objects.all().delete()
    assert "rejected 0" in _import(target)
    assert _records() == before
