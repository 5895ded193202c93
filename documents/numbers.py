"""How a 索引号 or 文号 compares when a researcher types it, in whatever form.

浙政发〔2021〕8号, 浙政发[2021]8号, 浙政发（２０２１）８号 and 浙政发 [2021] 8 号
name one document: number_key() gives them one key. It is stored beside each
document's 索引号 and 文号 (Document.index_no_key, doc_number_key, set on every
save) so the search can look a typed number up (search/identifiers.py).
"""

from __future__ import annotations

import unicodedata

# Bracket pairs a 文号 is written with, each side to one form (after NFKC,
# which makes full-width ［］（）｛｝ ASCII and ﹝﹞ 〔〕).
_OPENERS = "([{〔【〖⦅〘〚<《〈"
_CLOSERS = ")]}〕】〗⦆〙〛>》〉"
# Hyphens, dashes and minus signs (after NFKC, which makes － and ﹣ "-").
_DASHES = "‐‑‒–—―−⁃ー～~"
_UNIFY = str.maketrans(
    {
        **dict.fromkeys(map(ord, _OPENERS), "["),
        **dict.fromkeys(map(ord, _CLOSERS), "]"),
        **dict.fromkeys(map(ord, _DASHES), "-"),
    }
)
# Quotes a query may wrap a number in.
_DROPPED = frozenset("\"“”＂'‘’")


def number_key(value: str | None) -> str:
    """``value`` as compared: width folded (NFKC), brackets and dashes of one
    kind, no spaces or quotes, ASCII upper case."""
    text = unicodedata.normalize("NFKC", value or "").translate(_UNIFY)
    kept = (
        ch
        for ch in text
        if not ch.isspace()
        and ch not in _DROPPED
        and unicodedata.category(ch) not in ("Cc", "Cf")
    )
    return "".join(kept).upper()


def is_number_like(key: str) -> bool:
    """Whether a key could be a 索引号 or 文号: a digit and four characters.

    Shorter keys ("8", "2021") name too many things to be looked up.
    """
    return len(key) >= 4 and any(ch.isdigit() for ch in key)
