"""The sandbox gives what extract_file gives, from a child process; bundles unpack."""

from __future__ import annotations

from pathlib import Path

import pytest

from documents.attachments.extract import extract_file
from documents.attachments.sandbox import run_extraction, unpack_bundle
from tests.attachments.makers import write_zip

pytestmark = pytest.mark.converters


@pytest.mark.parametrize(("stem", "suffix"), [("doc0", "docx"), ("twopage", "pdf")])
def test_run_extraction_equals_extract_file(made, limits, stem, suffix):
    path = made.path(stem, suffix)
    inside = extract_file(path, name=f"a.{suffix}", limits=limits)
    outside = run_extraction(path, name=f"a.{suffix}", limits=limits)
    assert outside == inside


def test_run_extraction_reads_the_limits_from_settings(made, settings):
    settings.PLANSITE_ATTACHMENT_MAX_PAGES = 1
    result = run_extraction(made.path("twopage", "pdf"), name="a.pdf")
    assert result.page_count == 2 and len(result.pages) == 1 and result.truncated


def test_a_bundle_unpacks_with_names_and_bytes(made, limits, tmp_path):
    docx = made.path("doc0", "docx")
    pdf = made.path("doc1", "pdf")
    inner = write_zip(tmp_path / "inner.zip", {"附件2.pdf": pdf})
    bundle = write_zip(
        tmp_path / "附件.zip",
        {"正文/附件1.docx": docx, "说明.zip": inner, "空目录/": b""},
        utf8_names=False,  # GBK names, as Chinese Windows writes them
    )
    members = unpack_bundle(
        bundle, name="附件.zip", out_dir=tmp_path / "out", limits=limits
    )
    by_name = {m.name: m for m in members}
    assert set(by_name) == {"正文/附件1.docx", "说明.zip/附件2.pdf"}
    for name, original in (("正文/附件1.docx", docx), ("说明.zip/附件2.pdf", pdf)):
        member = by_name[name]
        assert member.size == original.stat().st_size
        assert Path(member.path).read_bytes() == original.read_bytes()
        assert member.path.startswith(str(tmp_path / "out"))
    text = extract_file(
        by_name["正文/附件1.docx"].path, name="附件1.docx", limits=limits
    ).text
    assert text == made.texts["doc0"]
