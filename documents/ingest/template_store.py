"""Keep each source's learned template and the bodies it cleaned up to date."""

from __future__ import annotations

import logging

from django.db import transaction

from documents.ingest.fingerprint import content_hash
from documents.ingest.template import (
    EMPTY,
    Template,
    learn,
    reclean,
    zone_keys,
)
from documents.models import Document, SourceTemplate

logger = logging.getLogger(__name__)

_CHUNK = 2000


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
        zone_keys(z.get("head", []), z.get("tail", [])) for z in zones if z
    )
    SourceTemplate.objects.update_or_create(
        source_key=source,
        defaults={
            "lines": sorted(template.lines),
            "digest": template.digest,
            "documents": total,
        },
    )
    digest = template.digest
    # Documents of an older template first and the new ones ("") last: until the
    # last is done, a "" document is left for a rerun after a kill to find.
    stale = [
        *documents.exclude(template_digest__in=["", digest]).values_list(
            "pk", flat=True
        ),
        *documents.filter(template_digest="").values_list("pk", flat=True),
    ]
    changed = [pk for pk in stale if _reclean_one(pk, template)]
    if changed:
        logger.info("template of %s: %d bodies cleaned again", source, len(changed))
    return changed


def _reclean_one(pk: int, template: Template) -> bool:
    """Clean one document with ``template``; True when its body changed."""
    with transaction.atomic():
        document = (
            Document.objects.select_for_update()
            .only("pk", "title", "body", "template_zones", "template_digest")
            .filter(pk=pk)
            .first()
        )
        if document is None or document.template_digest == template.digest:
            return False
        result = reclean(
            document.body,
            document.template_zones,
            title=document.title,
            template=template,
        )
        if result is None or result[0] == document.body:
            # Nothing to cut (or a body edited by hand): only note the template.
            zones = document.template_zones if result is None else result[1]
            Document.objects.filter(pk=pk).update(
                template_digest=template.digest, template_zones=zones
            )
            return False
        document.body, document.template_zones = result
        document.content_hash = content_hash(document.body)
        document.template_digest = template.digest
        document.save(
            update_fields=[
                "body",
                "content_hash",
                "template_zones",
                "template_digest",
                "updated_at",
            ]
        )
        return True
