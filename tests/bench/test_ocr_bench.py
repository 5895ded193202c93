"""bench/ocr_bench.py runs end to end on one page (the figures are in docs/ocr.md)."""

from __future__ import annotations

import json

import pytest

from bench import ocr_bench


@pytest.mark.converters
def test_quick_run_reads_one_page_and_reports_figures(tmp_path, capsys):
    out = tmp_path / "ocr.json"
    assert (
        ocr_bench.main(
            [
                "--quick",
                "--no-throughput",
                "--var-dir",
                str(tmp_path),
                "--json",
                str(out),
            ]
        )
        == 0
    )
    results = json.loads(out.read_text())
    [row] = results["quality"]
    assert row["pages"] == 1 and row["dpi"] == "300" and row["degradation"] == "clean"
    assert row["cer"] < 0.03
    assert row["conf_mean"] > 80
    assert "OCR quality" in capsys.readouterr().out


def test_cer_is_edit_distance_over_reference_length():
    from tests.attachments.scans import cer, edit_distance

    assert edit_distance("kitten", "sitting") == 3
    assert cer("平潭 综合\n实验区", "平潭综合实验区") == 0.0
    assert cer("平潭综合实验", "平潭综合实验区") == pytest.approx(1 / 7)
    assert cer("时间:", "时间：") == 0.0  # folded
    assert cer("时间:", "时间：", fold=False) == pytest.approx(1 / 3)
