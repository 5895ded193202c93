"""Stage 1: find source files and read their bytes within size limits."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from documents.ingest.errors import RejectedInput

# Names that are never documents: notes beside the data, VCS and OS debris.
_SKIP_NAMES = {"links.tsv", ".DS_Store", "Thumbs.db"}
# The notes a collection keeps beside its data (README.md, SOURCE.md, LICENSE.txt,
# CHANGELOG, NOTICE), whatever their case or extension.
_NOTE_STEMS = frozenset(
    {"README", "LICENSE", "LICENCE", "COPYING", "NOTICE", "CHANGELOG", "SOURCE"}
    | {"SOURCES", "AUTHORS", "CONTRIBUTING"}
)
_RECORD_SUFFIXES = {".jsonl", ".ndjson", ".csv", ".tsv"}


def iter_source_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Yield each file named, and every file under each folder, in a stable order."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and not _skipped(child, root=path):
                    yield child
        else:
            # A file named explicitly is always tried, so a typo is reported.
            yield path


def _skipped(path: Path, *, root: Path) -> bool:
    relative = path.relative_to(root)
    if any(part.startswith(".") for part in relative.parts):
        return True
    return path.name in _SKIP_NAMES or path.name.split(".")[0].upper() in _NOTE_STEMS


def is_record_file(path: Path) -> bool:
    """Files that hold many documents (JSON lines, CSV) get a larger size limit."""
    return path.suffix.lower() in _RECORD_SUFFIXES


def read_source(path: Path, *, max_bytes: int) -> bytes:
    """Read a file's bytes, rejecting missing, empty or oversized files."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise RejectedInput("文件不存在 (file not found)") from None
    except OSError as exc:
        raise RejectedInput(f"无法读取 (cannot stat): {exc.strerror}") from None
    if size == 0:
        raise RejectedInput("空文件 (empty file)")
    if size > max_bytes:
        raise RejectedInput(
            f"文件过大，不像单篇文档 (too big: {size} bytes > {max_bytes})"
        )
    try:
        return path.read_bytes()
    except OSError as exc:
        raise RejectedInput(f"无法读取 (cannot read): {exc.strerror}") from None
