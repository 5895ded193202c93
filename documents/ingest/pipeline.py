"""The import pipeline end to end: files in, one report per document out."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from documents.ingest.decode import decode_bytes
from documents.ingest.errors import RejectedInput
from documents.ingest.layouts import extract_records
from documents.ingest.normalise import normalise
from documents.ingest.read import is_record_file, iter_source_files, read_source
from documents.ingest.records import RawRecord
from documents.ingest.store import Outcome, known_unchanged, store_record
from documents.ingest.template import finish_body, source_key
from documents.ingest.template_store import (
    TemplateBook,
    pending_digest,
    relearn_templates,
)

logger = logging.getLogger(__name__)

# Bump when extraction changes, so unchanged files are parsed again once.
PIPELINE_VERSION = "13"


@dataclass(frozen=True)
class ItemResult:
    """What happened to one document (or one file that yielded none)."""

    locator: str
    outcome: Outcome
    document_id: int | None = None
    reason: str = ""


@dataclass
class ImportSummary:
    results: list[ItemResult] = field(default_factory=list)
    # Stored documents whose body a newly learned source template changed.
    recleaned: list[int] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome is outcome)

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
    def rejected(self) -> list[ItemResult]:
        return [r for r in self.results if r.outcome is Outcome.REJECTED]


def source_label(path: Path, root: Path) -> str:
    """A readable, portable name: the path from the imported folder's parent."""
    base = root.parent if root.is_dir() else root.parent
    try:
        return str(path.resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)


def import_paths(
    paths: Sequence[Path],
    *,
    on_result: Callable[[ItemResult], None] | None = None,
    on_file: Callable[[Path], None] | None = None,
) -> ImportSummary:
    """Import every file under ``paths``; a bad file is reported and the rest go on.

    Each folder's documents are cleaned with their sources' stored templates;
    after the folder, the templates of sources with new documents are learned
    again and those sources' bodies cleaned again where the template changed.
    """
    summary = ImportSummary()
    for root in paths:
        templates = TemplateBook()
        for path in iter_source_files([root]):
            for result in import_file(
                path,
                label=source_label(path, root),
                root=str(root.resolve()),
                templates=templates,
            ):
                summary.results.append(result)
                if on_result is not None:
                    on_result(result)
            if on_file is not None:
                on_file(path)
        summary.recleaned.extend(relearn_templates())
    return summary


def count_files(paths: Sequence[Path]) -> int:
    """How many files an import of ``paths`` will read (for a progress bar)."""
    return sum(1 for _ in iter_source_files(paths))


def import_file(
    path: Path,
    *,
    label: str,
    root: str = "",
    templates: TemplateBook | None = None,
) -> Iterator[ItemResult]:
    """Import one file, which may hold one document or many.

    ``root`` is the imported folder (the source of documents without a URL).
    """
    templates = templates if templates is not None else TemplateBook()
    root = root or str(path.resolve().parent)
    locator = str(path.resolve())
    limit = (
        settings.PLANSITE_MAX_RECORD_FILE_BYTES
        if is_record_file(path)
        else settings.PLANSITE_MAX_DOCUMENT_BYTES
    )
    try:
        data = read_source(path, max_bytes=limit)
        file_hash = _hash(data)
        unchanged_id = known_unchanged(locator, file_hash)
        if unchanged_id is not None:
            yield ItemResult(locator, Outcome.UNCHANGED, unchanged_id)
            return
        decoded = decode_bytes(data)
        outcomes = list(extract_records(decoded.text, filename=path.name))
    except RejectedInput as exc:
        yield ItemResult(locator, Outcome.REJECTED, reason=exc.reason)
        return
    except Exception as exc:  # A parser bug must not stop the whole import.
        logger.exception("unexpected error reading %s", path)
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
        item_hash = (
            _hash(outcome.record.original.encode("utf-8")) if multi else file_hash
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
) -> ItemResult:
    try:
        unchanged_id = known_unchanged(locator, file_hash)
        if unchanged_id is not None:
            return ItemResult(locator, Outcome.UNCHANGED, unchanged_id)
        normalised = normalise(record, encoding=encoding, warnings=warnings)
        # The template stage comes after the fields are read, so that they do
        # not depend on which template a source had when the file came in.
        source = source_key(source_url=normalised.source_url, root=root)
        template = templates.get(source)
        normalised.body, zones = finish_body(
            normalised.body, title=normalised.title, template=template
        )
        outcome, document_id = store_record(
            normalised,
            locator=locator,
            file_hash=file_hash,
            source_file=label,
            extra={
                "template_source": source,
                # "" until the source's template is learned again.
                "template_digest": pending_digest(
                    locator=locator, source=source, zones=zones, template=template
                ),
                "template_zones": zones,
            },
        )
        return ItemResult(locator, outcome, document_id)
    except RejectedInput as exc:
        return ItemResult(locator, Outcome.REJECTED, reason=exc.reason)
    except Exception as exc:  # One bad record must not stop the file or the import.
        logger.exception("unexpected error importing %s", locator)
        return ItemResult(
            locator, Outcome.REJECTED, reason=f"内部错误 ({type(exc).__name__}): {exc}"
        )


def _hash(data: bytes) -> str:
    return hashlib.sha256(PIPELINE_VERSION.encode() + b"\0" + data).hexdigest()
