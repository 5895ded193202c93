"""Hostile office files: a corrupt DOCX, a DOCX bomb, LibreOffice overrunning its time.

The LibreOffice "hang" is a real conversion (a 30,000-paragraph RTF, ~5 s) given a
timeout far shorter than it needs; afterwards no process may still hold the
temporary folder it ran in, which shows the whole process group was killed.
"""

from __future__ import annotations

import tempfile
import zipfile
from dataclasses import replace

import pytest

from documents.attachments import sandbox
from documents.attachments.extract import extract_file
from documents.attachments.result import ExtractionRejected
from tests.attachments.conftest import processes_using
from tests.attachments.makers import slow_rtf

pytestmark = pytest.mark.converters


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """tempfile's folder inside tmp_path, to find what a converter left running."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_a_truncated_docx_is_rejected_as_corrupt(made, limits, tmp_path):
    whole = made.path("doc0", "docx").read_bytes()
    broken = tmp_path / "broken.docx"
    broken.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ExtractionRejected, match="DOCX 文件已损坏"):
        extract_file(broken, name="broken.docx", limits=limits)


def test_a_docx_with_broken_xml_is_rejected_as_corrupt(made, limits, tmp_path):
    broken = tmp_path / "bad.docx"
    with (
        zipfile.ZipFile(made.path("doc0", "docx")) as good,
        zipfile.ZipFile(broken, "w") as bad,
    ):
        for info in good.infolist():
            data = good.read(info)
            if info.filename == "word/document.xml":
                data = data[: len(data) // 2]
            bad.writestr(info, data)
    with pytest.raises(ExtractionRejected, match="DOCX 文件已损坏"):
        sandbox.run_extraction(broken, name="bad.docx", limits=limits)


def test_a_docx_that_unpacks_to_too_much_is_refused(made, limits, tmp_path):
    bomb = tmp_path / "bomb.docx"
    with (
        zipfile.ZipFile(made.path("doc0", "docx")) as good,
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as bad,
    ):
        for info in good.infolist():
            bad.writestr(info.filename, good.read(info))
        bad.writestr("word/media/padding.bin", b"\0" * (30 << 20))
    with pytest.raises(ExtractionRejected, match="压缩炸弹"):
        extract_file(
            bomb, name="bomb.docx", limits=replace(limits, max_unpacked_bytes=20 << 20)
        )


def test_libreoffice_overrunning_its_timeout_is_killed(limits, tmp_path, private_tmp):
    slow = slow_rtf(tmp_path / "slow.rtf")
    with pytest.raises(ExtractionRejected, match="LibreOffice 转换超时"):
        extract_file(slow, name="slow.rtf", limits=replace(limits, timeout_seconds=1.5))
    assert processes_using(private_tmp) == []


def test_the_sandbox_kills_the_child_and_libreoffice_at_the_wall_clock(
    limits, tmp_path, private_tmp, monkeypatch
):
    slow = slow_rtf(tmp_path / "slow.rtf")
    # LibreOffice's own timeout (30 s) would come too late: the wall clock, at 3 s,
    # kills the child's process group while soffice.bin is converting.
    monkeypatch.setattr(sandbox, "STARTUP_GRACE", -27.0)
    with pytest.raises(ExtractionRejected, match="提取超时"):
        sandbox.run_extraction(
            slow, name="slow.rtf", limits=replace(limits, timeout_seconds=30)
        )
    assert processes_using(private_tmp) == []
