"""File paths as text that a database, a log and a terminal can hold.

On Linux a name is bytes. Python hands a name that is not UTF-8 over as a str
with lone surrogates (``os.fsdecode``), which no database, UTF-8 log file or
terminal accepts. Such names are mostly GBK, from zips made on Chinese Windows,
so each name that is not UTF-8 is read as GB18030 (a superset of GBK): the same
bytes give the same text on every run, and the text is the name a person saw.
"""

from __future__ import annotations

import os
from pathlib import PurePath

# A byte that GB18030 cannot read either is kept visible as \xNN.
_FALLBACK_ERRORS = "backslashreplace"


def readable_name(name: str) -> str:
    """One file or folder name as valid text (UTF-8 first, else GB18030)."""
    raw = os.fsencode(name)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030", errors=_FALLBACK_ERRORS)


def path_text(path: PurePath | str) -> str:
    """A whole path as valid text, each of its names decoded on its own.

    A folder may be UTF-8 and a file in it GBK, so names are decoded one by
    one. GBK's bytes are never "/" (its trail bytes start at 0x40), so
    splitting there is safe. Only POSIX paths carry surrogates: Windows names
    are text already.
    """
    text = os.fspath(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "/".join(readable_name(part) for part in text.split("/"))
    return text
