"""Clean text from HTML fragments that CMS exports put inside record fields."""

from __future__ import annotations

import html
import re

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

# Elements of the HTML standard whose tags mark a value as markup. Only these
# count, so that 《关于印发<实施方案>的通知》 or "x<5" is never read as a tag.
_ELEMENTS = [
    "a", "abbr", "address", "article", "aside", "b", "big", "blockquote", "body",
    "br", "caption", "center", "cite", "code", "col", "colgroup", "dd", "del", "div",
    "dl", "dt", "em", "font", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "head",
    "header", "hr", "html", "i", "img", "ins", "li", "link", "meta", "nav",
    "noscript", "ol", "p", "pre", "s", "section", "small", "span", "strike",
    "strong", "style", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "title", "tr", "tt", "u", "ul", "o:p", "script", "iframe", "form", "input",
    "label", "select", "textarea", "button", "figure", "figcaption", "main",
    "template",
]  # fmt: skip
_TAG = re.compile(
    r"</?(?:" + "|".join(map(re.escape, _ELEMENTS)) + r")(?=[\s/>])[^<>]*>",
    re.IGNORECASE,
)
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});")
_BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "body", "br", "caption", "center",
    "dd", "div", "dl", "dt", "figcaption", "figure", "footer", "form", "h1", "h2",
    "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre",
    "section", "table", "tbody", "tfoot", "thead", "tr", "ul",
})  # fmt: skip
_CELLS = frozenset({"td", "th"})
_DROPPED = ("script", "style", "noscript", "template", "iframe", "head", "title")


def has_markup(value: str) -> bool:
    """True when the value holds HTML tags or character entities."""
    return bool(_TAG.search(value) or _ENTITY.search(value))


def markup_to_text(value: str) -> str:
    """Plain text of an HTML fragment: a line per block, entities decoded.

    Values without tags or entities come back unchanged, so plain text with its
    own line breaks keeps them.
    """
    if not _TAG.search(value):
        return html.unescape(value) if _ENTITY.search(value) else value
    soup = BeautifulSoup(value, "lxml")
    for tag in soup(_DROPPED):
        tag.decompose()
    for comment in soup.find_all(string=lambda node: isinstance(node, Comment)):
        comment.extract()
    parts: list[str] = []
    for node in soup.descendants:
        if isinstance(node, NavigableString):
            if isinstance(node, Comment):
                continue
            # Source line breaks inside HTML are not breaks in the text.
            parts.append(re.sub(r"[\r\n]+", " ", str(node)))
        elif isinstance(node, Tag):
            if node.name in _CELLS:
                parts.append("\t")
            elif node.name in _BLOCKS:
                parts.append("\n")
    lines = (line.replace("\xa0", " ").strip() for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)
