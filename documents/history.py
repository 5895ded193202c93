"""A document's versions: recorded when its searchable text changes, and the
difference between two of them, by lines, then by characters within changed
lines (Chinese has no spaces to diff words by)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from documents.models import Capture, Document, DocumentVersion
from documents.texts import searchable_text, with_parts

# Unchanged lines shown around each change; longer runs are collapsed.
CONTEXT = 3
# A changed block is diffed by characters only while the product of its two
# sides' lengths stays below this (SequenceMatcher is quadratic at worst);
# a bigger one is marked by whole lines. Two 5 MB texts with scattered edits
# diff in about half a second; two wholly different ones in a few seconds.
FINE_BLOCK_PRODUCT = 4_000_000
# Within a block of changed lines, lines at least this alike (difflib's ratio)
# are shown as one line changed; pairing is tried in blocks up to this size.
PAIR_CUTOFF = 0.5
PAIR_MAX_LINES = 20
PAIR_MAX_CHARS = 20_000
# What a version recorded before anything was changed says of its origin.
BASELINE_ORIGIN = _("版本记录开始前已导入的文本")
ADMIN_ORIGIN = "admin: "

EQUAL = "equal"
COLLAPSED = "collapsed"
INSERTED = "inserted"
DELETED = "deleted"
REPLACED = "replaced"
# Segment kinds within a line.
PLAIN = ""
INS = "ins"
DEL = "del"


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _current(document_id: int) -> Document:
    return with_parts(Document.objects.defer("original")).get(pk=document_id)


def _create(
    document: Document, *, number: int, recorded_at: datetime, origin: str
) -> DocumentVersion:
    text = searchable_text(document)
    return DocumentVersion.objects.create(
        document=document,
        number=number,
        recorded_at=recorded_at,
        title=document.title[:500],
        text=text,
        text_hash=text_hash(text),
        origin=str(origin)[:1200],
    )


def record_version(
    document_id: int, *, recorded_at: datetime | None = None, origin: str = ""
) -> DocumentVersion | None:
    """A new version of the document when its searchable text (title, body,
    extracted attachments) differs from its latest version's, else None.

    Call it after the document and its attachment rows are written, in the same
    transaction. ``recorded_at`` is the capture time of a harvested page (a
    WARC record's date); without it, now.
    """
    document = _current(document_id)
    text = searchable_text(document)
    latest = (
        DocumentVersion.objects.filter(document_id=document_id)
        .order_by("-number")
        .only("number", "text_hash")
        .first()
    )
    if latest is not None and latest.text_hash == text_hash(text):
        return None
    return _create(
        document,
        number=latest.number + 1 if latest is not None else 1,
        recorded_at=recorded_at or timezone.now(),
        origin=origin,
    )


def keep_baseline(document_id: int) -> DocumentVersion | None:
    """Version 1 from the stored text of a document that has no versions yet
    (imported before versions were kept), before an import or an edit changes
    it: otherwise the first change would leave nothing to compare with. Call it
    before the change is saved, in its transaction."""
    if DocumentVersion.objects.filter(document_id=document_id).exists():
        return None
    document = _current(document_id)
    return _create(
        document,
        number=1,
        recorded_at=document.updated_at or timezone.now(),
        origin=BASELINE_ORIGIN,
    )


@dataclass(frozen=True)
class Segment:
    """A run of characters within a line: plain, inserted or deleted."""

    kind: str
    text: str


@dataclass(frozen=True)
class DiffLine:
    """One line of one side (1-based ``number`` in that version's text)."""

    number: int
    segments: tuple[Segment, ...]

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.segments)


@dataclass(frozen=True)
class DiffBlock:
    """A run of lines: equal, collapsed (``hidden`` equal lines not shown),
    inserted, deleted or replaced. A replaced block's lines carry character
    marks when ``fine``; otherwise every line of it counts as changed."""

    kind: str
    old: tuple[DiffLine, ...] = ()
    new: tuple[DiffLine, ...] = ()
    hidden: int = 0
    old_start: int = 0
    new_start: int = 0
    fine: bool = True

    @property
    def inserted_chars(self) -> int:
        if self.kind not in (INSERTED, REPLACED):
            return 0
        return _count(self.new, INS if self.kind == REPLACED and self.fine else None)

    @property
    def deleted_chars(self) -> int:
        if self.kind not in (DELETED, REPLACED):
            return 0
        return _count(self.old, DEL if self.kind == REPLACED and self.fine else None)


def _count(lines: tuple[DiffLine, ...], kind: str | None) -> int:
    """Characters of the marked segments (``kind``), or of every line."""
    return sum(
        len(segment.text)
        for line in lines
        for segment in line.segments
        if kind is None or segment.kind == kind
    )


def version_diff(old: DocumentVersion, new: DocumentVersion) -> list[DiffBlock]:
    """The difference from ``old``'s text to ``new``'s."""
    return diff_texts(old.text, new.text)


def diff_texts(
    old_text: str, new_text: str, *, context: int = CONTEXT
) -> list[DiffBlock]:
    """Line blocks from ``old_text`` to ``new_text``, equal runs collapsed to
    ``context`` lines around each change."""
    a = old_text.split("\n")
    b = new_text.split("\n")
    # Most edits touch a few lines: the common ends are cut off first, which
    # keeps SequenceMatcher's work to the changed middle.
    head = 0
    limit = min(len(a), len(b))
    while head < limit and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < limit - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    middle = SequenceMatcher(None, a[head : len(a) - tail], b[head : len(b) - tail])
    opcodes = [("equal", 0, head, 0, head)]
    opcodes += [
        (tag, i1 + head, i2 + head, j1 + head, j2 + head)
        for tag, i1, i2, j1, j2 in middle.get_opcodes()
    ]
    opcodes.append(("equal", len(a) - tail, len(a), len(b) - tail, len(b)))
    blocks: list[DiffBlock] = []
    merged = _merge_equal(opcodes)
    for index, (tag, i1, i2, j1, j2) in enumerate(merged):
        if tag == "equal":
            blocks += _equal_blocks(
                a,
                i1,
                i2,
                j1,
                first=index == 0,
                last=index == len(merged) - 1,
                context=context,
            )
        elif tag == "insert":
            blocks.append(
                DiffBlock(
                    INSERTED, new=_plain(b, j1, j2), old_start=i1 + 1, new_start=j1 + 1
                )
            )
        elif tag == "delete":
            blocks.append(
                DiffBlock(
                    DELETED, old=_plain(a, i1, i2), old_start=i1 + 1, new_start=j1 + 1
                )
            )
        else:
            blocks += _changed(a, i1, i2, b, j1, j2)
    return blocks


def _merge_equal(
    opcodes: list[tuple[str, int, int, int, int]],
) -> list[tuple[str, int, int, int, int]]:
    """Adjacent equal runs as one; empty runs dropped."""
    out: list[tuple[str, int, int, int, int]] = []
    for tag, i1, i2, j1, j2 in opcodes:
        if i1 == i2 and j1 == j2:
            continue
        if out and tag == "equal" and out[-1][0] == "equal":
            _tag, p1, _p2, q1, _q2 = out[-1]
            out[-1] = ("equal", p1, i2, q1, j2)
        else:
            out.append((tag, i1, i2, j1, j2))
    return out


def _plain(lines: list[str], start: int, end: int) -> tuple[DiffLine, ...]:
    return tuple(
        DiffLine(n + 1, (Segment(PLAIN, lines[n]),) if lines[n] else ())
        for n in range(start, end)
    )


def _equal_blocks(
    a: list[str],
    i1: int,
    i2: int,
    j1: int,
    *,
    first: bool,
    last: bool,
    context: int,
) -> list[DiffBlock]:
    """An unchanged run: ``context`` lines after the change before it and
    before the change after it, the rest collapsed."""
    size = i2 - i1
    keep_head = 0 if first else context
    keep_tail = 0 if last else context
    if keep_head + keep_tail >= size:
        return [
            DiffBlock(EQUAL, old=_plain(a, i1, i2), old_start=i1 + 1, new_start=j1 + 1)
        ]
    blocks = []
    if keep_head:
        blocks.append(
            DiffBlock(
                EQUAL,
                old=_plain(a, i1, i1 + keep_head),
                old_start=i1 + 1,
                new_start=j1 + 1,
            )
        )
    hidden = size - keep_head - keep_tail
    blocks.append(
        DiffBlock(
            COLLAPSED,
            hidden=hidden,
            old_start=i1 + keep_head + 1,
            new_start=j1 + keep_head + 1,
        )
    )
    if keep_tail:
        start = i2 - keep_tail
        blocks.append(
            DiffBlock(
                EQUAL,
                old=_plain(a, start, i2),
                old_start=start + 1,
                new_start=j1 + (start - i1) + 1,
            )
        )
    return blocks


def _changed(
    a: list[str], i1: int, i2: int, b: list[str], j1: int, j2: int
) -> list[DiffBlock]:
    """Changed lines a[i1:i2] → b[j1:j2]. In a small block each old line is
    paired with the new line most like it (as difflib.Differ does), so that an
    inserted paragraph is shown as a whole line and a touched one by its
    characters; unpaired lines are deleted or inserted whole."""
    if i1 == i2 and j1 == j2:
        return []
    if i1 == i2:
        return [
            DiffBlock(
                INSERTED, new=_plain(b, j1, j2), old_start=i1 + 1, new_start=j1 + 1
            )
        ]
    if j1 == j2:
        return [
            DiffBlock(
                DELETED, old=_plain(a, i1, i2), old_start=i1 + 1, new_start=j1 + 1
            )
        ]
    small = (
        max(i2 - i1, j2 - j1) <= PAIR_MAX_LINES
        and sum(map(len, a[i1:i2])) + sum(map(len, b[j1:j2])) <= PAIR_MAX_CHARS
    )
    if not small:
        return [_replaced(a, i1, i2, b, j1, j2)]
    best, best_i, best_j = PAIR_CUTOFF, -1, -1
    for i in range(i1, i2):
        for j in range(j1, j2):
            matcher = SequenceMatcher(None, a[i], b[j], autojunk=False)
            if (
                matcher.real_quick_ratio() > best
                and matcher.quick_ratio() > best
                and matcher.ratio() > best
            ):
                best, best_i, best_j = matcher.ratio(), i, j
    if best_i < 0:
        return [
            DiffBlock(
                DELETED, old=_plain(a, i1, i2), old_start=i1 + 1, new_start=j1 + 1
            ),
            DiffBlock(
                INSERTED, new=_plain(b, j1, j2), old_start=i2 + 1, new_start=j1 + 1
            ),
        ]
    return [
        *_changed(a, i1, best_i, b, j1, best_j),
        _replaced(a, best_i, best_i + 1, b, best_j, best_j + 1),
        *_changed(a, best_i + 1, i2, b, best_j + 1, j2),
    ]


def _replaced(
    a: list[str], i1: int, i2: int, b: list[str], j1: int, j2: int
) -> DiffBlock:
    """Changed lines, with the changed characters marked where affordable."""
    old_text = "\n".join(a[i1:i2])
    new_text = "\n".join(b[j1:j2])
    if len(old_text) * len(new_text) > FINE_BLOCK_PRODUCT:
        return DiffBlock(
            REPLACED,
            old=_plain(a, i1, i2),
            new=_plain(b, j1, j2),
            old_start=i1 + 1,
            new_start=j1 + 1,
            fine=False,
        )
    old_runs: list[Segment] = []
    new_runs: list[Segment] = []
    matcher = SequenceMatcher(None, old_text, new_text, autojunk=False)
    for tag, k1, k2, m1, m2 in matcher.get_opcodes():
        if tag == "equal":
            old_runs.append(Segment(PLAIN, old_text[k1:k2]))
            new_runs.append(Segment(PLAIN, new_text[m1:m2]))
            continue
        if k2 > k1:
            old_runs.append(Segment(DEL, old_text[k1:k2]))
        if m2 > m1:
            new_runs.append(Segment(INS, new_text[m1:m2]))
    return DiffBlock(
        REPLACED,
        old=_split_lines(old_runs, i1),
        new=_split_lines(new_runs, j1),
        old_start=i1 + 1,
        new_start=j1 + 1,
    )


def _split_lines(runs: list[Segment], start: int) -> tuple[DiffLine, ...]:
    """Segments cut at the newlines into numbered lines (a marked newline is
    a line break all the same; the characters either side keep their mark)."""
    lines: list[DiffLine] = []
    current: list[Segment] = []
    for run in runs:
        pieces = run.text.split("\n")
        for n, piece in enumerate(pieces):
            if n:
                lines.append(DiffLine(start + len(lines) + 1, tuple(current)))
                current = []
            if piece:
                current.append(Segment(run.kind, piece))
    lines.append(DiffLine(start + len(lines) + 1, tuple(current)))
    return tuple(lines)


@dataclass(frozen=True)
class Change:
    """How much changed from one version to the next."""

    inserted: int
    deleted: int
    fine: bool

    @property
    def total(self) -> int:
        return self.inserted + self.deleted


def change_between(old: DocumentVersion, new: DocumentVersion) -> Change:
    """Characters inserted and deleted from ``old`` to ``new`` (cached: a
    version never changes, its hash names its text)."""
    key = f"plansite:version-change:{old.text_hash}:{new.text_hash}"
    found = cache.get(key)
    if found is not None:
        return Change(*found)
    blocks = version_diff(old, new)
    change = Change(
        inserted=sum(block.inserted_chars for block in blocks),
        deleted=sum(block.deleted_chars for block in blocks),
        fine=all(block.fine for block in blocks),
    )
    cache.set(key, (change.inserted, change.deleted, change.fine), None)
    return change


@dataclass(frozen=True)
class VersionRow:
    """A version for the lists: what changed since the one before it."""

    version: DocumentVersion
    # None for the first version: nothing before it to compare with.
    change: Change | None
    previous: int | None


def version_rows(document_id: int, *, latest: int | None = None) -> list[VersionRow]:
    """The document's versions (the ``latest`` few, or all), oldest first, each
    with its change from the one before."""
    rows_qs = (
        DocumentVersion.objects.filter(document_id=document_id)
        .defer("text")
        .order_by("-number")
    )
    # One more than shown: the change of the oldest shown is measured from it.
    versions = list(rows_qs[: latest + 1] if latest is not None else rows_qs)
    versions.reverse()
    rows: list[VersionRow] = []
    previous: DocumentVersion | None = None
    for version in versions:
        change = change_between(previous, version) if previous is not None else None
        rows.append(VersionRow(version, change, previous.number if previous else None))
        previous = version
    if latest is not None and len(rows) > latest:
        rows = rows[-latest:]
    return rows


# The versions a document page lists (each diffed against the one before it
# when first shown); the version list page has them all.
VERSIONS_SHOWN = 5
# The captures a document page lists; the rest are counted.
CAPTURES_SHOWN = 50


@dataclass(frozen=True)
class CaptureHistory:
    """What the harvester saw of a document's page."""

    captures: list[Capture]
    total: int


def capture_history(document_id: int, *, limit: int = CAPTURES_SHOWN) -> CaptureHistory:
    """The latest captures of the document's page (newest first), with the URL."""
    rows = Capture.objects.filter(document_id=document_id)
    shown = list(
        rows.select_related("url")
        .only(
            "captured_at",
            "outcome",
            "status_code",
            "warc_file",
            "warc_offset",
            "record_id",
            "error",
            "url__url",
        )
        .order_by("-captured_at", "-id")[:limit]
    )
    total = len(shown) if len(shown) < limit else rows.count()
    return CaptureHistory(shown, total)
