"""A web page saved as an attachment (".doc" that is HTML or MHTML): its text."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from charset_normalizer import from_bytes
from django.utils.translation import gettext as _

from ..result import Extraction, ExtractionRejected, Limits, Method
from ._text import TextBuilder

_BLOCKS = ("p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table")


def _html_of(raw: bytes) -> str:
    if raw.lstrip()[:13].lower() == b"mime-version:":
        message = email.message_from_bytes(raw, policy=email.policy.default)
        for part in message.walk():
            if part.get_content_type() == "text/html":
                return part.get_content()
        raise ExtractionRejected(_("网页存档中没有正文 (no HTML part in the MHTML)"))
    best = from_bytes(raw[:1_000_000]).best()
    encoding = best.encoding if best else "utf-8"
    return raw.decode(encoding, errors="replace")


def read_text(path: Path, limits: Limits) -> Extraction:
    from bs4 import BeautifulSoup

    raw = path.read_bytes()
    soup = BeautifulSoup(_html_of(raw), "lxml")
    for tag in soup(["script", "style", "head"]):
        tag.decompose()
    for tag in soup.find_all(_BLOCKS):
        tag.insert_before("\n")
    builder = TextBuilder(limits.max_text_chars)
    builder.begin_page()
    for line in soup.get_text().splitlines():
        if line.strip():
            builder.paragraph(line.strip())
    builder.end_page(1, Method.TEXT)
    return builder.build(Method.TEXT, page_count=1)
