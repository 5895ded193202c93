"""The log files as settings.LOGGING writes them: each record once, nothing lost when
several processes rotate the file, and bad-Host floods kept out of the main log.

Each test configures logging from settings.LOGGING itself, with its files moved
into ``tmp_path`` (and, where a test must fill the window, the main file made
small), then restores the project's logging.
"""

from __future__ import annotations

import copy
import json
import logging
import logging.config
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def _moved(tmp_path: Path, **main: int) -> dict:
    """settings.LOGGING with every file under tmp_path; ``main`` overrides the
    main file handler's options (maxBytes, backupCount)."""
    config = copy.deepcopy(settings.LOGGING)
    for handler in config["handlers"].values():
        if "filename" in handler:
            handler["filename"] = str(tmp_path / Path(handler["filename"]).name)
    config["handlers"]["file"].update(main)
    return config


def _main_log_text(tmp_path: Path) -> str:
    return "".join(
        path.read_text("utf-8") for path in sorted(tmp_path.glob("plansite.log*"))
    )


@pytest.fixture
def configure_logging() -> Iterator:
    def configure(config: dict) -> None:
        logging.config.dictConfig(config)

    yield configure
    # Close the test's files, then put the project's logging back.
    for handler in logging.getLogger().handlers:
        handler.close()
    logging.config.dictConfig(settings.LOGGING)


@pytest.mark.django_db
def test_a_django_warning_is_written_once(
    tmp_path: Path, client, configure_logging
) -> None:  # noqa: ANN001
    configure_logging(_moved(tmp_path))
    response = client.get("/no-such-page-for-the-log/")
    assert response.status_code == 404
    logging.shutdown()
    text = _main_log_text(tmp_path)
    assert text.count("Not Found: /no-such-page-for-the-log/") == 1, text


@pytest.mark.django_db
def test_a_flood_of_bad_host_requests_keeps_the_main_log(
    tmp_path: Path, client, configure_logging
) -> None:  # noqa: ANN001
    # A main log of 4 x 16 KB: the flood below (each record a traceback of
    # about 2 KB) is ten times what it can hold.
    configure_logging(_moved(tmp_path, maxBytes=16 * 1024, backupCount=3))
    logging.getLogger("documents").warning("an earlier record worth keeping")
    for n in range(300):
        response = client.get("/", HTTP_HOST=f"scanner-{n}.example.net")
        assert response.status_code == 400
    logging.shutdown()
    assert "an earlier record worth keeping" in _main_log_text(tmp_path)
    assert "scanner-" not in _main_log_text(tmp_path)
    # The flood itself is kept, bounded, in a file of its own.
    security = sorted(tmp_path.glob("security.log*"))
    assert security, sorted(p.name for p in tmp_path.iterdir())
    assert "scanner-299.example.net" in security[0].read_text("utf-8")
    handler = settings.LOGGING["handlers"]["security"]
    limit = handler["maxBytes"] * (handler["backupCount"] + 1)
    assert sum(path.stat().st_size for path in security) <= limit


WRITER = """
import json, logging, logging.config, sys, time
config, name, records, start = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
logging.config.dictConfig(config)
log = logging.getLogger("documents")
while time.time() < start:
    time.sleep(0.005)
for n in range(records):
    log.warning("writer %s record %06d %s END", name, n, "x" * 60)
logging.shutdown()
"""

LINE = re.compile(r"writer (w\d) record (\d{6}) x{60} END$")


@pytest.mark.slow
def test_processes_rotating_one_file_lose_no_record(tmp_path: Path) -> None:
    """Four processes, 6,000 records, a dozen rotations: all kept, no file cut short."""
    max_bytes, backups, records = 64 * 1024, 19, 1500
    config = _moved(tmp_path, maxBytes=max_bytes, backupCount=backups)
    config["root"]["handlers"] = ["file"]
    start = time.time() + 1.5
    writers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WRITER,
                json.dumps(config),
                f"w{i}",
                str(records),
                str(start),
            ],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(4)
    ]
    for writer in writers:
        _, errors = writer.communicate(timeout=120)
        assert writer.returncode == 0, errors
    files = sorted(tmp_path.glob("plansite.log*"))
    written = 4 * records * 140
    # Everything written fits in the retained window, so nothing may be missing.
    assert written < max_bytes * (backups + 1)
    seen: dict[tuple[str, str], int] = {}
    broken = []
    for path in files:
        for line in path.read_text("utf-8").splitlines():
            match = LINE.search(line)
            if match is None:
                broken.append(line)
                continue
            key = match.groups()
            seen[key] = seen.get(key, 0) + 1
    assert broken == []
    assert len(seen) == 4 * records, f"{4 * records - len(seen)} records lost"
    assert set(seen.values()) == {1}
    # A rotated file is full: rotation happened only when the next record did
    # not fit (one record is at most 200 bytes).
    rotated = [path for path in files if path.name != "plansite.log"]
    assert len(rotated) >= 10
    for path in rotated:
        assert path.stat().st_size > max_bytes - 200, (path.name, path.stat())
