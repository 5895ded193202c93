"""Which files of an import are attachments, and whose.

Three forms (docs/attachments.md):

- a page file with a folder of the same name beside it (page.html + page/):
  every file in the folder is an attachment of the page;
- a CSV or JSON-lines row whose 附件 / attachments column names the files
  (one or several, ";" or "|" apart or a JSON list; paths relative to the
  record file);
- an attachment file on its own (a lone .docx, .pdf, page image): a document
  whose text is its attachment's.

Files that are some page's or row's attachments are not imported again as
documents of their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings

from documents.attachments.ingest import AttachmentFile
from documents.attachments.kinds import is_attachment_name
from documents.ingest.extract.columns import DOCUMENT_SUFFIXES
from documents.ingest.pathtext import path_text, readable_name
from documents.ingest.records import RawRecord

_RECORD_SUFFIXES = (".csv", ".tsv", ".jsonl", ".ndjson")


def is_page_file(path: Path) -> bool:
    """A file whose text is a document's page (which may have a folder)."""
    return path.suffix.lower() in DOCUMENT_SUFFIXES


def is_attachment_file(path: Path) -> bool:
    """A file the importer reads as an attachment (by its name's suffix)."""
    return is_attachment_name(path.name)


def page_folder(page: Path) -> Path | None:
    """The folder of a page's attachments: page.html → page/, if there is one."""
    if not is_page_file(page):
        return None
    folder = page.with_suffix("")
    return folder if folder.is_dir() else None


def folder_files(folder: Path) -> list[Path]:
    """The files of an attachment folder, in a stable order (hidden ones not)."""
    found = []
    for child in sorted(folder.rglob("*")):
        relative = child.relative_to(folder)
        if child.is_file() and not any(p.startswith(".") for p in relative.parts):
            found.append(child)
    return found


@dataclass
class AttachmentPlan:
    """Each page's attachment files, and every file claimed as an attachment."""

    by_page: dict[Path, list[Path]] = field(default_factory=dict)
    claimed: set[Path] = field(default_factory=set)


def plan(files: Iterable[Path]) -> AttachmentPlan:
    """Find the pages with a folder of attachments among ``files``."""
    found = AttachmentPlan()
    for path in files:
        folder = page_folder(path)
        if folder is None:
            continue
        members = folder_files(folder)
        found.by_page[path.resolve()] = [m.resolve() for m in members]
        found.claimed |= {m.resolve() for m in members}
    return found


def claimed_by_rows(record_file: Path, names: Iterable[str]) -> set[Path]:
    """The files a record file's rows name (those found)."""
    found, _missing = resolve_names(names, record_file.parent)
    return {path.resolve() for path in found}


def resolve_names(names: Iterable[str], base: Path) -> tuple[list[Path], list[str]]:
    """The files named relative to ``base``, and the names not found (or refused:
    absolute paths and ".." would reach outside the folder)."""
    base = base.resolve()
    found: list[Path] = []
    missing: list[str] = []
    for name in names:
        relative = PurePosixPath(name.replace("\\", "/"))
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            missing.append(name)
            continue
        path = base.joinpath(*relative.parts)
        if path.is_file() and path.resolve().is_relative_to(base):
            found.append(path.resolve())
        else:
            missing.append(name)
    return list(dict.fromkeys(found)), missing


def record_attachments(
    record: RawRecord, *, base: Path, origin: str
) -> tuple[list[AttachmentFile], list[str]]:
    """The attachment files a row names (relative to ``base``), with notes on
    those not found."""
    found, missing = resolve_names(record.attachment_names, base)
    paths = [Path(p) for p in record.attachment_paths] + found
    files = [
        AttachmentFile(path, name=readable_name(path.name), origin=origin)
        for path in dict.fromkeys(paths)
    ]
    notes = [f"附件找不到，未导入：{name[:200]}" for name in missing]
    return files, notes


def folder_attachments(page: Path, paths: Iterable[Path]) -> list[AttachmentFile]:
    """A page folder's files as attachments, named by their path in the folder."""
    folder = page.with_suffix("").resolve()
    files = []
    for path in paths:
        try:
            name = path_text(path.relative_to(folder))
        except ValueError:
            name = readable_name(path.name)
        files.append(AttachmentFile(path, name=name, origin=path_text(path)))
    return files


# Enough of a record file to see whether it has an attachment column.
_HEAD_BYTES = 256 * 1024


def record_file_names(path: Path) -> list[str]:
    """The attachment names every row of a record file gives (for the plan).

    Only a file whose first rows have an attachment column is read whole.
    """
    from documents.ingest.decode import decode_bytes
    from documents.ingest.errors import RejectedInput
    from documents.ingest.extract.tabular import (
        attachment_names,
        csv_rows,
        jsonl_rows,
        table_roles,
    )
    from documents.ingest.read import read_source

    suffix = path.suffix.lower()
    if suffix not in _RECORD_SUFFIXES:
        return []

    def rows(text: str):  # noqa: ANN202
        if suffix in (".jsonl", ".ndjson"):
            return jsonl_rows(text)
        return csv_rows(text, delimiter="\t" if suffix == ".tsv" else None)

    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
        text = decode_bytes(head).text
        if len(head) == _HEAD_BYTES:  # The last line may be cut short.
            text = text[: text.rfind("\n") + 1]
        keys = table_roles(rows(text)).attachment_keys
        if not keys:
            return []
        data = read_source(path, max_bytes=settings.PLANSITE_MAX_RECORD_FILE_BYTES)
        names: list[str] = []
        for row in rows(decode_bytes(data).text):
            if row.data is not None:
                for key in keys:
                    names += attachment_names(row.data.get(key))
        return names
    except (OSError, RejectedInput):
        return []
