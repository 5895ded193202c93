"""Index files: a CSV (or JSON lines) whose rows name the text file of each
document. A row is metadata joined to its file, so the pair is one document."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from documents.ingest.dates import find_date
from documents.ingest.decode import decode_bytes
from documents.ingest.errors import RejectedInput
from documents.ingest.extract.columns import DOCUMENT_SUFFIXES
from documents.ingest.extract.tabular import (
    Row,
    TableRoles,
    csv_rows,
    jsonl_rows,
    record_from_row,
    table_roles,
)
from documents.ingest.pathtext import path_text, readable_name
from documents.ingest.read import read_source
from documents.ingest.records import RawRecord

# Enough of a record file to tell an index from a file of bodies.
_HEAD_BYTES = 256 * 1024
# A shortened name must keep at least this much of the full one to match it.
_MIN_PREFIX = 8
_NO_VALUE = {"", "-", "—", "/", "无", "暂无"}


@dataclass(frozen=True)
class IndexRow:
    """One row of an index: its metadata and the file it names (None if lost)."""

    index_name: str
    suffix: str
    record: RawRecord | None
    reference: str
    target: Path | None
    how: str = ""
    error: str = ""


@dataclass
class IndexFile:
    path: Path
    rows: list[IndexRow] = field(default_factory=list)


def _rows(text: str, path: Path) -> Iterator[Row]:
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        return jsonl_rows(text)
    return csv_rows(text, delimiter="\t" if path.suffix.lower() == ".tsv" else None)


def _roles(path: Path) -> TableRoles | None:
    """The roles of the file's keys when it is an index, else None."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES + 1)
        truncated = len(head) > _HEAD_BYTES
        text = decode_bytes(head[:_HEAD_BYTES]).text
        if truncated:  # The last line may be cut short.
            text = text[: text.rfind("\n") + 1]
        roles = table_roles(_rows(text, path))
    except (OSError, RejectedInput):
        return None
    return roles if roles.is_index else None


def read_index(path: Path, *, max_bytes: int) -> IndexFile | None:
    """Read an index file and find each row's text file; None if not an index."""
    roles = _roles(path)
    if roles is None:
        return None
    text = decode_bytes(read_source(path, max_bytes=max_bytes)).text
    reference = roles.columns.reference or ""
    resolver = _Resolver(path.parent)
    index = IndexFile(path)
    index_name = path_text(path.name)  # Quoted in review notes.
    layout = "jsonl" if path.suffix.lower() in (".jsonl", ".ndjson") else "csv"
    for row in _rows(text, path):
        if row.data is None:
            index.rows.append(
                IndexRow(index_name, row.suffix, None, "", None, error=row.error or "")
            )
            continue
        value = str(row.data.get(reference) or "").strip()
        outcome = record_from_row(
            row.data,
            roles=roles,
            original=row.original,
            layout=layout,
            suffix=row.suffix,
            require_body=False,
        )
        if outcome.record is not None and outcome.record.attachment_names:
            _resolve_attachments(outcome.record, path.parent)
        target, how = resolver.resolve(value) if value else (None, "")
        line = row.suffix[2:]
        if target is not None:
            error = ""
        elif value:
            error = f"索引表第{line}行所指文件找不到 (file not found)：{value[:120]}"
        else:
            error = f"索引表第{line}行没有文件路径 (no file path)"
        index.rows.append(
            IndexRow(index_name, row.suffix, outcome.record, value, target, how, error)
        )
    return index


def _resolve_attachments(record: RawRecord, base: Path) -> None:
    """A row's attachment names, found relative to the index (notes for the rest)."""
    from documents.ingest.attached import resolve_names

    found, missing = resolve_names(record.attachment_names, base)
    record.attachment_paths += [str(p) for p in found]
    record.attachment_names = []
    record.notes += [f"附件找不到，未导入：{name[:200]}" for name in missing]


class _Resolver:
    """Find the file a row names, though the path may be cut short or respelt.

    Exact first; then, among the files of the named folder (or of the whole
    tree), a name equal once normalised, then a unique name that one of the two
    begins with (sources cut long names short, on either side).
    """

    def __init__(self, base: Path) -> None:
        self.base = base.resolve()
        self._tree: list[Path] | None = None

    def resolve(self, value: str) -> tuple[Path | None, str]:
        relative = PurePosixPath(value.replace("\\", "/").lstrip("/"))
        if ".." in relative.parts or not relative.parts:
            return None, ""
        for base in (self.base, self.base.parent):
            exact = base.joinpath(*relative.parts)
            if exact.is_file():
                return exact.resolve(), ""
        folder = self.base.joinpath(*relative.parts[:-1])
        pools = [self._files_in(folder), self.tree]
        wanted = _name_key(relative.name)
        for pool in pools:
            same = [p for p in pool if _name_key(p.name) == wanted]
            if len(same) == 1:
                return same[0], "文件名规范化后相同"
            prefix = _prefix_matches(pool, wanted)
            if len(prefix) == 1:
                return prefix[0], "文件名被截短，按前缀匹配"
            if same or prefix:
                return None, ""  # Ambiguous: report rather than guess.
        return None, ""

    def _files_in(self, folder: Path) -> list[Path]:
        if not folder.is_dir() or not folder.resolve().is_relative_to(self.base):
            return []
        return [p.resolve() for p in sorted(folder.iterdir()) if _is_text(p)]

    @property
    def tree(self) -> list[Path]:
        if self._tree is None:
            self._tree = [
                p.resolve() for p in sorted(self.base.rglob("*")) if _is_text(p)
            ]
        return self._tree


def _is_text(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in DOCUMENT_SUFFIXES


def _name_key(name: str) -> str:
    """A file name as compared: NFKC, no suffix, no spaces or punctuation.

    A name on disk that is GBK bytes compares as the text a row spells.
    """
    name = unicodedata.normalize("NFKC", readable_name(name))
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return re.sub(r"[\s\W_]", "", stem).casefold()


def _prefix_matches(pool: list[Path], wanted: str) -> list[Path]:
    found = []
    for path in pool:
        key = _name_key(path.name)
        short, full = sorted((key, wanted), key=len)
        if len(short) >= _MIN_PREFIX and full.startswith(short):
            found.append(path)
    return found


# --- joining a row to its file's record -------------------------------------


def join_row(record: RawRecord, row: IndexRow) -> None:
    """Add the row's metadata to the record read from its file.

    Both are labelled sources. The file's own value is kept where it has one;
    the row fills the fields the file lacks, and a disagreement is noted.
    """
    if row.record is None:
        return
    index_name = row.index_name
    source = f"索引表 {index_name} 第{row.suffix[2:]}行"
    conflicts: list[str] = []
    for name, value in row.record.fields.items():
        if value.strip() in _NO_VALUE:
            continue
        mine = record.fields.get(name, "")
        if mine.strip() in _NO_VALUE:
            record.fields.pop(name, None)
            record.offer(
                name,
                value,
                label=f"{row.record.labels.get(name, name)}（{index_name}）",
                rank=row.record.ranks.get(name, 0),
            )
            if name in row.record.positional:
                record.positional.add(name)
        elif not _agree(name, mine, value):
            conflicts.append(f"{row.record.labels.get(name, name)}“{value[:60]}”")
    for level, value in row.record.region_names.items():
        record.region_names.setdefault(level, value)
    record.attachment_paths += row.record.attachment_paths
    record.notes += [n for n in row.record.notes if n.startswith("附件找不到")]
    record.notes.append(f"元数据另见{source}")
    if row.how:
        record.notes.append(f"{source}的路径“{row.reference[:120]}”：{row.how}")
    for conflict in conflicts:
        record.notes.append(f"{source}的{conflict}与文件不同，采用文件中的值")


def _agree(name: str, a: str, b: str) -> bool:
    if name in ("doc_date", "publish_date"):
        da, db = find_date(a), find_date(b)
        if da is not None and db is not None:
            return da.date == db.date
    return re.sub(r"\s", "", a) == re.sub(r"\s", "", b)
