"""Two import processes storing the same documents at the same moment store each
document once, reject nothing and record every source path.

Real `manage.py` processes on one database (a SQLite file, or a PostgreSQL
database cloned from the test database) and one index. Both wait at a barrier
after Django has started, then import the same small files, so that they reach
each file at nearly the same time. On PostgreSQL two transactions do not see
each other's rows until they commit: the look-up before an insert misses the
other's row, and only the database's unique identity keeps one row.
"""

from __future__ import annotations

import json
import random
import subprocess
import time
from pathlib import Path

import pytest

from tests.processes import ProcessDatabases, manage, start

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

# A term every text holds; the search's count of it is checked against a plain
# substring scan of the stored texts.
TERM = "协同治理"

IMPORT_AT_BARRIER = """
import io, json, os, time
from pathlib import Path
from django.core.management import call_command
from django.core.management.base import CommandError

barrier = Path(os.environ["BARRIER"])
print("ready", flush=True)
while not barrier.exists():
    time.sleep(0.002)
out, err = io.StringIO(), io.StringIO()
try:
    call_command(
        "import_plans", *json.loads(os.environ["IMPORT_PATHS"]), "--progress=log",
        stdout=out, stderr=err,
    )
    failed = False
except CommandError:
    failed = True
print(json.dumps({"failed": failed, "out": out.getvalue(), "err": err.getvalue()}))
"""

# The archive's index exists before imports run (two processes creating a new
# index in an empty folder at once is another matter: Whoosh's TOC rename).
CREATE_INDEX = """
from haystack import connections
connections["default"].get_backend().setup()
"""

LOOK = """
import json, os
from documents.models import Document, SourcePath
from search.services import SearchFilters, index_status, search_documents

term = os.environ["TERM"]
rows = list(Document.objects.values_list("body", "text_key", "index_no"))
page = search_documents(
    query=term, filters=SearchFilters(), sort="", page=1, page_size=10
)
print(json.dumps({
    "rows": len(rows),
    "texts": len({key for _body, key, _no in rows}),
    "index_nos": sorted(no or "" for _body, _key, no in rows),
    "with_term": sum(term in body for body, _key, _no in rows),
    "search_total": page.total,
    "index_ok": index_status().ok,
    "locators": sorted(SourcePath.objects.values_list("locator", flat=True)),
}, ensure_ascii=False))
"""

_WORDS = [
    "乡村振兴",
    "产业升级",
    "生态保护",
    "数字经济",
    "营商环境",
    "民生保障",
    "基层治理",
    "文化惠民",
    "水利建设",
    "农田改造",
    "人才引进",
    "科技创新",
    "养老服务",
    "教育均衡",
    "医疗卫生",
    "安全生产",
    "河湖治理",
    "垃圾分类",
    "旧城改造",
    "招商引资",
    "就业创业",
    "社会救助",
    "防灾减灾",
]


def _text(n: int, rng: random.Random) -> str:
    """A small plan whose every line is its own (no line a template could learn)."""
    picks = [rng.choice(_WORDS) for _ in range(9)]
    return (
        f"第{n}号专项工作安排\n"
        f"一、围绕{picks[0]}和{picks[1]}，推进第{n}批{TERM}试点，落实{picks[2]}任务。\n"
        f"二、实施{picks[3]}、{picks[4]}和{picks[5]}工程，编号{n * 7919 % 100003}。\n"
        f"三、加强{picks[6]}，完善{picks[7]}，第{n}项目标是{picks[8]}见实效。\n"
    )


def _reformatted(text: str) -> str:
    """The same text as another source writes it: spacing and punctuation only."""
    return text.replace("，", ", ").replace("。", ".").replace("\n", "\n\n")


def _run_together(env: dict[str, str], tmp_path: Path, *paths: list[Path]) -> list:
    """Start one importer per list of paths, release them together, and return
    each one's report."""
    done = manage(env, "shell", "-c", CREATE_INDEX)
    assert done.returncode == 0, done.stderr[-3000:]
    barrier = tmp_path / "go"
    procs = [
        start(
            {
                **env,
                "BARRIER": str(barrier),
                "IMPORT_PATHS": json.dumps([str(p) for p in these]),
            },
            "shell",
            "-c",
            IMPORT_AT_BARRIER,
        )
        for these in paths
    ]
    try:
        for proc in procs:
            _wait_ready(proc)
        barrier.touch()
        outputs = [proc.communicate(timeout=120)[0] for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    reports = []
    for proc, output in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, output[-3000:]
        reports.append(json.loads(output.strip().splitlines()[-1]))
    return reports


def _wait_ready(proc: subprocess.Popen) -> None:
    """Read the process's lines up to "ready" (Django's shell may print first)."""
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:
        if line.strip() == "ready":
            return
        seen.append(line)
    raise AssertionError("importer ended before the barrier: " + "".join(seen)[-3000:])


def _rejections(report: dict) -> list[str]:
    lines = (report["out"] + report["err"]).splitlines()
    return [line for line in lines if "rejected /" in line or "拒绝 rejected /" in line]


def _look(env: dict[str, str]) -> dict:
    done = manage({**env, "TERM": TERM}, "shell", "-c", LOOK)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_two_processes_importing_the_same_texts_store_each_once(
    tmp_path: Path, process_databases: ProcessDatabases
) -> None:
    folder = tmp_path / "texts"
    folder.mkdir()
    rng = random.Random(14)
    texts = [_text(n, rng) for n in range(160)]
    files = []
    for n, text in enumerate(texts):
        files.append(folder / f"{n:03d}_a.txt")
        files[-1].write_text(text, encoding="utf-8")
        if n % 4 == 0:  # 40 texts come twice, formatted apart
            files.append(folder / f"{n:03d}_b.txt")
            files[-1].write_text(_reformatted(text), encoding="utf-8")
    assert len(files) == 200
    env = process_databases.environment(tmp_path / "var")

    started = time.monotonic()
    reports = _run_together(env, tmp_path, [folder], [folder])
    seconds = time.monotonic() - started

    for report in reports:
        assert not report["failed"], _rejections(report)[:5] or report["err"][-2000:]
        assert _rejections(report) == []
    found = _look(env)
    assert found["rows"] == found["texts"] == len(texts)
    assert found["locators"] == sorted(str(f.resolve()) for f in files)
    assert found["with_term"] == len(texts)
    assert found["search_total"] == found["with_term"]
    assert found["index_ok"]
    assert seconds < 50, seconds


def test_two_processes_importing_one_index_no_from_two_sources_store_it_once(
    tmp_path: Path, process_databases: ProcessDatabases
) -> None:
    """Each 索引号 of one township comes from two sources (the site and a mirror,
    the mirror's text a little longer), imported by two processes at once."""
    site, mirror = tmp_path / "site", tmp_path / "mirror"
    site.mkdir()
    mirror.mkdir()
    rng = random.Random(41)
    count = 100
    for n in range(count):
        head = (
            f"索引号：2021-{n:05d}\n发布机构：慈溪市观海卫镇人民政府\n"
            "成文日期：2021年3月1日\n"
        )
        text = head + _text(n, rng)
        (site / f"{n:03d}.txt").write_text(text, encoding="utf-8")
        (mirror / f"{n:03d}.txt").write_text(
            text + "（转载自观海卫镇政府网站）\n", encoding="utf-8"
        )
    env = process_databases.environment(tmp_path / "var")

    started = time.monotonic()
    reports = _run_together(env, tmp_path, [site, mirror], [mirror, site])
    seconds = time.monotonic() - started

    for report in reports:
        assert not report["failed"], _rejections(report)[:5] or report["err"][-2000:]
        assert _rejections(report) == []
    found = _look(env)
    assert found["rows"] == count
    assert found["index_nos"] == [f"2021-{n:05d}" for n in range(count)]
    expected = sorted(str(p.resolve()) for d in (site, mirror) for p in d.iterdir())
    assert found["locators"] == expected
    assert found["with_term"] == count
    assert found["search_total"] == count
    assert found["index_ok"]
    assert seconds < 50, seconds
