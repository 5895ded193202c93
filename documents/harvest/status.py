"""Availability of harvested documents: online while their page answers, withdrawn
once it is gone (404/410, or off its list for too many runs). Never deleted."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce, Greatest, Least

from documents.models import Availability, Document
from documents.signals import documents_edited


def mark_seen(document_ids: Iterable[int], *, at: datetime) -> int:
    """A capture found these documents' pages online at ``at``.

    They become ONLINE (a withdrawn page that answers again is back online),
    ``last_seen`` moves forward to ``at`` and ``first_seen`` back to it.
    Returns the number of documents updated.
    """
    ids = sorted(set(document_ids))
    if not ids:
        return 0
    with transaction.atomic():
        rows = Document.objects.filter(pk__in=ids)
        # A resumed run may record an older capture after a newer one: keep
        # the earliest first_seen and the latest last_seen either way.
        count = rows.update(
            availability=Availability.ONLINE,
            withdrawn_at=None,
            first_seen=Least(Coalesce("first_seen", at), at),
            last_seen=Greatest(Coalesce("last_seen", at), at),
        )
        if count:
            documents_edited.send(sender=Document, document_ids=ids)
    return count


def mark_withdrawn(
    document_ids: Iterable[int], *, last_seen: datetime | None, at: datetime
) -> int:
    """The harvester decided at ``at`` that these documents' pages are gone.

    ``last_seen`` is the last capture that found the page online, where the
    caller knows a later one than the document holds. Documents already
    withdrawn keep their first withdrawal date. Returns the number marked.
    """
    ids = sorted(set(document_ids))
    if not ids:
        return 0
    with transaction.atomic():
        rows = Document.objects.filter(pk__in=ids).filter(
            ~Q(availability=Availability.WITHDRAWN)
        )
        changes: dict = {"availability": Availability.WITHDRAWN, "withdrawn_at": at}
        if last_seen is not None:
            changes["last_seen"] = Greatest(Coalesce("last_seen", last_seen), last_seen)
        marked = list(rows.values_list("pk", flat=True))
        count = Document.objects.filter(pk__in=marked).update(**changes)
        if count:
            documents_edited.send(sender=Document, document_ids=marked)
    return count
