"""The one text normalisation shared by indexing, querying and highlighting."""

from __future__ import annotations


def fold(text: str) -> str:
    """Lower-case ASCII letters only.

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
