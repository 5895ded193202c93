"""The one text normalisation shared by indexing, querying and highlighting.

Two forms of matching (``Form``): FOLDED, the default, treats traditional and
simplified characters, and full-width and half-width digits and letters, as
the same; EXACT keeps every character as written. Both fold ASCII case.

Every fold maps one code point to one code point, so an offset in the folded
text is the offset in the original: highlights, KWIC lines and proximity
land on the original text.
"""

from __future__ import annotations

from enum import StrEnum


class Form(StrEnum):
    """How characters are compared (the ``form`` parameter of every search)."""

    FOLDED = "folded"
    EXACT = "exact"

    @classmethod
    def parse(cls, value: str | None) -> Form | None:
        """The form named by ``value``; None for anything else."""
        try:
            return cls(value or "")
        except ValueError:
            return None


# Code point -> code point for the FOLDED form: full-width digits and letters,
# traditional characters (issue 17's folding work fills it; empty until then).
FOLD_TABLE: dict[int, int] = {}


def fold_case(text: str) -> str:
    """Lower-case ASCII letters only (the EXACT form).

    str.lower() would also change non-ASCII letters, some of them to a
    different length (İ -> i̇), and char offsets must survive folding so that
    highlights land on the original text. bytes.lower() changes only the
    bytes A-Z, which in UTF-8 are only ever the ASCII letters themselves; it
    is 15 times faster than a regex over the capitals of Chinese text that
    has some Latin (GDP, PM2.5). surrogatepass keeps lone surrogates as they
    are.
    """
    return (
        text.encode("utf-8", "surrogatepass").lower().decode("utf-8", "surrogatepass")
    )


def fold(text: str, form: Form = Form.FOLDED) -> str:
    """``text`` as the index and the search compare it, one code point for one."""
    folded = fold_case(text)
    if form is Form.EXACT:
        return folded
    return folded.translate(FOLD_TABLE)
