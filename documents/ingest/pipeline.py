"""The import pipeline end to end: files in, one report per document out."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from django.conf import settings

from documents import identity
from documents.attachments import ahead as read_ahead
from documents.attachments.ingest import (
    AttachmentFile,
    attachment_text,
    reuse_extraction,
)
from documents.attachments.ingest import digest as attachments_digest
from documents.attachments.ingest import fingerprint as attachment_fingerprint
from documents.attachments.ingest import prepare as prepare_attachments
from documents.attachments.ingest import write_rows as write_attachment_rows
from documents.ingest import attached
from documents.ingest.decode import decode_bytes
from documents.ingest.errors import RejectedInput
from documents.ingest.extract.tabular import has_chinese
from documents.ingest.fingerprint import bare_text
from documents.ingest.index_files import IndexFile, IndexRow, join_row, read_index
from documents.ingest.layouts import extract_records
from documents.ingest.pathtext import path_text, readable_name
from documents.ingest.read import is_record_file, iter_source_files, read_source
from documents.ingest.records import RawRecord
from documents.ingest.store import Outcome, known_unchanged, store_record
from documents.ingest.template import finish_body, source_key
from documents.ingest.template_store import (
    TemplateBook,
    pending_digest,
    relearn_templates,
)
from documents.ingest.web_archive import (
    CapturedPage,
    is_web_archive,
    read_web_archive,
)
from documents.ingest.with_attachments import (
    ATTACHMENT_LAYOUT,
    normalise_with_attachments,
)
from documents.models import SourcePath

logger = logging.getLogger(__name__)

# Bump when extraction changes, so unchanged files are parsed again once.
PIPELINE_VERSION = "15"
NO_ATTACHMENT_TEXT = (
    "附件中的中文文字太少，不是一份中文政府文件 "
    "(too little Chinese text in the attachment file for a document)"
)


@dataclass(frozen=True)
class ItemResult:
    """What happened to one document (or one file that yielded none)."""

    locator: str
    outcome: Outcome
    document_id: int | None = None
    reason: str = ""
    # The document's attachments read in this run, and "name: reason" for each
    # one that could not be (the document is stored all the same, flagged).
    attachments: int = 0
    attachment_problems: tuple[str, ...] = ()


@dataclass
class ImportSummary:
    results: list[ItemResult] = field(default_factory=list)
    # Stored documents whose body a newly learned source template changed.
    recleaned: list[int] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome is outcome)

    @property
    def attachments(self) -> int:
        """Attachments read in this run."""
        return sum(r.attachments for r in self.results)

    @property
    def attachment_problems(self) -> int:
        """Attachments that could not be read in this run."""
        return sum(len(r.attachment_problems) for r in self.results)

    @property
    def changed_ids(self) -> list[int]:
        """Documents whose index entry must be written."""
        return sorted(
            {
                r.document_id
                for r in self.results
                if r.document_id is not None
                and r.outcome in (Outcome.IMPORTED, Outcome.UPDATED)
            }
            | set(self.recleaned)
        )

    @property
    def unchanged_ids(self) -> list[int]:
        """Stored documents this run found as they were (their index may be behind)."""
        return sorted(
            {
                r.document_id
                for r in self.results
                if r.outcome is Outcome.UNCHANGED and r.document_id is not None
            }
        )

    @property
    def rejected(self) -> list[ItemResult]:
        return [r for r in self.results if r.outcome is Outcome.REJECTED]


def source_label(path: Path, root: Path) -> str:
    """A readable, portable name: the path from the imported folder's parent."""
    base = root.parent if root.is_dir() else root.parent
    try:
        return path_text(path.resolve().relative_to(base.resolve()))
    except ValueError:
        return path_text(path)


def import_paths(
    paths: Sequence[Path],
    *,
    on_result: Callable[[ItemResult], None] | None = None,
    on_file: Callable[[Path], None] | None = None,
) -> ImportSummary:
    """Import every file under ``paths``; a bad file is reported and the rest go on.

    Index files are read first, so that each text file they name is imported
    once, joined to its row, whether the folder or the index comes first.
    Each folder's documents are cleaned with their sources' stored templates;
    after the folder, the templates of sources with new documents are learned
    again and those sources' bodies cleaned again where the template changed.
    """
    summary = ImportSummary()

    def emit(results: Iterator[ItemResult]) -> None:
        for result in results:
            summary.results.append(result)
            if on_result is not None:
                on_result(result)

    per_root = [
        (root, [(path, source_label(path, root)) for path in iter_source_files([root])])
        for root in paths
    ]
    files = [item for _root, items in per_root for item in items]
    attachments = _plan_attachments(path for path, _label in files)
    labels = {path.resolve(): label for path, label in reversed(files)}
    indexes = _plan_indexes(path for path, _label in files)
    rows_by_file = _rows_by_file(indexes.values())
    # A file imported without its index (a folder below it) still joins its
    # row, so that it reads the same whichever way it was listed.
    listed = {path.resolve() for path, _label in files}
    nearby = _plan_indexes(_nearby_record_files(files, skip=listed))
    for target, row in _rows_by_file(nearby.values()).items():
        rows_by_file.setdefault(target, row)
    done: set[Path] = set()
    with read_ahead.reading_ahead(
        _planned_attachments(files, attachments),
        already_read=lambda sha256: reuse_extraction(sha256) is not None,
    ) as ahead:
        for root, items in per_root:
            source = _Source(path_text(root.resolve()), TemplateBook())
            for path, label in items:
                key = path.resolve()
                if ahead is not None:
                    ahead.reached(key)
                index = indexes.get(key)
                if index is not None:
                    emit(
                        _import_index(
                            index, label=label, labels=labels, done=done, source=source
                        )
                    )
                elif key in attachments.claimed:
                    pass  # A page's or a row's attachment, imported with it.
                elif key not in done:
                    done.add(key)
                    emit(
                        import_file(
                            path,
                            label=label,
                            index_row=rows_by_file.get(key),
                            root=source.root,
                            templates=source.templates,
                            attachments=attachments.by_page.get(key, ()),
                        )
                    )
                if on_file is not None:
                    on_file(path)
            summary.recleaned.extend(relearn_templates())
    return summary


def _planned_attachments(
    files: Sequence[tuple[Path, str]], plan: attached.AttachmentPlan
) -> list[read_ahead.Planned]:
    """The attachment files the import will read, in its order: each page's
    folder, and lone attachment files (a row's files are found only as its
    record file is read, and are not read ahead)."""
    planned: list[read_ahead.Planned] = []
    for path, _label in files:
        key = path.resolve()
        if key in plan.by_page:
            planned += [
                read_ahead.Planned(key, item.path.resolve(), item.name)
                for item in attached.folder_attachments(path, plan.by_page[key])
            ]
        elif (
            key not in plan.claimed
            and attached.is_attachment_file(path)
            and not is_record_file(path)
        ):
            planned.append(read_ahead.Planned(key, key, readable_name(path.name)))
    return planned


def _plan_attachments(paths: Iterable[Path]) -> attached.AttachmentPlan:
    """Pages with a folder of attachments; every file some page or row claims."""
    listed = list(paths)
    plan = attached.plan(listed)
    for path in listed:
        if is_record_file(path):
            names = attached.record_file_names(path)
            plan.claimed |= attached.claimed_by_rows(path, names)
    return plan


def _rows_by_file(indexes: Iterable[IndexFile]) -> dict[Path, IndexRow]:
    """Each text file named by an index and its row (the first row that names it)."""
    found: dict[Path, IndexRow] = {}
    for index in indexes:
        for row in index.rows:
            if row.target is not None:
                found.setdefault(row.target, row)
    return found


# How many folders up from a text file an index of it may sit (the folder of
# docs/<topic>/x.md and two above it).
_INDEX_LEVELS_UP = 3


def _nearby_record_files(
    files: list[tuple[Path, str]], *, skip: set[Path]
) -> Iterator[Path]:
    """Record files in the folders above the text files listed, not listed."""
    folders: set[Path] = set()
    for path, _label in files:
        if is_record_file(path):
            continue
        parent = path.resolve().parent
        for folder in [parent, *parent.parents][:_INDEX_LEVELS_UP]:
            folders.add(folder)
    for folder in sorted(folders):
        try:
            children = sorted(folder.iterdir()) if folder.is_dir() else []
        except OSError:
            continue
        for child in children:
            if (
                child.is_file()
                and is_record_file(child)
                and child.resolve() not in skip
            ):
                yield child


def _plan_indexes(paths: Iterable[Path]) -> dict[Path, IndexFile]:
    """The record files among ``paths`` that are indexes of text files."""
    indexes: dict[Path, IndexFile] = {}
    for path in paths:
        if not is_record_file(path) or path.resolve() in indexes:
            continue
        try:
            index = read_index(path, max_bytes=settings.PLANSITE_MAX_RECORD_FILE_BYTES)
        except RejectedInput:
            continue  # Imported as a record file, which reports the reason.
        if index is not None:
            indexes[path.resolve()] = index
    return indexes


@dataclass(frozen=True)
class _Source:
    """The imported folder and the templates its documents are cleaned with."""

    root: str
    templates: TemplateBook


def _import_index(
    index: IndexFile,
    *,
    label: str,
    labels: dict[Path, str],
    done: set[Path],
    source: _Source,
) -> Iterator[ItemResult]:
    """Each row's file, joined to the row; rows whose file is missing reported."""
    locator = path_text(index.path.resolve())
    first_row: dict[Path, str] = {}
    for row in index.rows:
        if row.target is None:
            yield ItemResult(locator + row.suffix, Outcome.REJECTED, reason=row.error)
            continue
        if row.target in first_row:
            yield ItemResult(
                locator + row.suffix,
                Outcome.REJECTED,
                reason=f"与第{first_row[row.target]}行指向同一文件，未重复导入 "
                "(same file as an earlier row)",
            )
            continue
        first_row[row.target] = row.suffix[2:]
        if row.target in done:
            continue
        done.add(row.target)
        target_label = labels.get(row.target) or source_label(
            row.target, index.path.parent
        )
        yield from import_file(
            row.target,
            label=target_label,
            index_row=row,
            root=source.root,
            templates=source.templates,
            attachments=_folder_of(row.target),
        )


def count_files(paths: Sequence[Path]) -> int:
    """How many files an import of ``paths`` will read (for a progress bar)."""
    return sum(1 for _ in iter_source_files(paths))


def import_file(
    path: Path,
    *,
    label: str,
    index_row: IndexRow | None = None,
    root: str = "",
    templates: TemplateBook | None = None,
    attachments: Sequence[Path] | None = None,
) -> Iterator[ItemResult]:
    """Import one file, which may hold one document or many.

    ``index_row`` is the row of an index file that names this file: its
    metadata joins the file's, and a change to either reads the file again.
    ``root`` is the imported folder (the source of documents without a URL).
    ``attachments`` are the files of the page's folder (page.html + page/;
    found here when not given). An attachment file (a lone .docx, .pdf or page
    image) is a document of its own, whose text is its attachment's.
    """
    templates = templates if templates is not None else TemplateBook()
    root = root or path_text(path.resolve().parent)
    # The locator is stored and printed: valid text, the same on every run.
    locator = path_text(path.resolve())
    if is_web_archive(path):
        yield from import_archive(path, root=root, templates=templates)
        return
    if attached.is_attachment_file(path) and not is_record_file(path):
        yield _import_standalone(path, locator=locator, label=label, root=root)
        return
    if attachments is None:
        attachments = _folder_of(path)
    page_files = attached.folder_attachments(path, attachments)
    row_files: list[AttachmentFile] = []
    row_notes: list[str] = []
    if index_row is not None and index_row.record is not None:
        row_files, row_notes = attached.record_attachments(
            index_row.record, base=path.parent, origin=locator
        )
    limit = (
        settings.PLANSITE_MAX_RECORD_FILE_BYTES
        if is_record_file(path)
        else settings.PLANSITE_MAX_DOCUMENT_BYTES
    )
    try:
        data = read_source(path, max_bytes=limit)
        file_hash = _hash(data, index_row, files=[*page_files, *row_files])
        unchanged_id = known_unchanged(locator, file_hash)
        if unchanged_id is not None:
            yield ItemResult(locator, Outcome.UNCHANGED, unchanged_id)
            return
        decoded = decode_bytes(data)
        outcomes = list(extract_records(decoded.text, filename=path_text(path.name)))
        if index_row is not None:
            for outcome in outcomes:
                if outcome.record is not None:
                    join_row(outcome.record, index_row)
    except RejectedInput as exc:
        yield ItemResult(locator, Outcome.REJECTED, reason=exc.reason)
        return
    except Exception as exc:  # A parser bug must not stop the whole import.
        logger.exception("unexpected error reading %s", locator)
        yield ItemResult(
            locator, Outcome.REJECTED, reason=f"内部错误 ({type(exc).__name__}): {exc}"
        )
        return
    if not outcomes:
        yield ItemResult(
            locator, Outcome.REJECTED, reason="文件中没有记录 (no records)"
        )
        return
    multi = len(outcomes) > 1 or bool(outcomes[0].suffix)
    for outcome in outcomes:
        item_locator = locator + outcome.suffix
        if outcome.error or outcome.record is None:
            yield ItemResult(item_locator, Outcome.REJECTED, reason=outcome.error or "")
            continue
        size = len(outcome.record.original.encode("utf-8")) if multi else 0
        if size > settings.PLANSITE_MAX_DOCUMENT_BYTES:
            # A record file may be large; one record in it is still one document.
            yield ItemResult(
                item_locator,
                Outcome.REJECTED,
                reason=f"记录过大，不像单篇文档 (too big: {size} bytes > "
                f"{settings.PLANSITE_MAX_DOCUMENT_BYTES})",
            )
            continue
        files = [*page_files, *row_files]
        notes = list(row_notes)
        if multi and is_record_file(path):
            # A row's own attachment column, relative to the record file.
            own, own_notes = attached.record_attachments(
                outcome.record, base=path.parent, origin=item_locator
            )
            files += own
            notes += own_notes
        outcome.record.notes += notes
        item_hash = (
            _hash(outcome.record.original.encode("utf-8"), files=files)
            if multi
            else file_hash
        )
        yield _import_record(
            outcome.record,
            locator=item_locator,
            file_hash=item_hash,
            label=label + outcome.suffix,
            encoding=decoded.encoding,
            warnings=decoded.warnings,
            root=root,
            templates=templates,
            attachments=files,
        )


def _import_record(
    record: RawRecord,
    *,
    locator: str,
    file_hash: str,
    label: str,
    encoding: str,
    warnings: list[str],
    root: str,
    templates: TemplateBook,
    attachments: Sequence[AttachmentFile] = (),
) -> ItemResult:
    try:
        unchanged_id = known_unchanged(locator, file_hash)
        if unchanged_id is not None:
            return ItemResult(locator, Outcome.UNCHANGED, unchanged_id)
        # Stored and read before the document's transaction: no lock waits
        # for a converter.
        prepared = prepare_attachments(attachments) if attachments else []
        if record.layout == ATTACHMENT_LAYOUT and not _reads_as_document(
            attachment_text(prepared)
        ):
            # A lone file is a document only through its text, a Chinese one.
            reasons = [f.error for item in prepared for f in item.flat() if f.error]
            return ItemResult(
                locator,
                Outcome.REJECTED,
                reason=reasons[0] if reasons else NO_ATTACHMENT_TEXT,
            )
        normalised = normalise_with_attachments(
            record, prepared, encoding=encoding, warnings=warnings
        )
        # The template stage comes after the fields are read, so that they do
        # not depend on which template a source had when the file came in.
        source = source_key(source_url=normalised.source_url, root=root)
        template = templates.get(source)
        normalised.body, zones = finish_body(
            normalised.body, title=normalised.title, template=template
        )
        written: list[int] = []
        extra = {
            "template_source": source,
            # "" until the source's template is learned again.
            "template_digest": pending_digest(
                locator=locator, source=source, zones=zones, template=template
            ),
            "template_zones": zones,
        }
        if prepared:
            extra.update(
                attachment_fingerprint(
                    body=normalised.body, title=normalised.title, prepared=prepared
                )
            )
        outcome, document_id = store_record(
            normalised,
            locator=locator,
            file_hash=file_hash,
            source_file=label,
            extra=extra,
            on_stored=(
                (lambda pk: written.extend(write_attachment_rows(pk, prepared)))
                if prepared
                else None
            ),
            captured_at=record.captured_at,
        )
        if written and outcome is Outcome.UNCHANGED:
            # The same document from another source with attachments: its
            # rows are written all the same, and its index entry follows.
            outcome = Outcome.UPDATED
        read = [found for item in prepared for found in item.flat()]
        return ItemResult(
            locator,
            outcome,
            document_id,
            attachments=len(read),
            attachment_problems=tuple(
                f"{found.member_path or found.name}: {found.error}"
                for found in read
                if found.error
            ),
        )
    except RejectedInput as exc:
        return ItemResult(locator, Outcome.REJECTED, reason=exc.reason)
    except Exception as exc:  # One bad record must not stop the file or the import.
        logger.exception("unexpected error importing %s", locator)
        return ItemResult(
            locator, Outcome.REJECTED, reason=f"内部错误 ({type(exc).__name__}): {exc}"
        )


def _reads_as_document(text: str) -> bool:
    """A lone file's text is a document's: Chinese, and as much of it as a body
    needs to say who it is (a banner or logo beside the pages, which OCR reads
    a name off, is not)."""
    return has_chinese(text) and len(bare_text(text)) >= identity.MIN_BARE


def _hash(
    data: bytes,
    index_row: IndexRow | None = None,
    *,
    files: Sequence[AttachmentFile] = (),
) -> str:
    digest = hashlib.sha256(PIPELINE_VERSION.encode() + b"\0" + data)
    if index_row is not None and index_row.record is not None:
        digest.update(b"\0" + index_row.record.original.encode("utf-8"))
    if files:
        # A changed or added attachment reads the page again.
        digest.update(b"\0attachments\0" + attachments_digest(files).encode())
    return digest.hexdigest()


def _folder_of(page: Path) -> list[Path]:
    """The files of a page's attachment folder (page.html + page/), if any."""
    folder = attached.page_folder(page)
    if folder is None:
        return []
    return [p.resolve() for p in attached.folder_files(folder)]


def _import_standalone(
    path: Path, *, locator: str, label: str, root: str
) -> ItemResult:
    """A lone attachment file is a document: an empty body, the text in its
    Attachment row, metadata from that text, identity from its text (or, with
    none, its bytes)."""
    name = readable_name(path.name)
    files = [AttachmentFile(path, name=name, origin=locator)]
    try:
        file_hash = _hash(b"attachment", files=files)
    except OSError as exc:
        return ItemResult(
            locator, Outcome.REJECTED, reason=f"无法读取 (cannot read): {exc}"
        )
    unchanged_id = known_unchanged(locator, file_hash)
    if unchanged_id is not None:
        return ItemResult(locator, Outcome.UNCHANGED, unchanged_id)
    record = RawRecord(original="", layout=ATTACHMENT_LAYOUT, body="")
    return _import_record(
        record,
        locator=locator,
        file_hash=file_hash,
        label=label,
        encoding="",
        warnings=[],
        root=root,
        templates=TemplateBook(),
        attachments=files,
    )


def import_archive(
    path: Path | Sequence[Path],
    *,
    urls: Collection[str] | None = None,
    root: str = "",
    templates: TemplateBook | None = None,
) -> Iterator[ItemResult]:
    """Each page a web archive captured, as an HTML file is imported; its
    locator is its URL, so that a later capture updates the same document."""
    templates = templates if templates is not None else TemplateBook()
    items = 0
    for item in read_web_archive(path, urls=urls):
        items += 1
        if isinstance(item, CapturedPage):
            yield from _import_captured(item, root=root, templates=templates)
            continue
        if item.revisit:
            # Captured again, unchanged: the earlier capture's document stands.
            known = (
                SourcePath.objects.filter(locator=item.locator)
                .values_list("document_id", flat=True)
                .first()
            )
            if known is not None:
                yield ItemResult(item.locator, Outcome.UNCHANGED, known)
                continue
        yield ItemResult(item.locator, Outcome.REJECTED, reason=item.reason)
    if not items and urls is None:
        first = path if isinstance(path, Path) else Path(path[0])
        yield ItemResult(
            path_text(first.resolve()),
            Outcome.REJECTED,
            reason="档案中没有文档网页 (no document pages in the web archive)",
        )


def _import_captured(
    page: CapturedPage, *, root: str, templates: TemplateBook
) -> Iterator[ItemResult]:
    locator = page.url
    if not page.body and page.attachments:
        yield _import_captured_file(page, root=root)
        return
    name = PurePosixPath(urlsplit(page.url).path).name
    if not name.lower().endswith((".html", ".htm", ".shtml")):
        name = "page.html"
    try:
        file_hash = _hash(page.body, files=page.attachments)
        unchanged_id = known_unchanged(locator, file_hash)
        if unchanged_id is not None:
            yield ItemResult(locator, Outcome.UNCHANGED, unchanged_id)
            return
        decoded = decode_bytes(page.body)
        outcomes = list(extract_records(decoded.text, filename=name))
    except RejectedInput as exc:
        yield ItemResult(locator, Outcome.REJECTED, reason=exc.reason)
        return
    except Exception as exc:  # A parser bug must not stop the archive.
        logger.exception("unexpected error reading %s", locator)
        yield ItemResult(
            locator, Outcome.REJECTED, reason=f"内部错误 ({type(exc).__name__}): {exc}"
        )
        return
    if not outcomes:
        yield ItemResult(
            locator, Outcome.REJECTED, reason="页面中没有记录 (no records)"
        )
    for outcome in outcomes:
        item_locator = locator + outcome.suffix
        if outcome.error or outcome.record is None:
            yield ItemResult(item_locator, Outcome.REJECTED, reason=outcome.error or "")
            continue
        record = outcome.record
        # The URL it was captured from, unless the page states its own.
        if not record.fields.get("source_url"):
            record.offer("source_url", page.url, label="WARC-Target-URI", rank=1000)
        record.captured_at = page.captured_at
        record.notes += [
            f"附件未能取出：{problem}" for problem in page.attachment_problems
        ]
        yield _import_record(
            record,
            locator=item_locator,
            file_hash=file_hash,
            label=page.source_file,
            encoding=decoded.encoding,
            warnings=decoded.warnings,
            root=root,
            templates=templates,
            attachments=page.attachments,
        )


def _import_captured_file(page: CapturedPage, *, root: str) -> ItemResult:
    """A captured file no page links to: a document whose text is its
    attachment's, as a lone file is (_import_standalone)."""
    try:
        file_hash = _hash(b"attachment", files=page.attachments)
    except OSError as exc:
        return ItemResult(
            page.url, Outcome.REJECTED, reason=f"无法读取 (cannot read): {exc}"
        )
    unchanged_id = known_unchanged(page.url, file_hash)
    if unchanged_id is not None:
        return ItemResult(page.url, Outcome.UNCHANGED, unchanged_id)
    record = RawRecord(original="", layout=ATTACHMENT_LAYOUT, body="")
    record.offer("source_url", page.url, label="WARC-Target-URI")
    record.captured_at = page.captured_at
    return _import_record(
        record,
        locator=page.url,
        file_hash=file_hash,
        label=page.source_file,
        encoding="",
        warnings=[],
        root=root,
        templates=TemplateBook(),
        attachments=page.attachments,
    )
