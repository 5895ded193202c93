"""KWIC's CSV writes a line break inside a context as ⏎ (issue 17): a raw one
breaks the row in a spreadsheet. The JSON keeps the text as it is."""

from __future__ import annotations

import csv
import io
import json

import pytest

from research.kwic import LINE_BREAK_MARK

pytestmark = [pytest.mark.django_db, pytest.mark.search]


def _download(client, params: dict) -> str:  # noqa: ANN001
    response = client.get("/api/kwic", params)
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8")


def test_line_breaks_in_contexts_are_marked_in_csv_only(client, archive) -> None:
    query = {"q": "发展", "order": "date", "width": "60"}
    records = [
        json.loads(line)
        for line in _download(client, {**query, "format": "jsonl"}).splitlines()
    ]
    broken = [r for r in records if "\n" in r["left"] or "\n" in r["right"]]
    # The sample archive has contexts that cross a paragraph.
    assert len(broken) > 10
    text = _download(client, {**query, "format": "csv"})
    # Every physical line of the file is one row: no field spans two lines.
    lines = text.lstrip("\ufeff").splitlines()
    assert len(lines) == len(records) + 1
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == len(records)
    for row, record in zip(rows, records, strict=True):
        for side in ("left", "right"):
            written = row[side].removeprefix("'")
            assert "\n" not in written and "\r" not in written
            assert written == record[side].replace("\n", LINE_BREAK_MARK)
