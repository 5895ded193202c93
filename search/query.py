"""The user's query syntax: parse to an AST, then to Whoosh or a query string."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from whoosh import query as wq

from search.analyzers import query_grams
from search.normalise import fold

MAX_QUERY_LENGTH = 200
MAX_TERMS = 20
EXACT_FIELD = "exact"
# One-character terms are looked up among the characters, not the bigrams.
CHAR_FIELD = "chars"

# A phrase opens with any of these and closes with one of its closers. A
# straight quote closes only a straight quote, so "“十四五”规划" finds the
# curly quotes themselves.
QUOTE_CLOSERS = {
    '"': '"',
    "＂": '＂"”',
    "“": '”"＂',
}
QUOTES = frozenset('"＂“”')
OR_WORDS = frozenset({"OR", "|"})
AND_WORDS = frozenset({"AND", "&&"})
_LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
# Characters of other query languages, searched here as themselves.
_FOREIGN_SYNTAX = re.compile(r"[()*?\[\]{}]")


class QueryError(ValueError):
    """A query that cannot be understood; the message is for the user."""


@dataclass(frozen=True)
class Term:
    """A string that must occur verbatim (ASCII case aside)."""

    text: str


@dataclass(frozen=True)
class Not:
    """Documents that do not contain the term."""

    term: Term


@dataclass(frozen=True)
class Or:
    """Any of the terms."""

    terms: tuple[Term, ...]


@dataclass(frozen=True)
class And:
    """All of the clauses; ``notes`` say how the query was read (for the user)."""

    clauses: tuple[Term | Or | Not, ...]
    notes: tuple[str, ...] = field(default=(), compare=False)


Node = And


@dataclass(frozen=True)
class _Word:
    text: str
    quoted: bool
    negated: bool


def _invisible(ch: str) -> bool:
    """Control and format characters (NUL, zero-width space, bidi marks)."""
    return unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") and not ch.isspace()


def _separates(ch: str) -> bool:
    # Any space (the ideographic one of Chinese input methods included) and the
    # invisible characters, which could only make a term unmatchable.
    return ch.isspace() or _invisible(ch)


def _lex(text: str, notes: list[str]) -> list[_Word]:
    words: list[_Word] = []
    i, n = 0, len(text)
    unbalanced = False
    while i < n:
        ch = text[i]
        if _separates(ch):
            i += 1
            continue
        negated = False
        if ch == "-" and i + 1 < n and text[i + 1] in QUOTE_CLOSERS:
            negated = True
            i += 1
            ch = text[i]
        if ch in QUOTE_CLOSERS:
            closers = QUOTE_CLOSERS[ch]
            end = next((j for j in range(i + 1, n) if text[j] in closers), None)
            if end is None:
                # An unbalanced quote: the rest is read as ordinary words.
                unbalanced = True
                i += 1
                continue
            # Inside quotes every space counts: the phrase is matched as written,
            # except that a line break is a space (a query is one line).
            phrase = "".join(
                " " if c in _LINE_BREAKS else c
                for c in text[i + 1 : end]
                if not _invisible(c)
            )
            if phrase.strip():
                words.append(_Word(phrase, quoted=True, negated=negated))
            i = end + 1
            continue
        if ch in QUOTES:
            unbalanced = True  # a closing quote with no opening one
            i += 1
            continue
        end = i
        while end < n and not _separates(text[end]) and text[end] not in QUOTES:
            end += 1
        token = text[i:end]
        i = end
        if token.startswith("-") and len(token) > 1:
            words.append(_Word(token[1:], quoted=False, negated=True))
        elif token != "-":
            words.append(_Word(token, quoted=False, negated=False))
    if unbalanced:
        notes.append("引号不成对，已忽略多余的引号，其余按普通词语检索。")
    return words


def parse_query(raw: str) -> Node | None:
    """Parse the search box; None means no query at all (browse everything).

    Terms side by side must all occur; ``a OR b`` needs either (OR binds
    tighter than the implicit AND); ``-a`` excludes; ``"a b"`` keeps the space.
    Every term is matched as an exact substring.
    """
    if len(raw) > MAX_QUERY_LENGTH:
        raise QueryError(f"检索式过长：最多 {MAX_QUERY_LENGTH} 个字符，请缩短后再试。")
    if not raw.strip():
        return None
    notes: list[str] = []
    words = _lex(raw, notes)
    if not words:
        if any(_invisible(ch) for ch in raw) and all(_separates(ch) for ch in raw):
            raise QueryError("检索式只含不可见的控制字符，请输入要检索的词语。")
        raise QueryError("请输入要检索的词语（引号中不能为空）。")

    groups: list[list[_Word]] = []
    pending_or = False
    for word in words:
        if not word.quoted and word.text in AND_WORDS and not word.negated:
            pending_or = False
            continue
        if not word.quoted and word.text in OR_WORDS and not word.negated:
            # A leading, trailing or doubled OR has nothing to join; ignore it.
            pending_or = bool(groups)
            continue
        if pending_or:
            groups[-1].append(word)
        else:
            groups.append([word])
        pending_or = False

    if not groups:
        raise QueryError("检索式只有运算符（AND、OR、-），请输入要检索的词语。")

    clauses: list[Term | Or | Not] = []
    seen: set[Term | Or | Not] = set()
    for group in groups:
        if len(group) > 1 and any(word.negated for word in group):
            raise QueryError("排除词（-）不能与 OR 连用，请分开写，例如：水 -污水。")
        clause: Term | Or | Not
        if len(group) == 1:
            term = Term(group[0].text)
            clause = Not(term) if group[0].negated else term
        else:
            terms = tuple(dict.fromkeys(Term(word.text) for word in group))
            clause = Or(terms) if len(terms) > 1 else terms[0]
        if clause not in seen:
            seen.add(clause)
            clauses.append(clause)

    node = And(tuple(clauses))
    if len(terms_of(node, include_negated=True)) > MAX_TERMS:
        raise QueryError(f"检索词过多：最多 {MAX_TERMS} 个，请精简后再试。")
    foreign = sorted(
        {c for w in words if not w.quoted for c in _FOREIGN_SYNTAX.findall(w.text)}
    )
    if foreign:
        notes.append(
            "本站检索不支持括号分组和通配符，"
            + "、".join(f"「{c}」" for c in foreign)
            + "按原文字符匹配。"
        )
    return And(node.clauses, notes=tuple(notes))


def terms_of(node: Node | None, *, include_negated: bool = False) -> list[str]:
    """The distinct term strings, in query order (positive ones for highlighting)."""
    if node is None:
        return []
    found: list[str] = []
    for clause in node.clauses:
        if isinstance(clause, Term):
            found.append(clause.text)
        elif isinstance(clause, Or):
            found.extend(term.text for term in clause.terms)
        elif include_negated:
            found.append(clause.term.text)
    return list(dict.fromkeys(found))


def has_positive(node: Node) -> bool:
    """Whether the query requires something, rather than only excluding."""
    return any(not isinstance(clause, Not) for clause in node.clauses)


def field_for(text: str) -> str:
    """The index field that finds ``text`` exactly: bigrams, or characters."""
    return CHAR_FIELD if len(text) == 1 else EXACT_FIELD


def _quote(term: Term) -> str:
    # The lexer never lets a straight quote into a term, so quoting is safe.
    return f'{field_for(term.text)}:"{term.text}"'


def to_query_string(node: Node) -> str:
    """A Lucene-style query string over the exact field (for SearchQuerySet)."""
    parts: list[str] = []
    for clause in node.clauses:
        if isinstance(clause, Term):
            parts.append(_quote(clause))
        elif isinstance(clause, Or):
            parts.append("(" + " OR ".join(_quote(t) for t in clause.terms) + ")")
        else:
            parts.append("NOT " + _quote(clause.term))
    if not has_positive(node):
        # A query of only exclusions means "everything except".
        parts.insert(0, "*")
    return " AND ".join(parts)


def term_query(text: str) -> wq.Query:
    """The Whoosh query that finds exactly the documents containing ``text``."""
    folded = fold(text)
    if len(folded) == 1:
        return wq.Term(CHAR_FIELD, folded)
    grams = query_grams(folded)
    if len(grams) == 1:
        return wq.Term(EXACT_FIELD, grams[0])
    return wq.Phrase(EXACT_FIELD, grams)


def to_whoosh(node: Node) -> wq.Query:
    """The equivalent Whoosh query object."""
    required: list[wq.Query] = []
    excluded: list[wq.Query] = []
    for clause in node.clauses:
        if isinstance(clause, Term):
            required.append(term_query(clause.text))
        elif isinstance(clause, Or):
            required.append(wq.Or([term_query(t.text) for t in clause.terms]))
        else:
            excluded.append(term_query(clause.term.text))
    positive: wq.Query = wq.And(required) if required else wq.Every()
    if excluded:
        return wq.AndNot(positive, wq.Or(excluded))
    return positive
