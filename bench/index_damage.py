"""The ways a search index folder gets damaged, for the drill and the tests.

Each function damages the Whoosh index in ``folder`` as a disk, an operator or a
killed process would: bench/index_damage_drill.py times the site and the repair
after each, tests/search/test_index_damage.py checks the pages and the repair.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path


def _segment(folder: Path) -> Path:
    return max(folder.glob("*.seg"), key=lambda p: p.stat().st_size)


def _toc(folder: Path) -> Path:
    (toc,) = folder.glob("_MAIN_*.toc")
    return toc


def overwrite_block(folder: Path) -> None:
    """4 KiB of other bytes in the middle of a segment, its size unchanged."""
    path = _segment(folder)
    middle = path.stat().st_size // 2
    with path.open("r+b") as handle:
        handle.seek(middle)
        old = handle.read(4096)
        handle.seek(middle)
        handle.write(bytes(b ^ 0x5A for b in old))


def truncate_segment(folder: Path) -> None:
    path = _segment(folder)
    os.truncate(path, path.stat().st_size // 2)


def delete_segment(folder: Path) -> None:
    _segment(folder).unlink()


def empty_toc(folder: Path) -> None:
    _toc(folder).write_bytes(b"")


def delete_toc(folder: Path) -> None:
    _toc(folder).unlink()


def delete_folder(folder: Path) -> None:
    shutil.rmtree(folder)


def kill_a_writer(folder: Path) -> None:
    """A process that took the write lock and was writing a segment, killed -9."""
    code = (
        "import sys, time\n"
        "from whoosh.filedb.filestore import FileStorage\n"
        "folder = sys.argv[1]\n"
        "lock = FileStorage(folder).lock('MAIN_WRITELOCK')\n"
        "assert lock.acquire()\n"
        "open(folder + '/MAIN_deadwriter0000001.seg', 'wb').write(b'half')\n"
        "FileStorage(folder).temp_storage('MAIN.tmp').create_file('pool').write(b'x')\n"
        "print('locked', flush=True)\n"
        "time.sleep(120)\n"
    )
    writer = subprocess.Popen(
        [sys.executable, "-c", code, str(folder)], stdout=subprocess.PIPE, text=True
    )
    try:
        if writer.stdout.readline().strip() != "locked":
            raise RuntimeError("the writer did not take the index's write lock")
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)


# Damage to the files; a killed writer (kill_a_writer) leaves a sound index.
DAMAGES: dict[str, Callable[[Path], None]] = {
    "overwritten-block": overwrite_block,
    "truncated-segment": truncate_segment,
    "deleted-segment": delete_segment,
    "emptied-toc": empty_toc,
    "deleted-toc": delete_toc,
    "deleted-folder": delete_folder,
}
