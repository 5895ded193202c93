"""DOC, WPS, RTF, ODT and ET through LibreOffice headless, with a hard timeout.

The file is converted to DOCX (a spreadsheet to XLSX) in a private temporary
profile and folder, then read as one. LibreOffice runs in its own process group,
killed whole when it overruns, so a hung soffice.bin does not outlive the call.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from django.utils.translation import gettext as _

from ..result import Extraction, ExtractionRejected, Limits, Method

SOFFICE = shutil.which("soffice") or "/usr/bin/soffice"
SPREADSHEETS = frozenset({"et"})


def convert(source: Path, target: str, out_dir: Path, *, timeout: float) -> Path:
    """`source` converted by LibreOffice to the suffix `target`, in out_dir."""
    profile = out_dir / "profile"
    # LibreOffice names its output after the input: a safe, fixed input name
    # keeps odd characters and leading dashes out of its command line.
    staged = out_dir / ("input" + source.suffix.lower()[:8])
    try:
        os.link(source, staged)
    except OSError:
        shutil.copyfile(source, staged)
    cmd = [
        SOFFICE,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--nolockcheck",
        "--convert-to",
        target,
        "--outdir",
        str(out_dir / "out"),
        str(staged),
    ]
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        # Its own process group (killpg reaches oosplash and soffice.bin) but not its
        # own session: the sandbox kills everything in the child's session.
        process_group=0,
    )
    try:
        output, _unused = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        raise ExtractionRejected(
            _(
                "LibreOffice 转换超时（%(s)s 秒），已终止 "
                "(LibreOffice timed out after %(s)s s)"
            )
            % {"s": f"{timeout:g}"}
        ) from None
    finally:
        kill_group(proc)  # a helper it left behind
    made = out_dir / "out" / f"input.{target.split(':', 1)[0]}"
    if not made.exists():
        raise ExtractionRejected(
            _("LibreOffice 无法转换此文件 (LibreOffice could not convert it: %(out)s)")
            % {"out": output.decode(errors="replace").strip()[-300:]}
        )
    return made


def kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    if proc.poll() is None:
        proc.wait()


def read_office(path: Path, limits: Limits, *, kind: str) -> Extraction:
    with tempfile.TemporaryDirectory(
        prefix="plansite-lo-", ignore_cleanup_errors=True
    ) as tmp:
        if kind in SPREADSHEETS:
            from .sheet import read_xlsx

            made = convert(path, "xlsx", Path(tmp), timeout=limits.timeout_seconds)
            return read_xlsx(made, limits, method=Method.LIBREOFFICE)
        from .docx import read_docx

        made = convert(path, "docx", Path(tmp), timeout=limits.timeout_seconds)
        return read_docx(made, limits, method=Method.LIBREOFFICE)
