"""Migration 0010 gives every stored document its identity, and keeps the
duplicates concurrent imports stored before it (never deleting one): the oldest
row keeps the key, a later one is flagged for review and queued for the index.

Real `manage.py migrate` processes, on a copy of the test database migrated
back to 0009 (SQLite file or PostgreSQL clone).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.processes import ProcessDatabases, manage

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

TEXT = (
    "一、总体要求。坚持稳中求进工作总基调，推动经济社会高质量发展。"
    "二、重点任务。抓好项目建设，办好民生实事，守牢安全底线，提升治理效能。"
)

# Rows as the archive held them before 0010 (its historical model).
STORE_AT_0009 = """
import json
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

state = MigrationExecutor(connection).loader.project_state(
    ("documents", "0009_source_template")
)
Document = state.apps.get_model("documents", "Document")
SourcePath = state.apps.get_model("documents", "SourcePath")
text = %(text)r

def add(name, **values):
    doc = Document.objects.create(
        title=name, original=values.get("body", text), body=text,
        content_hash=name, **values
    )
    SourcePath.objects.create(locator="/plans/" + name, document=doc, file_hash="x")
    return doc.pk

ids = {
    "township": add(
        "township", index_no="2021-00005", issuer="慈溪市观海卫镇人民政府",
        division_code="330282107",
    ),
    "organ": add("organ", index_no="2022-017", issuer="示范区 第一管理处"),
    "page": add(
        "page", source_url="https://WWW.example.gov.cn/art/1.html#top",
        layout="html",
    ),
    "first_copy": add("first_copy"),
    "second_copy": add("second_copy"),
}
print(json.dumps(ids))
"""

LOOK = """
import json
from documents.models import Document
from search.models import PendingIndexWrite

rows = {
    d.title: {
        "identity": d.identity,
        "needs_review": d.needs_review,
        "notes": d.review_notes,
    }
    for d in Document.objects.all()
}
queued = sorted(PendingIndexWrite.objects.values_list("document_id", flat=True))
second = Document.objects.get(title="second_copy")
second.category = "计划总结"
second.save()  # an ordinary save keeps its key (no conflict with the first copy)
print(json.dumps({
    "rows": rows,
    "queued": queued,
    "after_save": Document.objects.get(pk=second.pk).identity,
}, ensure_ascii=False))
"""


def test_migration_fills_identities_and_keeps_duplicates_for_review(
    tmp_path: Path,
    process_databases: ProcessDatabases,
) -> None:
    env = process_databases.environment(tmp_path / "var")
    done = manage(env, "migrate", "documents", "0009_source_template")
    assert done.returncode == 0, done.stderr[-3000:]
    done = manage(env, "shell", "-c", STORE_AT_0009 % {"text": TEXT})
    assert done.returncode == 0, done.stderr[-3000:]
    ids = json.loads(done.stdout.strip().splitlines()[-1])

    done = manage(env, "migrate", "documents")
    assert done.returncode == 0, done.stderr[-3000:]
    done = manage(env, "shell", "-c", LOOK)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])

    rows = found["rows"]
    assert rows["township"]["identity"] == "index-division:330282107:2021-00005"
    assert rows["organ"]["identity"] == "index-issuer:示范区第一管理处:2022-017"
    assert rows["page"]["identity"] == "url:https://www.example.gov.cn/art/1.html"
    key = rows["first_copy"]["identity"]
    assert key.startswith("text:")
    assert rows["second_copy"]["identity"] == f"{key}#dup-{ids['second_copy']}"
    assert rows["second_copy"]["needs_review"]
    assert any(f"#{ids['first_copy']}" in note for note in rows["second_copy"]["notes"])
    assert not rows["first_copy"]["needs_review"]
    # Its needs_review changed: the index must follow.
    assert found["queued"] == [ids["second_copy"]]
    assert found["after_save"] == rows["second_copy"]["identity"]
