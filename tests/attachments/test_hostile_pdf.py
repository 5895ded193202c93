"""Hostile PDFs: a memory bomb, a CPU bomb, an encrypted file, a broken one, 500 pages."""

from __future__ import annotations

from dataclasses import replace

import pytest

from documents.attachments.extract import extract_file
from documents.attachments.result import ExtractionRejected, Limits
from documents.attachments.sandbox import run_extraction
from tests.attachments.makers import (
    encrypted_pdf_filter,
    pdf_cpu_bomb,
    pdf_memory_bomb,
    repeat_pdf_pages,
    soffice_convert,
)

pytestmark = pytest.mark.converters


def test_a_pdf_whose_stream_inflates_to_a_gib_meets_the_memory_limit(limits, tmp_path):
    bomb = pdf_memory_bomb(tmp_path / "bomb.pdf", inflated_mib=1024)
    assert bomb.stat().st_size < 2 * 1024 * 1024
    with pytest.raises(ExtractionRejected, match="内存限制"):
        run_extraction(
            bomb, name="bomb.pdf", limits=replace(limits, memory_bytes=768 << 20)
        )


def test_a_pdf_of_nested_forms_meets_the_cpu_limit(limits, tmp_path):
    bomb = pdf_cpu_bomb(tmp_path / "forms.pdf", depth=9, fanout=10)
    with pytest.raises(ExtractionRejected, match="CPU|超时"):
        run_extraction(
            bomb, name="forms.pdf", limits=replace(limits, timeout_seconds=1)
        )


def test_an_encrypted_pdf_is_rejected_as_encrypted(made, limits, tmp_path):
    (locked,) = soffice_convert(
        [made.path("twopage", "docx")], encrypted_pdf_filter("secret"), tmp_path
    )
    with pytest.raises(ExtractionRejected, match="已加密"):
        extract_file(locked, name="locked.pdf", limits=limits)
    with pytest.raises(ExtractionRejected, match="已加密"):
        run_extraction(locked, name="locked.pdf", limits=limits)


def test_a_cut_off_pdf_is_rejected_as_corrupt(made, limits, tmp_path):
    whole = made.path("doc0", "pdf").read_bytes()
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(whole[: len(whole) // 3])
    with pytest.raises(ExtractionRejected, match="损坏"):
        extract_file(broken, name="broken.pdf", limits=limits)


def test_a_500_page_pdf_is_cut_to_the_page_limit(made, settings, tmp_path):
    settings.PLANSITE_ATTACHMENT_MAX_PAGES = 12
    long = repeat_pdf_pages(made.path("twopage", "pdf"), tmp_path / "long.pdf", 500)
    result = run_extraction(long, name="long.pdf", limits=Limits.from_settings())
    assert result.page_count == 500
    assert [p.number for p in result.pages] == list(range(1, 13))
    assert result.truncated
    assert any("12" in w and "500" in w for w in result.warnings)
    assert result.text.count("乡村振兴重点任务") == 12
