"""Keep each source's learned template and the bodies it cleaned up to date."""

from __future__ import annotations

import logging

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
        if source_key not in self._cache:
            lines = (
                SourceTemplate.objects.filter(source_key=source_key)
                .values_list("lines", flat=True)
                .first()
            )
            self._cache[source_key] = Template(frozenset(lines)) if lines else EMPTY
        return self._cache[source_key]


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
    it was last learned (template_digest ""), then clean again each of its
    documents that another template cleaned. Returns the ids of changed bodies.

    Only sources with new or changed documents are read, and of those only the
    zones column; a kill at any point leaves a "" document behind, so the next
    run finishes the work.
    """
    sources = sorted(
        set(
            Document.objects.filter(template_digest="")
            .exclude(template_source="")
            .values_list("template_source", flat=True)
            .distinct()
        )
    )
    changed: list[int] = []
    for source in sources:
        changed.extend(_relearn(source))
    return changed


def _relearn(source: str) -> list[int]:
    documents = Document.objects.filter(template_source=source)
    zones = documents.values_list("template_zones", flat=True).iterator(_CHUNK)
    template, total = learn(
        zone_keys((z or {}).get("head", []), (z or {}).get("tail", [])) for z in zones
    )
    SourceTemplate.objects.update_or_create(
        source_key=source,
        defaults={
            "lines": sorted(template.lines),
            "digest": template.digest,
            "documents": total,
        },
    )
    changed: list[int] = []
    # Documents of an older template first and the new ones ("") last: until the
    # last is done, a "" document is left for a rerun after a kill to find.
    older = documents.exclude(template_digest__in=["", template.digest])
    for query in (older, documents.filter(template_digest="")):
        changed.extend(_clean_again(query, template))
    if changed:
        logger.info("template of %s: %d bodies cleaned again", source, len(changed))
    return changed


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
