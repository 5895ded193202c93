"""The admin's change form of a document, filled in as a browser submits it."""

from __future__ import annotations

import json

from documents.models import Document


def change_form_data(
    client, doc: Document, *, line_breaks: str = "\n"
) -> dict[str, str]:  # noqa: ANN001
    """Every field of the form with its current value, and the sources inline.

    A browser sends a textarea's line breaks as CRLF: ``line_breaks="\\r\\n"``.
    The form is read through the test client's response context, so the test
    environment must be set up (pytest-django does; a shell script calls
    django.test.utils.setup_test_environment()).
    """
    response = client.get(f"/admin/documents/document/{doc.pk}/change/")
    form = response.context["adminform"].form
    data: dict[str, str] = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        if isinstance(value, list):
            value = json.dumps(value, ensure_ascii=False)
        data[name] = "" if value is None else str(value).replace("\n", line_breaks)
    sources = list(doc.sources.all())
    data.update(
        {
            "sources-TOTAL_FORMS": str(len(sources)),
            "sources-INITIAL_FORMS": str(len(sources)),
            "sources-MIN_NUM_FORMS": "0",
            "sources-MAX_NUM_FORMS": "1000",
        }
    )
    for i, source in enumerate(sources):
        data[f"sources-{i}-id"] = str(source.pk)
        data[f"sources-{i}-document"] = str(doc.pk)
    attachments = list(doc.attachments.order_by("position", "id"))
    data.update(
        {
            "attachments-TOTAL_FORMS": str(len(attachments)),
            "attachments-INITIAL_FORMS": str(len(attachments)),
            "attachments-MIN_NUM_FORMS": "0",
            "attachments-MAX_NUM_FORMS": "1000",
        }
    )
    for i, attachment in enumerate(attachments):
        data[f"attachments-{i}-id"] = str(attachment.pk)
        data[f"attachments-{i}-document"] = str(doc.pk)
    return data
