"""The one text normalisation shared by indexing, querying and highlighting."""

from __future__ import annotations

_ASCII_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold(text: str) -> str:
    """Lower-case ASCII letters only.

    str.lower() would also change non-ASCII letters, some of them to a
    different length (İ -> i̇), and char offsets must survive folding so that
    highlights land on the original text.
    """
    return text.translate(_ASCII_FOLD)
