"""Stage 2: turn bytes into text: UTF-8 (with or without BOM), UTF-16, GB18030/GBK."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from charset_normalizer import from_bytes

from documents.ingest.errors import RejectedInput

# A document is text; a high share of control bytes means a binary file.
_MAX_CONTROL_RATIO = 0.01
_ALLOWED_CONTROLS = {"\t", "\n", "\r", "\f", "\v"}
_CHINESE_ENCODINGS = frozenset({"big5", "big5hkscs", "cp950", "hz", "gb2312", "gbk"})
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_TRUNCATED = "文件末尾的字符不完整，已舍去 (truncated)"


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    warnings: list[str] = field(default_factory=list)


def decode_bytes(data: bytes) -> Decoded:
    """Decode strictly where possible and say what was repaired where not."""
    if not data:
        raise RejectedInput("空文件 (empty file)")
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return _checked(_decode_or_repair(data, encoding))
    if b"\x00" in data:
        # Only UTF-16 (with its BOM, above) has NUL bytes in text.
        raise RejectedInput("二进制文件 (binary: contains NUL bytes)")
    try:
        return _checked(Decoded(data.decode("utf-8"), "utf-8"))
    except UnicodeDecodeError as exc:
        # A file cut off inside its last character is still the document.
        if exc.start >= len(data) - 3:
            try:
                text = data[: exc.start].decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                return _checked(Decoded(text, "utf-8", [_TRUNCATED]))
    # GB18030 decodes almost any bytes, UTF-8 included (as mojibake), so each line
    # is tried as UTF-8 first: this reads GBK files and files pasted from both.
    by_line = _decode_by_line(data)
    if by_line is not None:
        return _checked(by_line)
    # Beyond UTF-8 and GB18030 only another Chinese encoding (Big5) is worth a
    # guess: a Central-European code page read from junk is no document.
    best = from_bytes(data).best()
    if best is not None and not _CJK.search(str(best)):
        raise RejectedInput(
            "没有中文，不是中文政府文件 (no Chinese text: not a Chinese government "
            f"document; the bytes read only as {best.encoding})"
        )
    if best is None or best.encoding not in _CHINESE_ENCODINGS:
        raise RejectedInput(
            "无法识别编码 (undecodable: not UTF-8, GB18030/GBK, or UTF-16 with BOM)"
        )
    return _checked(
        Decoded(str(best), best.encoding, ["编码为猜测 (encoding guessed)"])
    )


def _decode_or_repair(data: bytes, encoding: str) -> Decoded:
    try:
        return Decoded(data.decode(encoding), encoding)
    except UnicodeDecodeError:
        text = data.decode(encoding, errors="replace")
        return Decoded(text, encoding, ["部分字节无法解码，已替换 (replaced bytes)"])


def _decode_by_line(data: bytes) -> Decoded | None:
    """Decode line by line, UTF-8 before GB18030; None if a line is neither."""
    lines = data.splitlines(keepends=True)
    out: list[str] = []
    used: set[str] = set()
    warnings: list[str] = []
    for number, line in enumerate(lines, start=1):
        text = _decode_line(line)
        if text is None and number == len(lines):
            # The last character may be cut in half.
            text = next(
                (
                    t
                    for cut in (1, 2, 3)
                    if (t := _decode_line(line[:-cut])) is not None
                ),
                None,
            )
            if text is not None:
                warnings.append(_TRUNCATED)
        if text is None:
            return None
        decoded, encoding = text
        out.append(decoded)
        if not line.isascii():
            used.add(encoding)
    if used == {"utf-8", "gb18030"}:
        warnings.append("混合编码，逐行解码 (mixed encodings)")
        return Decoded("".join(out), "mixed", warnings)
    return Decoded("".join(out), "gb18030" if "gb18030" in used else "utf-8", warnings)


def _decode_line(line: bytes) -> tuple[str, str] | None:
    for encoding in ("utf-8", "gb18030"):
        try:
            return line.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return None


def _checked(decoded: Decoded) -> Decoded:
    text = decoded.text
    sample = text[:20000]
    if sample:
        controls = sum(
            1 for ch in sample if ord(ch) < 32 and ch not in _ALLOWED_CONTROLS
        )
        if controls / len(sample) > _MAX_CONTROL_RATIO:
            raise RejectedInput("二进制文件 (binary: control characters)")
    # Anywhere in the file, not only in the sample: no database column takes NUL.
    if "\x00" in text:
        raise RejectedInput("二进制文件 (binary: contains NUL characters)")
    if not text.strip():
        raise RejectedInput("没有文字内容 (no text)")
    if not _CJK.search(text):
        raise RejectedInput(
            "没有中文，不是中文政府文件 (no Chinese text: not a Chinese government "
            "document)"
        )
    return decoded
