"""The one text normalisation shared by indexing, querying and highlighting."""

from __future__ import annotations

import re

_ASCII_UPPER = re.compile("[A-Z]+")


def _lower(match: re.Match[str]) -> str:
    return match.group().lower()


def fold(text: str) -> str:
    """Lower-case ASCII letters only.

    str.lower() would also change non-ASCII letters, some of them to a
    different length (İ -> i̇), and char offsets must survive folding so that
    highlights land on the original text. A regex over the capitals is many
    times faster than str.translate on Chinese text, which has few or none.
    """
    return _ASCII_UPPER.sub(_lower, text)
