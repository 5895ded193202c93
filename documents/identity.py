"""What identifies a document: the key the database keeps unique (Document.identity).

One registry for how the key is computed, used by the model (on every save),
the importer (to look a record up before it stores it) and migration 0010.

A document is identified by, in this order:

1. its 索引号 qualified by its issuer: the division code when the document's
   division is known, else the issuer's name (NFKC, spacing and case folded).
   Short serials such as ``2021-00005`` are per issuer, not archive-wide.
   A 索引号 with neither a division nor an issuer says nothing about whose it
   is: it does not identify the document, which falls to the next rules (two
   unrelated bare serials are never forced into one row);
2. else its source URL, for a captured page (a file of its own, not a row of a
   CSV or JSONL file, whose URL column often names a listing page): scheme and
   host lower-cased, default port and fragment dropped. A site's root ("/")
   names no document;
3. else the hash of its normalised text (fingerprint.text_key); of its title
   and text when the text is too short to tell documents apart ("详见附件。"
   on two pages says nothing about their being one). A text key is
   minted from the text the document was first stored with and kept when the
   text changes later (a learned template cuts it again, an editor corrects
   it): the first text is what a re-import of its source will bring again.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from documents.ingest.fingerprint import bare_text, text_key

MAX_LENGTH = 300
# Kinds of key, each the start of the stored value.
INDEX_DIVISION = "index-division:"
INDEX_ISSUER = "index-issuer:"
URL = "url:"
TEXT = "text:"
# Texts shorter than this (letters and digits) identify a document only with
# its title (the importer's look-up matches them only when identical, too).
MIN_BARE = 40
# A row that shared its key with an older row when migration 0010 filled the
# keys keeps the key with this and its id after it, until a reviewer merges it.
DUPLICATE = "#dup-"
# Rows of these layouts come from record files: their URL is no identity.
_RECORD_LAYOUTS = frozenset({"csv", "jsonl"})
_DEFAULT_PORTS = {"http": "80", "https": "443"}
_SPACE = re.compile(r"\s+")
# A key longer than this is stored as its kind and a hash (PostgreSQL's btree
# rows are limited in bytes; URLs and issuer names can be long).
_LONGEST_PLAIN = 255
# The fields a key is computed from.
FIELDS = (
    "index_no",
    "division_code",
    "issuer",
    "source_url",
    "layout",
    "body",
    "title",
)


def normalise_index_no(index_no: str | None) -> str:
    """A 索引号 as compared: NFKC (full-width forms), no spacing, upper case."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", index_no or "")).upper()


def normalise_issuer(issuer: str | None) -> str:
    """An issuer's name as compared: NFKC, no spacing, case folded."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", issuer or "")).casefold()


def normalise_url(url: str | None) -> str:
    """A page's URL as compared, or "" when it names no single page."""
    url = (url or "").strip()
    if not url:
        return ""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ""
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in _DEFAULT_PORTS or not host:
        return ""
    if parts.path in ("", "/") and not parts.query:
        return ""  # A site's home page is the source of many documents.
    netloc = (
        host
        if port is None or str(port) == _DEFAULT_PORTS[scheme]
        else (f"{host}:{port}")
    )
    return urlunsplit((scheme, netloc, parts.path, parts.query, ""))


def qualifier(*, division_code: str | None, issuer: str | None) -> str:
    """Whose a 索引号 is: a division code, an issuer's name, or "" (unknown)."""
    if division_code:
        return INDEX_DIVISION + division_code
    name = normalise_issuer(issuer)
    return INDEX_ISSUER + name if name else ""


def structural_key(values: Mapping[str, Any]) -> str:
    """The key from the 索引号 and issuer, or the page's URL; "" if neither."""
    index_no = normalise_index_no(values.get("index_no"))
    if index_no:
        whose = qualifier(
            division_code=values.get("division_code"), issuer=values.get("issuer")
        )
        if whose:
            return _bounded(f"{whose}:{index_no}")
    if values.get("layout") not in _RECORD_LAYOUTS:
        url = normalise_url(values.get("source_url"))
        if url:
            return _bounded(URL + url)
    return ""


def text_identity(*, body: str, title: str = "") -> str:
    """The key of a document identified by its text."""
    body = body or ""
    if len(bare_text(body)) >= MIN_BARE:
        return TEXT + text_key(body)
    both = f"{bare_text(title or '')}\0{bare_text(body)}"
    return TEXT + "short-" + hashlib.sha256(both.encode("utf-8")).hexdigest()


def key_of(values: Mapping[str, Any]) -> str:
    """The key of a record or document whose fields are ``values`` (FIELDS)."""
    return structural_key(values) or text_identity(
        body=values.get("body") or "", title=values.get("title") or ""
    )


def settle(current: str, values: Mapping[str, Any]) -> str:
    """The key to store for a document now holding ``values`` whose key was
    ``current`` ("" for a new one)."""
    structural = structural_key(values)
    if structural:
        if current == structural or current.startswith(structural + DUPLICATE):
            return current
        return structural
    if current.startswith(TEXT):
        return current  # A text key stays with the text first stored.
    return text_identity(body=values.get("body") or "", title=values.get("title") or "")


def values_of(document: object) -> dict[str, Any]:
    """The FIELDS of a model instance (current or historical)."""
    return {name: getattr(document, name) for name in FIELDS}


def duplicate_of(key: str, pk: int) -> str:
    """The key a row keeps when an older row holds ``key`` (migration 0010)."""
    suffix = f"{DUPLICATE}{pk}"
    if len(key) + len(suffix) > MAX_LENGTH:
        key = _hashed(key)
    return key + suffix


def _bounded(key: str) -> str:
    return key if len(key) <= _LONGEST_PLAIN else _hashed(key)


def _hashed(key: str) -> str:
    kind = key.split(":", 1)[0]
    return f"{kind}:sha256-{hashlib.sha256(key.encode('utf-8')).hexdigest()}"
