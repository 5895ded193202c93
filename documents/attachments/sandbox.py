"""Run an extraction (or a bundle's unpacking) in a child process with limits.

The child is `python -m documents.attachments.sandbox REQUEST.json`. It sets its
own limits before it reads a byte: address space (RLIMIT_AS, so a PDF or zip bomb
meets MemoryError, not the machine's OOM killer), CPU seconds (RLIMIT_CPU), no core
files. The parent waits a wall-clock timeout and then kills the child's whole
process group (it starts a new session), which takes LibreOffice's soffice.bin
with it. The child writes its answer as JSON to a file; the parent refuses an
answer bigger than the output cap. Every failure becomes ExtractionRejected with
a reason a person can act on.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from .result import BundleMember, Extraction, ExtractionRejected, Limits

ROOT = Path(__file__).resolve().parent.parent.parent
# Python and Django start in the child before the limit counts for anything; the
# wall clock gives that time on top of limits.timeout_seconds.
STARTUP_GRACE = 10.0
# The children running now, on any thread (stop_all).
_live: set[subprocess.Popen] = set()
_live_lock = threading.Lock()
# Pages, headings and JSON around the text.
_OUTPUT_SLACK = 4 * 1024 * 1024


def run_extraction(
    path: Path, *, name: str, limits: Limits | None = None
) -> Extraction:
    """extract_file(path, name=name, limits=limits), in a child process with limits."""
    limits = limits or Limits.from_settings()
    answer = _run_child(
        {"op": "extract", "path": str(Path(path).resolve()), "name": name},
        limits,
    )
    return Extraction.from_json(answer)


def unpack_bundle(
    path: Path, *, name: str, out_dir: Path, limits: Limits | None = None
) -> list[BundleMember]:
    """bundles.unpack in a child process with limits; the members it wrote."""
    limits = limits or Limits.from_settings()
    out_dir = Path(out_dir).resolve()
    answer = _run_child(
        {
            "op": "unpack",
            "path": str(Path(path).resolve()),
            "name": name,
            "out_dir": str(out_dir),
        },
        limits,
    )
    return [BundleMember(**m) for m in answer["members"]]


def _run_child(request: dict[str, Any], limits: Limits) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(
        prefix="plansite-sandbox-", ignore_cleanup_errors=True
    ) as tmp:
        work = Path(tmp)
        result = work / "result.json"
        request = {**request, "limits": asdict(limits), "result": str(result)}
        request_file = work / "request.json"
        request_file.write_text(json.dumps(request), encoding="utf-8")
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p
        )
        env.setdefault("DJANGO_SETTINGS_MODULE", "plansite.settings.dev")
        # Converters' temporary files (LibreOffice's too) go where we delete them.
        env["TMPDIR"] = str(work)
        env["HOME"] = str(work)
        stderr = (work / "stderr").open("wb")
        started = time.monotonic()
        with stderr:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "documents.attachments.sandbox",
                    str(request_file),
                ],
                cwd=str(ROOT),
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
            )
            with _live_lock:
                _live.add(proc)
            wall = limits.timeout_seconds + STARTUP_GRACE
            try:
                proc.wait(timeout=wall)
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                raise ExtractionRejected(
                    _(
                        "提取超时（%(s)d 秒），已终止 "
                        "(extraction timed out after %(s)d s)"
                    )
                    % {"s": round(time.monotonic() - started)}
                ) from None
            finally:
                _kill_group(proc)  # whatever the child left running
                with _live_lock:
                    _live.discard(proc)
        code = proc.returncode
        if code != 0:
            raise ExtractionRejected(_reason_for_exit(code, work / "stderr", limits))
        size = result.stat().st_size if result.exists() else 0
        if size > limits.max_text_chars * 4 + _OUTPUT_SLACK:
            raise ExtractionRejected(
                _("提取结果过大（%(n)d 字节）(the extraction's output is too large)")
                % {"n": size}
            )
        try:
            answer = json.loads(result.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ExtractionRejected(
                _("提取进程没有给出结果 (the extraction process gave no answer)")
            ) from error
    if "rejected" in answer:
        raise ExtractionRejected(answer["rejected"])
    return answer["ok"]


def stop_all() -> None:
    """Kill every extraction this process is running (an import stopped by
    Ctrl-C or an error must not wait for the ones it read ahead on threads)."""
    with _live_lock:
        running = list(_live)
    for proc in running:
        _kill_group(proc)


def _kill_group(proc: subprocess.Popen) -> None:
    """Kill the child and everything in its session (it is the session leader).

    A converter may run in a process group of its own (office.py does, to kill
    LibreOffice on its own timeout), so killing the child's group is not enough.
    """
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    for pid in _session_members(proc.pid):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    if proc.poll() is None:
        proc.wait()


def _session_members(sid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid pgrp session …"; comm may hold spaces and ")".
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 3 and fields[3] == str(sid):
            members.append(int(entry.name))
    return members


def _reason_for_exit(code: int, stderr: Path, limits: Limits) -> str:
    if code in (-signal.SIGXCPU, -signal.SIGKILL):
        return _(
            "提取超过 CPU 时间限制（%(s)d 秒），已终止 (CPU time limit exceeded)"
        ) % {"s": math.ceil(limits.timeout_seconds)}
    tail = ""
    with contextlib.suppress(OSError):
        tail = stderr.read_bytes()[-500:].decode(errors="replace").strip()
    if "MemoryError" in tail:
        return _memory_reason(limits)
    if code < 0:
        return _("提取进程崩溃（信号 %(n)d）(the extraction process crashed)") % {
            "n": -code
        }
    return _(
        "提取进程出错（退出码 %(n)d）(the extraction process failed: %(tail)s)"
    ) % {
        "n": code,
        "tail": tail[-200:],
    }


def _memory_reason(limits: Limits) -> str:
    return _("提取超过内存限制（%(mb)d MiB），疑似炸弹文件 (memory limit exceeded)") % {
        "mb": limits.memory_bytes // (1024 * 1024)
    }


# -- the child ---------------------------------------------------------------------


def _limit_self(limits: Limits) -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    cpu = math.ceil(limits.timeout_seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))


def _child(request_file: str) -> int:
    request = json.loads(Path(request_file).read_text(encoding="utf-8"))
    limits = Limits(**request["limits"])
    # No django.setup(): it imports the whole project (~1 s a file). Settings are
    # read lazily without it; translation needs the app registry, so it is off
    # here: the reasons are written "中文 (english)" and pass through as they are.
    from django.conf import settings

    settings.USE_I18N = False
    # pdfminer warns once per broken object; a hostile PDF has millions. Only
    # errors reach stderr (whose tail names a crash).
    logging.disable(logging.WARNING)
    _limit_self(limits)
    try:
        if request["op"] == "unpack":
            from .bundles import unpack

            members = unpack(
                Path(request["path"]),
                name=request["name"],
                out_dir=Path(request["out_dir"]),
                limits=limits,
            )
            answer: dict[str, Any] = {"ok": {"members": [asdict(m) for m in members]}}
        else:
            from .extract import extract_file

            extraction = extract_file(
                Path(request["path"]), name=request["name"], limits=limits
            )
            answer = {"ok": extraction.to_json()}
    except ExtractionRejected as rejected:
        answer = {"rejected": rejected.reason}
    except MemoryError:
        answer = {"rejected": _memory_reason(limits)}
    Path(request["result"]).write_text(
        json.dumps(answer, ensure_ascii=False), encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1]))
