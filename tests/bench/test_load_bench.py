"""What load_bench and process_memory read from /proc, and how they fail.

The benches themselves take minutes on an archive; these check the figures they
are built on against processes whose CPU time and mappings are known, and that a
missing tool or a server that never comes up stops the bench with the reason.
"""

from __future__ import annotations

import mmap
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench import load_bench, process_memory

# A process that spends ``BURN`` s of CPU in a child it waits for, then in a
# second child that stays alive (asleep), then sleeps itself.
BURN = 0.3
PARENT = f"""
import subprocess, sys, time
burn = "import time\\nwhile time.process_time() < {BURN}: pass\\n"
subprocess.run([sys.executable, "-c", burn])
subprocess.Popen([sys.executable, "-c", burn + "print('burnt', flush=True)\\n"
                  "time.sleep(60)"])
time.sleep(60)
"""


def test_server_cpu_counts_live_and_dead_workers():
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True
    )
    try:
        assert parent.stdout.readline().strip() == "burnt"
        # Both children's CPU: the dead one through the parent's waited-for time.
        assert process_memory.server_cpu_seconds(parent.pid) >= 2 * BURN * 0.9
        assert process_memory.cpu_seconds(parent.pid) < BURN
        assert len(process_memory.children(parent.pid)) == 1
    finally:
        for child in process_memory.children(parent.pid):
            subprocess.run(["kill", str(child)])
        parent.kill()
        parent.wait()


def test_index_mapping_is_counted_apart(tmp_path: Path):
    index = tmp_path / "whoosh_index"
    index.mkdir()
    segment = index / "MAIN_x.seg"
    size = 4 * 1024 * 1024
    segment.write_bytes(b"\1" * size)
    # Mapped twice, as two threads' searchers map a segment; every page read.
    with segment.open("rb") as file:
        maps = [mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) for _ in "ab"]
        try:
            for mapped in maps:
                assert sum(mapped[i] for i in range(0, size, mmap.PAGESIZE)) == (
                    size // mmap.PAGESIZE
                )
            figures = process_memory.memory(os.getpid(), index)
            elsewhere = process_memory.mapped_files(os.getpid(), tmp_path / "other")
        finally:
            for mapped in maps:
                mapped.close()
    index_figures = figures["index"]
    assert (index_figures["files"], index_figures["mappings"]) == (1, 2)
    assert index_figures["mapped"] == size
    # Resident counts each page once per mapping, as RSS does; Pss once in all.
    assert index_figures["resident"] == 2 * size
    assert abs(index_figures["pss"] - size) <= 2 * mmap.PAGESIZE
    assert figures["rss"] >= 2 * size
    assert figures["peak_rss"] >= figures["rss"]
    assert elsewhere == {
        "files": 0,
        "mapped": 0,
        "mappings": 0,
        "resident": 0,
        "pss": 0,
        "private": 0,
    }


def test_quiet_means_the_workers_stopped_working():
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True
    )
    try:
        waited = process_memory.wait_until_quiet(
            parent.pid, 1, quiet_seconds=1, timeout=60
        )
        # Both children have burnt their CPU by the time they are called quiet.
        assert process_memory.server_cpu_seconds(parent.pid) >= 2 * BURN * 0.9
        assert waited > 0
        with pytest.raises(SystemExit, match="still busy"):
            process_memory.wait_until_quiet(parent.pid, 2, timeout=1)
    finally:
        for child in process_memory.children(parent.pid):
            subprocess.run(["kill", str(child)])
        parent.kill()
        parent.wait()


def test_a_missing_wrk_stops_the_bench_with_the_reason(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SystemExit, match="wrk is missing: apt-get install wrk"):
        load_bench.main(["--archive", str(tmp_path)])


def test_a_folder_without_an_archive_stops_the_bench(tmp_path):
    with pytest.raises(SystemExit, match="holds no archive"):
        load_bench.prepare(tmp_path, tmp_path)


def test_a_server_that_dies_stops_the_bench_with_its_log(tmp_path: Path):
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", "print('no module named plansite'); exit(3)"],
            stdout=out,
        )
    server = load_bench.Server(process, load_bench.free_port(), log)
    start = time.monotonic()
    with pytest.raises(SystemExit, match=r"exited \(3\)[\s\S]*no module named"):
        load_bench.wait_for_port(server, seconds=30)
    assert time.monotonic() - start < 30
