"""The main text of an HTML page of a template we have no rule for (trafilatura)."""

from __future__ import annotations

import logging
import re

import trafilatura

logger = logging.getLogger(__name__)

_CJK = re.compile(r"[\u4e00-\u9fff]")
_PROSE = re.compile(r"[。，；！？]")
# As much Chinese text as our own container detection asks of a container, in
# lines of prose: a page of menus and counters has no main text.
_MIN_CJK = 50


def main_text(html: str) -> str:
    """The page's main text, one block a line; "" when none is found.

    favor_recall: a page of an unknown template should lose no paragraph of its
    text; what chrome is left goes through the chrome list and the source's
    learned template like any other body.
    """
    try:
        text = trafilatura.extract(
            html,
            output_format="txt",
            favor_recall=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            with_metadata=False,
            deduplicate=False,
        )
    except Exception:  # A library failure must not lose the page: fall back.
        logger.exception("trafilatura failed")
        return ""
    prose = [line for line in (text or "").splitlines() if _PROSE.search(line)]
    if len(_CJK.findall("".join(prose))) < _MIN_CJK:
        return ""
    return text
