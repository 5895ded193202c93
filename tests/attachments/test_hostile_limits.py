"""The per-file limits: bytes on disk, characters of text out (through the sandbox)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from documents.attachments.extract import extract_file
from documents.attachments.result import ExtractionRejected
from documents.attachments.sandbox import run_extraction
from tests.attachments.makers import Para, write_docx

pytestmark = pytest.mark.converters


def test_a_file_over_the_byte_limit_is_refused_unread(made, limits):
    path = made.path("doc0", "pdf")
    small = replace(limits, max_file_bytes=path.stat().st_size - 1)
    with pytest.raises(ExtractionRejected, match="文件超过"):
        extract_file(path, name="a.pdf", limits=small)
    with pytest.raises(ExtractionRejected, match="文件超过"):
        run_extraction(path, name="a.pdf", limits=small)


def test_a_document_of_too_much_text_is_cut_at_the_cap(limits, tmp_path):
    line = "各村（居）要按照全镇统一部署，切实做好农村生活污水处理设施运行维护工作。"
    big = write_docx(tmp_path / "big.docx", [Para(line) for _ in range(3000)])
    assert big.stat().st_size < 200_000  # 111,000 characters, compressed
    capped = replace(limits, max_text_chars=50_000)
    result = run_extraction(big, name="big.docx", limits=capped)
    assert len(result.text) == 50_000
    assert result.truncated
    assert any("50000" in w for w in result.warnings)
    assert result.text.startswith(line + "\n" + line)
