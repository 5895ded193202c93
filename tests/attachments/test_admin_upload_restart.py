"""A web process that stopped with an upload unread: the next one to start reads it.

Real processes (tests/processes.py): one stores the upload's original and its
PENDING row and stops before any worker runs; a new web process (plansite.wsgi)
starts, and its extraction worker reads the row.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.attachments.makers import MadeFiles
from tests.processes import ProcessDatabases, manage

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

PAGE = "标题：东塍镇2023年工作计划\n发布机构：东塍镇人民政府\n发布日期：2023-03-05\n\n详见附件。\n"

# Stores the original and the row, then dies without running anything else.
UPLOAD = """
import os, sys
from pathlib import Path
from documents.attachments import store
from documents.models import Attachment, Document
stored = store.put_file(Path(os.environ["UPLOAD"]))
Attachment.objects.create(
    document=Document.objects.get(), name="补充.docx", kind="docx",
    media_type="application/octet-stream", size=stored.size, sha256=stored.sha256,
)
sys.stdout.flush()
os._exit(0)
"""

# A web process starting (plansite.wsgi), and what its worker did.
START = """
import plansite.wsgi
from documents.attachments.queue import wait_for_background_extraction
from documents.models import Attachment
assert wait_for_background_extraction(timeout=120)
row = Attachment.objects.get()
print("STATUS", row.status, len(row.text))
"""


def _ok(done, what: str) -> str:  # noqa: ANN001
    assert done.returncode == 0, f"{what}: {done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def test_a_new_web_process_reads_what_a_stopped_one_left(
    tmp_path: Path, made: MadeFiles, process_databases: ProcessDatabases
) -> None:
    page = tmp_path / "page.txt"
    page.write_text(PAGE, encoding="utf-8")
    env = process_databases.environment(tmp_path / "site")
    _ok(manage(env, "import_plans", "--no-index", str(page)), "import")
    upload = {**env, "UPLOAD": str(made.path("doc0", "docx"))}
    _ok(manage(upload, "shell", "-c", UPLOAD), "upload")
    assert process_databases.count(env, "documents_attachment") == 1

    out = _ok(manage(env, "shell", "-c", START), "start")

    status = next(line for line in out.splitlines() if line.startswith("STATUS"))
    _, value, length = status.split()
    assert value == "extracted" and int(length) > 100, out
