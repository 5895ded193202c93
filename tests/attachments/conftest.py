"""Attachment test fixtures: one set of real files per session (tests/attachments/makers.py)."""

from __future__ import annotations

import fcntl
import os
import pickle
from pathlib import Path

import pytest

from documents.attachments.result import Limits
from tests.attachments.makers import MadeFiles, make_all

# The pytest-xdist worker this process is ("gw0", …), or "" in a plain run.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


@pytest.fixture(scope="session")
def made(tmp_path_factory: pytest.TempPathFactory) -> MadeFiles:
    """DOCX, DOC, ODT, RTF, PDF of real corpus documents, a two-page PDF, XLSX/XLS.

    Made once per run: under pytest-xdist the first worker to need them makes them
    in the folder the workers share, the others wait and read the same files (each
    make_all is a dozen seconds of LibreOffice on both cores). Tests only read them.
    """
    if not WORKER:
        return make_all(tmp_path_factory.mktemp("made"))
    shared = tmp_path_factory.getbasetemp().parent
    with (shared / "made.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        saved = shared / "made.pickle"
        if saved.exists():
            return pickle.loads(saved.read_bytes())
        files = make_all(shared / "made")
        saved.write_bytes(pickle.dumps(files))
        return files


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
    a module name): what a kill should have left none of.

    Under pytest-xdist, only those started from this worker: they inherit its
    PYTEST_XDIST_WORKER (an orphan keeps it), while the other worker may be running
    the same module for its own tests at that moment.
    """
    mine = f"PYTEST_XDIST_WORKER={WORKER}".encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            if WORKER and mine not in (proc / "environ").read_bytes().split(b"\0"):
                continue
        except OSError:
            continue
        if str(needle) in cmdline:
            found.append(f"{proc.name}: {cmdline[:200]}")
    return found
