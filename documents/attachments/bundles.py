"""ZIP and RAR bundles unpacked with limits: members, bytes, ratio, names, depth.

A bundle is refused whole, with a reason, when it holds more members than
limits.max_members, unpacks (by its headers or by the bytes actually written)
to more than limits.max_unpacked_bytes, has a member compressed more than
MAX_RATIO to one (a zip bomb), a name that climbs out of the folder ("../",
"/etc/…", "C:\\…"), an encrypted member, or bundles nested deeper than
MAX_DEPTH. Members are written under out_dir by number (0001.docx), never by
their own names; BundleMember.name keeps the name in the bundle as text.

ZIP names without the UTF-8 flag are decoded as GBK when they are not ASCII,
as zip tools on Chinese Windows write them. RAR goes through unar/lsar (Debian
main has no RAR writer, so the RAR path is untested on a real RAR file).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.utils.translation import gettext as _

from .kinds import kind_for_name, sniff
from .result import BundleMember, ExtractionRejected, Limits

MAX_DEPTH = 3  # a bundle in a bundle in a bundle
MAX_RATIO = 200  # office files and text compress 3-20×; a bomb 1,000× and more
_RATIO_FLOOR = 1024 * 1024  # small members may compress as they like
_CHUNK = 1024 * 1024
LSAR = shutil.which("lsar") or "/usr/bin/lsar"
UNAR = shutil.which("unar") or "/usr/bin/unar"


@dataclass
class _Budget:
    limits: Limits
    members: int = 0
    bytes: int = 0
    out: list[BundleMember] = field(default_factory=list)

    def add_member(self) -> int:
        self.members += 1
        if self.members > self.limits.max_members:
            raise ExtractionRejected(
                _("压缩包内文件超过 %(n)d 个 (the bundle holds more than %(n)d files)")
                % {"n": self.limits.max_members}
            )
        return self.members

    def add_bytes(self, count: int) -> None:
        self.bytes += count
        if self.bytes > self.limits.max_unpacked_bytes:
            raise _too_big(self.limits)


def _too_big(limits: Limits) -> ExtractionRejected:
    return ExtractionRejected(
        _(
            "压缩包解压后超过 %(n)d 字节，疑似压缩炸弹 "
            "(the bundle unpacks to more than %(n)d bytes)"
        )
        % {"n": limits.max_unpacked_bytes}
    )


def safe_name(raw: str) -> str:
    """The member's path as "a/b.docx"; refuses one that climbs out."""
    name = raw.replace("\\", "/")
    parts = PurePosixPath(name).parts
    if (
        name.startswith("/")
        or (len(name) > 1 and name[1] == ":")
        or any(part == ".." for part in parts)
        or "\x00" in name
    ):
        raise ExtractionRejected(
            _(
                "压缩包内有越出目录的路径：%(name)s "
                "(a member's path climbs out of the folder: path traversal)"
            )
            % {"name": raw[:200]}
        )
    return "/".join(p for p in parts if p not in ("", "."))


def zip_member_name(info: zipfile.ZipInfo) -> str:
    """The name as text: UTF-8 when flagged, else GBK (what Chinese Windows writes)."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for encoding in ("utf-8", "gbk"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def unpack(
    path: Path, *, name: str, out_dir: Path, limits: Limits
) -> list[BundleMember]:
    """Every file in the bundle at `path` (nested bundles opened too), written
    under out_dir; raises ExtractionRejected for a hostile or broken bundle."""
    out_dir.mkdir(parents=True, exist_ok=True)
    budget = _Budget(limits)
    _unpack(Path(path), name, out_dir, budget, prefix="", depth=1)
    return budget.out


def _unpack(
    path: Path, name: str, out_dir: Path, budget: _Budget, *, prefix: str, depth: int
) -> None:
    if depth > MAX_DEPTH:
        raise ExtractionRejected(
            _("压缩包嵌套超过 %(n)d 层 (bundles nested more than %(n)d deep)")
            % {"n": MAX_DEPTH}
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    kind = sniff(path, name)
    if kind is not None and kind.key == "rar":
        written = _unpack_rar(path, out_dir, budget, prefix)
    elif kind is not None and kind.key == "zip":
        written = _unpack_zip(path, out_dir, budget, prefix)
    else:
        raise ExtractionRejected(
            _("不是可读的压缩包：%(name)s (not a ZIP or RAR bundle)") % {"name": name}
        )
    for member in written:
        inner = sniff(Path(member.path), member.name)
        if inner is not None and inner.family == "bundle":
            nested = Path(member.path + ".d")
            _unpack(
                Path(member.path),
                member.name,
                nested,
                budget,
                prefix=member.name + "/",
                depth=depth + 1,
            )
        else:
            budget.out.append(member)


def _target(out_dir: Path, number: int, name: str) -> Path:
    # A name of our own: the suffix only, and only when it is one we know.
    suffix = PurePosixPath(name).suffix.lower()
    if kind_for_name(name) is None or len(suffix) > 8:
        suffix = ""
    return out_dir / f"{number:04d}{suffix}"


def _unpack_zip(
    path: Path, out_dir: Path, budget: _Budget, prefix: str
) -> list[BundleMember]:
    limits = budget.limits
    try:
        bundle = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ExtractionRejected(
            _("压缩包已损坏 (corrupt ZIP: %(error)s)") % {"error": error}
        ) from error
    written = []
    with bundle:
        infos = bundle.infolist()
        if len(infos) > limits.max_members * 4:  # many directories are fine, not this
            budget.members = limits.max_members
            budget.add_member()  # raises, with the reason it gives for files
        files = [info for info in infos if not info.is_dir()]
        declared = sum(info.file_size for info in files)
        if budget.bytes + declared > limits.max_unpacked_bytes:
            raise _too_big(limits)
        for info in files:
            member = safe_name(zip_member_name(info))
            if info.flag_bits & 0x1:
                raise ExtractionRejected(
                    _("压缩包已加密：%(name)s (an encrypted member)") % {"name": member}
                )
            if info.file_size > _RATIO_FLOOR and (
                info.file_size > MAX_RATIO * max(info.compress_size, 1)
            ):
                raise ExtractionRejected(
                    _(
                        "压缩比异常（%(ratio)d 比 1），疑似压缩炸弹：%(name)s "
                        "(compression ratio of a zip bomb)"
                    )
                    % {
                        "ratio": info.file_size // max(info.compress_size, 1),
                        "name": member,
                    }
                )
            number = budget.add_member()
            target = _target(out_dir, number, member)
            size = 0
            try:
                with bundle.open(info) as source, target.open("wb") as sink:
                    # Count what is really written: headers can lie.
                    while chunk := source.read(_CHUNK):
                        size += len(chunk)
                        budget.add_bytes(len(chunk))
                        if size > info.file_size:
                            raise _too_big(limits)
                        sink.write(chunk)
            except (zipfile.BadZipFile, OSError, EOFError) as error:
                raise ExtractionRejected(
                    _("压缩包已损坏：%(name)s (corrupt ZIP member: %(error)s)")
                    % {"name": member, "error": error}
                ) from error
            except RuntimeError as error:  # zipfile: "password required", …
                raise ExtractionRejected(
                    _("压缩包无法解压：%(name)s (%(error)s)")
                    % {"name": member, "error": error}
                ) from error
            written.append(BundleMember(prefix + member, str(target), size))
    return written


def _run_unar(args: list[str], sink, limit: int) -> int:
    """Run unar/lsar writing stdout into sink (a file) up to `limit` bytes."""
    proc = subprocess.Popen(
        args,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    size = 0
    try:
        assert proc.stdout is not None
        while chunk := proc.stdout.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise _too_big_rar(limit)
            sink.write(chunk)
        proc.wait()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    if proc.returncode != 0:
        raise ExtractionRejected(
            _("RAR 压缩包无法解压 (unar failed with code %(code)s)")
            % {"code": proc.returncode}
        )
    return size


def _too_big_rar(limit: int) -> ExtractionRejected:
    return ExtractionRejected(
        _("压缩包解压后超过 %(n)d 字节 (the bundle unpacks to more than %(n)d bytes)")
        % {"n": limit}
    )


def _unpack_rar(
    path: Path, out_dir: Path, budget: _Budget, prefix: str
) -> list[BundleMember]:
    """RAR via lsar (listing) and unar (one member at a time to a capped pipe).

    UNTESTED on a real RAR: no RAR writer in Debian main, and a ZIP renamed .rar
    is not a RAR.
    """
    import io

    listing = io.BytesIO()
    _run_unar([LSAR, "-j", str(path)], listing, 16 * 1024 * 1024)
    try:
        entries = json.loads(listing.getvalue())["lsarContents"]
    except (ValueError, KeyError) as error:
        raise ExtractionRejected(
            _("RAR 压缩包已损坏 (corrupt RAR: %(error)s)") % {"error": error}
        ) from error
    files = [e for e in entries if not e.get("XADIsDirectory")]
    declared = sum(int(e.get("XADFileSize", 0)) for e in files)
    if budget.bytes + declared > budget.limits.max_unpacked_bytes:
        raise _too_big(budget.limits)
    written = []
    for entry in files:
        member = safe_name(str(entry.get("XADFileName", "")))
        if entry.get("XADIsEncrypted"):
            raise ExtractionRejected(
                _("压缩包已加密：%(name)s (an encrypted member)") % {"name": member}
            )
        number = budget.add_member()
        target = _target(out_dir, number, member)
        room = budget.limits.max_unpacked_bytes - budget.bytes
        with target.open("wb") as sink:
            size = _run_unar(
                [UNAR, "-q", "-nr", "-o", "-", "-i", str(path), str(entry["XADIndex"])],
                sink,
                room,
            )
        budget.add_bytes(size)
        written.append(BundleMember(prefix + member, str(target), size))
    return written
