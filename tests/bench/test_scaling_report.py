"""The scaling report's slope and prediction, on made-up search_bench results."""

from __future__ import annotations

import json

import pytest

from bench import scaling_report


def _result(docs: int, page_median: float, size_bytes: float) -> dict:
    return {
        "docs": docs,
        "whoosh": {
            "index": {"size_bytes": size_bytes, "seconds": docs / 100},
            "queries": {
                "modes": {"term": {"page": {"median_ms": page_median, "p95_ms": None}}}
            },
        },
    }


def test_a_cost_that_doubles_with_four_times_the_documents_has_exponent_one_half():
    assert scaling_report.exponent(50_000, 10.0, 200_000, 20.0) == pytest.approx(0.5)


def test_the_report_predicts_queries_along_the_slope_and_sizes_per_document(
    tmp_path, capsys
):
    files = []
    for docs, median, size in ((50_000, 10.0, 500e6), (200_000, 20.0, 2_000e6)):
        path = tmp_path / f"{docs}.json"
        path.write_text(json.dumps(_result(docs, median, size)))
        files.append(str(path))

    assert scaling_report.main([*files, "--target", "800000"]) == 0

    lines = capsys.readouterr().out.splitlines()
    page = next(line for line in lines if line.startswith("term: results page median"))
    # 20 ms at 200,000 growing as N^0.5: 40 ms at 800,000.
    assert page.split()[-3:] == ["0.50", "40.0", "ms"]
    size = next(line for line in lines if line.startswith("index on disk"))
    # 10,000 bytes a document: 8,000 MB at 800,000.
    assert size.split()[-2:] == ["8000.0", "MB"]
    # A figure no run recorded is left out.
    assert not any(line.startswith("Tantivy") for line in lines)


def test_one_size_is_not_enough(tmp_path):
    path = tmp_path / "one.json"
    path.write_text(json.dumps(_result(50_000, 10.0, 1.0)))
    with pytest.raises(SystemExit, match="two or more"):
        scaling_report.main([str(path)])
