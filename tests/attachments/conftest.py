"""Attachment test fixtures: one set of real files per session (tests/attachments/makers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from documents.attachments.result import Limits
from tests.attachments.makers import MadeFiles, make_all


@pytest.fixture(scope="session")
def made(tmp_path_factory: pytest.TempPathFactory) -> MadeFiles:
    """DOCX, DOC, ODT, RTF, PDF of real corpus documents, a two-page PDF, XLSX/XLS."""
    return make_all(tmp_path_factory.mktemp("made"))


@pytest.fixture
def limits() -> Limits:
    return Limits(
        max_file_bytes=50 * 1024 * 1024,
        max_pages=300,
        max_document_bytes=100 * 1024 * 1024,
        timeout_seconds=60.0,
        memory_bytes=2 * 1024 * 1024 * 1024,
        max_text_chars=5 * 1024 * 1024,
        max_members=200,
        max_unpacked_bytes=200 * 1024 * 1024,
    )


def squash(text: str) -> str:
    """Text without any whitespace: converters re-wrap lines, characters stay."""
    return "".join(text.split())


@pytest.fixture
def work_dir(tmp_path: Path) -> Path:
    return tmp_path


def processes_using(needle: Path | str) -> list[str]:
    """Processes on this machine whose command line holds ``needle`` (a folder,
    a module name): what a kill should have left none of."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if str(needle) in cmdline:
            found.append(f"{proc.name}: {cmdline[:200]}")
    return found
