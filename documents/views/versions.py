"""A document's versions: their list, and the difference between two of them."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from documents import history
from documents.models import Document, DocumentVersion
from plansite.http import read_only

# A diff page shows at most this many lines; the rest is counted, not drawn
# (two wholly different 5 MB texts would be a page of tens of megabytes).
MAX_LINES = 3000


def _document(pk: int) -> Document:
    return get_object_or_404(
        Document.objects.only("pk", "title", "availability", "last_seen"), pk=pk
    )


@read_only
def version_list(request: HttpRequest, pk: int) -> HttpResponse:
    """Every version of the document, with what changed and links to diffs."""
    document = _document(pk)
    rows = history.version_rows(pk)
    return render(
        request,
        "documents/version_list.html",
        {"document": document, "rows": list(reversed(rows))},
    )


class BadDiffParams(ValueError):
    """The from/to parameters name no pair of versions to compare."""


@dataclass(frozen=True)
class Pair:
    old: DocumentVersion
    new: DocumentVersion


def _number(raw: str, name: str) -> int:
    try:
        number = int(raw.strip())
    except ValueError:
        raise BadDiffParams(
            _("参数 %(name)s 应为版本号（正整数），收到的是“%(value)s”。")
            % {"name": name, "value": raw[:40]}
        ) from None
    if number < 1:
        raise BadDiffParams(
            _("参数 %(name)s 应为版本号（正整数），收到的是“%(value)s”。")
            % {"name": name, "value": raw[:40]}
        )
    return number


def choose_pair(
    numbers: list[int], *, raw_from: str | None, raw_to: str | None
) -> tuple[int, int] | None:
    """The two version numbers to compare: the ones asked for, else the latest
    two (None when there are fewer than two versions). Raises BadDiffParams."""
    if raw_from is None and raw_to is None:
        return (numbers[-2], numbers[-1]) if len(numbers) >= 2 else None
    new = _number(raw_to, "to") if raw_to is not None else None
    old = _number(raw_from, "from") if raw_from is not None else None
    if new is None:
        new = numbers[-1] if numbers else 0
    if old is None:
        old = new - 1
    for number, name in ((old, "from"), (new, "to")):
        if number not in numbers:
            raise BadDiffParams(
                _("这篇文档没有版本 %(number)d（参数 %(name)s）。现有版本：%(have)s。")
                % {
                    "number": number,
                    "name": name,
                    "have": "、".join(str(n) for n in numbers) or _("无"),
                }
            )
    if old == new:
        raise BadDiffParams(_("请选择两个不同的版本进行比较。"))
    return old, new


@read_only
def version_diff(request: HttpRequest, pk: int) -> HttpResponse:
    """The difference between two versions (?from=1&to=2; default the latest two)."""
    document = _document(pk)
    numbers = list(
        DocumentVersion.objects.filter(document_id=pk)
        .order_by("number")
        .values_list("number", flat=True)
    )
    context: dict[str, object] = {"document": document, "numbers": numbers}
    try:
        pair = choose_pair(
            numbers, raw_from=request.GET.get("from"), raw_to=request.GET.get("to")
        )
    except BadDiffParams as exc:
        context["error"] = str(exc)
        return render(
            request, "documents/version_bad_request.html", context, status=400
        )
    if pair is None:
        return render(request, "documents/version_diff.html", context)
    versions = {
        v.number: v
        for v in DocumentVersion.objects.filter(document_id=pk, number__in=pair)
    }
    old, new = versions[pair[0]], versions[pair[1]]
    blocks = history.version_diff(old, new)
    drawn = draw_diff(blocks)
    context.update(
        {
            "old": old,
            "new": new,
            "diff_html": drawn.html,
            "cut_lines": drawn.cut,
            "inserted": sum(b.inserted_chars for b in blocks),
            "deleted": sum(b.deleted_chars for b in blocks),
            "coarse": any(not b.fine for b in blocks),
            "same": all(b.kind in (history.EQUAL, history.COLLAPSED) for b in blocks),
        }
    )
    return render(request, "documents/version_diff.html", context)


@dataclass(frozen=True)
class Drawn:
    html: SafeString
    # Lines left out past MAX_LINES.
    cut: int


def _segments(line: history.DiffLine, *, whole: str = "") -> str:
    """A line's text, its changed characters in <ins>/<del>; ``whole`` wraps
    the entire line (a line inserted or deleted as a whole)."""
    if whole:
        return f"<{whole}>{escape(line.text)}</{whole}>" if line.text else ""
    out = []
    for segment in line.segments:
        text = escape(segment.text)
        out.append(f"<{segment.kind}>{text}</{segment.kind}>" if segment.kind else text)
    return "".join(out)


def _line(
    kind: str, old: int | str, new: int | str, sign: str, label: str, body: str
) -> str:
    hidden = f'<span class="visually-hidden">{escape(label)}</span>' if label else ""
    return (
        f'<div class="dl dl-{kind}"><span class="n">{old}</span>'
        f'<span class="n">{new}</span><span class="s" aria-hidden="true">{sign}</span>'
        f'<span class="t">{hidden}{body}</span></div>'
    )


def draw_diff(blocks: list[history.DiffBlock], *, max_lines: int = MAX_LINES) -> Drawn:
    """The diff as HTML lines (built here, not in a template loop: a long
    diff has thousands of lines)."""
    removed = _("删除：")
    added = _("新增：")
    was = _("原：")
    now = _("现：")
    out: list[str] = []
    shown = 0
    cut = 0
    for block in blocks:
        lines = len(block.old) + len(block.new)
        if block.kind == history.COLLAPSED:
            out.append(
                str(
                    format_html(
                        '<div class="dl dl-skip"><span class="t">{}</span></div>',
                        _("…… 未改动的 %(count)d 行（原第 %(start)d 行起）……")
                        % {"count": block.hidden, "start": block.old_start},
                    )
                )
            )
            continue
        if block.kind == history.EQUAL:
            lines = len(block.old)
        if shown + lines > max_lines:
            cut += lines
            continue
        shown += lines
        if block.kind == history.EQUAL:
            offset = block.new_start - block.old_start
            for line in block.old:
                out.append(
                    _line(
                        "eq", line.number, line.number + offset, "", "", _segments(line)
                    )
                )
        elif block.kind == history.DELETED:
            for line in block.old:
                out.append(
                    _line(
                        "del",
                        line.number,
                        "",
                        "−",
                        removed,
                        _segments(line, whole="del"),
                    )
                )
        elif block.kind == history.INSERTED:
            for line in block.new:
                out.append(
                    _line(
                        "ins", "", line.number, "+", added, _segments(line, whole="ins")
                    )
                )
        else:
            coarse = not block.fine
            for line in block.old:
                body = _segments(line, whole="del" if coarse else "")
                out.append(_line("old", line.number, "", "−", was, body))
            for line in block.new:
                body = _segments(line, whole="ins" if coarse else "")
                out.append(_line("new", "", line.number, "+", now, body))
    # Every piece of text above went through escape(); the markup is ours.
    return Drawn(mark_safe("\n".join(out)), cut)  # noqa: S308
