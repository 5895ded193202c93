"""Keep each source's learned template and the bodies it cleaned up to date."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from documents.ingest.fingerprint import content_hash, text_key
from documents.ingest.template import (
    EMPTY,
    Template,
    kept_lines,
    learn,
    reclean,
    source_parts,
    zone_keys,
)
from documents.models import Document, SourcePath, SourceTemplate

logger = logging.getLogger(__name__)

_CHUNK = 2000
# Documents whose template is only recorded, per UPDATE (SQLite's parameter cap).
_BATCH = 500
# Bodies cleaned again per transaction.
_RECUT_BATCH = 200


class TemplateBook:
    """The stored template of each source, read once per import."""

    def __init__(self) -> None:
        self._cache: dict[str, Template] = {}

    def get(self, source_key: str) -> Template:
        """The template of a document's source key: the union of its parts'."""
        if source_key not in self._cache:
            self._cache[source_key] = _stored(source_parts(source_key))
        return self._cache[source_key]


def _stored(parts: list[str]) -> Template:
    lines: set[str] = set()
    for stored in SourceTemplate.objects.filter(source_key__in=parts).values_list(
        "lines", flat=True
    ):
        lines.update(stored or [])
    return Template(frozenset(lines)) if lines else EMPTY


def pending_digest(
    *, locator: str, source: str, zones: dict, template: Template
) -> str:
    """The digest to store with a document read again: "" (learn the source
    again) unless it was stored from this source with these very zones and
    this template, so that it can change nothing the source learns."""
    stored = (
        SourcePath.objects.filter(locator=locator)
        .values_list(
            "document__template_source",
            "document__template_digest",
            "document__template_zones",
        )
        .first()
    )
    if stored == (source, template.digest, zones):
        return template.digest
    return ""


def relearn_templates() -> list[int]:
    """Learn again the template of every source that has documents stored since
    it was last learned (template_digest ""), then clean again each document
    whose source key names one of them. Returns the ids of changed bodies.

    A document's key names its host and its folder; each part is learned from
    all the documents whose key names it, and a document is cleaned with the
    union of its parts' templates. Only the zones column is read; a kill at any
    point leaves a "" document behind, so the next run finishes the work.
    """
    keys = set(
        Document.objects.exclude(template_source="")
        .values_list("template_source", flat=True)
        .distinct()
    )
    pending = set(
        Document.objects.filter(template_digest="")
        .exclude(template_source="")
        .values_list("template_source", flat=True)
        .distinct()
    )
    parts = {part for key in pending for part in source_parts(key)}
    if not parts:
        return []
    learned = {part: _learn(part, keys) for part in sorted(parts)}
    # Keys without new documents first: until those with new ones are done, a
    # "" document is left for a rerun after a kill to find.
    affected = sorted(
        (key for key in keys if parts & set(source_parts(key))),
        key=lambda key: (key in pending, key),
    )
    changed: list[int] = []
    for key in affected:
        template = _union(key, learned)
        documents = Document.objects.filter(template_source=key)
        older = documents.exclude(template_digest__in=["", template.digest])
        for query in (older, documents.filter(template_digest="")):
            changed.extend(_clean_again(query, template))
    if changed:
        logger.info("source templates learned again: %d bodies cleaned", len(changed))
    return changed


def _learn(part: str, keys: set[str]) -> Template:
    """Learn one source from every document whose key names it."""
    named = sorted(key for key in keys if part in source_parts(key))
    template, total = learn(
        zone_keys((z or {}).get("head", []), (z or {}).get("tail", []))
        for z in _zones(named)
    )
    SourceTemplate.objects.update_or_create(
        source_key=part,
        defaults={
            "lines": sorted(template.lines),
            "digest": template.digest,
            "documents": total,
        },
    )
    return template


def _zones(keys: list[str]) -> Iterator[dict | None]:
    # A folder may name many hosts: stay under SQLite's parameter cap.
    for offset in range(0, len(keys), _BATCH):
        yield from (
            Document.objects.filter(template_source__in=keys[offset : offset + _BATCH])
            .values_list("template_zones", flat=True)
            .iterator(_CHUNK)
        )


def _union(key: str, learned: dict[str, Template]) -> Template:
    parts = source_parts(key)
    stored = _stored([part for part in parts if part not in learned])
    lines = set(stored.lines)
    for part in parts:
        if part in learned:
            lines.update(learned[part].lines)
    return Template(frozenset(lines)) if lines else EMPTY


def _clean_again(query: QuerySet[Document], template: Template) -> list[int]:
    """Bring these documents to ``template``; the ids of the changed bodies.

    The zones say which lines the template keeps, without reading the bodies:
    where it keeps what the body holds, only the digest is written.
    """
    confirm: list[int] = []
    recut: list[int] = []
    rows = query.values_list("pk", "title", "template_zones").iterator(_CHUNK)
    for pk, title, zones in rows:
        kept = kept_lines(zones or {}, title=title, template=template)
        (confirm if (zones or {}).get("kept") == kept else recut).append(pk)
    changed: list[int] = []
    for offset in range(0, len(recut), _RECUT_BATCH):
        changed.extend(_reclean_batch(recut[offset : offset + _RECUT_BATCH], template))
    for offset in range(0, len(confirm), _BATCH):
        Document.objects.filter(pk__in=confirm[offset : offset + _BATCH]).update(
            template_digest=template.digest
        )
    return changed


def _reclean_batch(pks: list[int], template: Template) -> list[int]:
    """Clean these documents with ``template`` in one transaction; the ids of
    the bodies that changed. Each row is written with its digest, so a kill
    leaves every document either done or still to do."""
    changed: list[Document] = []
    quiet: list[Document] = []
    with transaction.atomic():
        rows = (
            Document.objects.select_for_update()
            .only("pk", "title", "body", "template_zones", "template_digest")
            .filter(pk__in=pks)
            .exclude(template_digest=template.digest)
        )
        for document in rows:
            document.template_digest = template.digest
            result = reclean(
                document.body,
                document.template_zones,
                title=document.title,
                template=template,
            )
            if result is None:
                # A body edited by hand keeps its text.
                quiet.append(document)
                continue
            body, document.template_zones = result
            if body == document.body:
                quiet.append(document)
                continue
            document.body = body
            document.content_hash = content_hash(body)
            document.text_key = text_key(body)
            document.updated_at = timezone.now()
            changed.append(document)
        Document.objects.bulk_update(
            changed,
            [
                "body",
                "content_hash",
                "text_key",
                "template_zones",
                "template_digest",
                "updated_at",
            ],
        )
        Document.objects.bulk_update(quiet, ["template_zones", "template_digest"])
    return [document.pk for document in changed]
