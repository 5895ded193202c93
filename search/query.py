"""The user's query syntax: parse to an AST, then to Whoosh or a query string."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

from whoosh import query as wq

from search.analyzers import query_grams
from search.engine.exact_form import ExactTerm, needs_check
from search.fieldnames import gram_fields
from search.normalise import Form, fold, fold_case

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


# A field prefix ("标题:乡村振兴") -> the metadata field it searches. The
# full text (title, body, attachments) is the field "".
FIELD_PREFIXES: dict[str, str] = {
    "标题": "title",
    "title": "title",
    "发文机关": "issuer",
    "issuer": "issuer",
    "文号": "doc_number",
    "doc_number": "doc_number",
    "索引号": "index_no",
    "index_no": "index_no",
}
# The searchable metadata fields, in the order the syntax help lists them.
SEARCH_FIELDS: tuple[str, ...] = tuple(dict.fromkeys(FIELD_PREFIXES.values()))
_FIELD_PREFIX = re.compile(
    r"^(" + "|".join(map(re.escape, FIELD_PREFIXES)) + r")[:：](.*)$", re.S
)


class Unit(StrEnum):
    """What a proximity operator measures: /s, /p or /N."""

    SENTENCE = "s"
    PARAGRAPH = "p"
    CHARS = "n"


# The largest N of "A /N B".
MAX_DISTANCE = 500
_NEAR_NEEDS_TERMS = "邻近运算符（/s、/p、/N）两边都要有检索词，例如：乡村振兴 /s 产业。"
_NEAR_OPERATOR = re.compile(r"^[/／]([sSpPｓＳｐＰ]|[0-9０-９]{1,6})$")
# Sentences end at these characters and at the end of a paragraph (a line).
SENTENCE_ENDS = frozenset("。！？；\n")
PARAGRAPH_ENDS = frozenset("\n")


@dataclass(frozen=True)
class Term:
    """A string that must occur verbatim (ASCII case aside; see Form).

    ``field`` is "" for the full text, else a metadata field of SEARCH_FIELDS.
    """

    text: str
    field: str = ""


@dataclass(frozen=True)
class Near:
    """Every term in one sentence or paragraph, or two terms within N chars.

    ``terms`` are full-text terms (two for CHARS). For CHARS, the gap is the
    characters between the end of one occurrence and the start of the other,
    in either order; overlapping occurrences are within any N. Occurrences
    are distinct spans, so "A /5 A" needs two occurrences of A.
    """

    terms: tuple[Term, ...]
    unit: Unit
    distance: int = 0


@dataclass(frozen=True)
class Not:
    """Documents that do not contain the term."""

    term: Term


@dataclass(frozen=True)
class Or:
    """Any of the terms."""

    terms: tuple[Term, ...]


Clause = Term | Or | Not | Near


@dataclass(frozen=True)
class And:
    """All of the clauses; ``notes`` say how the query was read (for the user).

    ``form`` says how characters compare, for every term of the tree.
    """

    clauses: tuple[Clause, ...]
    notes: tuple[str, ...] = field(default=(), compare=False)
    form: Form = Form.FOLDED


Node = And


@dataclass(frozen=True)
class _Word:
    text: str
    quoted: bool
    negated: bool
    field: str = ""


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


def _operator(word: _Word) -> tuple[Unit, int] | None:
    """(unit, N) when ``word`` is a proximity operator (/s, /p, /N)."""
    if word.quoted or word.negated or word.field:
        return None
    found = _NEAR_OPERATOR.match(word.text)
    if found is None:
        return None
    arg = unicodedata.normalize("NFKC", found.group(1)).lower()
    if arg == "s":
        return Unit.SENTENCE, 0
    if arg == "p":
        return Unit.PARAGRAPH, 0
    distance = int(arg)
    if distance > MAX_DISTANCE:
        raise QueryError(
            f"邻近距离最多 {MAX_DISTANCE} 个字（/{distance} 过大），请改小后再试。"
        )
    return Unit.CHARS, distance


def _with_fields(words: list[_Word]) -> list[_Word]:
    """Words with their field prefixes read: 标题:乡村 and 标题: "乡村 振兴"."""
    out: list[_Word] = []
    pending: tuple[str, bool] | None = None
    for word in words:
        if pending is not None:
            name, negated = pending
            pending = None
            if word.quoted or not _FIELD_PREFIX.match(word.text):
                out.append(_Word(word.text, word.quoted, negated or word.negated, name))
                continue
        found = None if word.quoted else _FIELD_PREFIX.match(word.text)
        if found is None:
            out.append(word)
            continue
        name = FIELD_PREFIXES[found.group(1)]
        if found.group(2):
            out.append(_Word(found.group(2), False, word.negated, name))
        else:
            pending = (name, word.negated)  # 标题: "乡村 振兴"
    if pending is not None:
        raise QueryError("字段名后缺少检索词，例如：标题:乡村振兴。")
    return out


def _term(word: _Word) -> Term:
    return Term(word.text, word.field)


def _near_clause(group: list[_Word], unit: Unit, distance: int) -> Near:
    if any(word.negated for word in group):
        raise QueryError("邻近检索（/s、/p、/N）中不能有排除词（-）。")
    if any(word.field for word in group):
        raise QueryError("邻近检索（/s、/p、/N）只用于全文，不能与字段检索连用。")
    if unit is Unit.CHARS and len(group) > 2:
        raise QueryError("/N 只能连接两个检索词，例如：乡村振兴 /10 产业。")
    return Near(tuple(_term(word) for word in group), unit, distance)


def parse_query(
    raw: str, *, form: Form = Form.FOLDED, near: Unit | None = None
) -> Node | None:
    """Parse the search box; None means no query at all (browse everything).

    Terms side by side must all occur; ``a OR b`` needs either (OR binds
    tighter than the implicit AND); ``-a`` excludes; ``"a b"`` keeps the space;
    ``a /s b``, ``a /p b`` and ``a /N b`` need both in one sentence, one
    paragraph or within N characters; ``标题:a`` searches one field. Every
    term is matched as an exact substring, compared in ``form``.

    ``near`` (the page's 同句/同段 choice) joins every plain full-text term of
    a query without proximity operators into one Near of that unit.
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
    words = _with_fields(words)

    # Groups of words joined by OR, or by one proximity operator.
    groups: list[tuple[list[_Word], tuple[Unit, int] | None]] = []
    joiner: str | tuple[Unit, int] | None = None
    for word in words:
        if not word.quoted and not word.field and not word.negated:
            if word.text in AND_WORDS:
                joiner = None
                continue
            if word.text in OR_WORDS:
                # A leading, trailing or doubled OR has nothing to join; ignore it.
                joiner = "OR" if groups else None
                continue
            operator = _operator(word)
            if operator is not None:
                if not groups or joiner is not None:
                    raise QueryError(_NEAR_NEEDS_TERMS)
                joiner = operator
                continue
        if joiner is None:
            groups.append(([word], None))
        else:
            members, kind = groups[-1]
            wanted = None if joiner == "OR" else joiner
            if len(members) > 1 and kind != wanted:
                raise QueryError(
                    "OR 与邻近运算符（/s、/p、/N）不能连在一起用，"
                    "不同的邻近运算符也不能连用，请分开写。"
                )
            members.append(word)
            groups[-1] = (members, wanted)
        joiner = None
    if isinstance(joiner, tuple):
        raise QueryError(_NEAR_NEEDS_TERMS)

    if not groups:
        raise QueryError("检索式只有运算符（AND、OR、-），请输入要检索的词语。")

    clauses: list[Clause] = []
    seen: set[Clause] = set()
    for group, kind in groups:
        clause: Clause
        if kind is not None:
            clause = _near_clause(group, *kind)
        elif len(group) > 1 and any(word.negated for word in group):
            raise QueryError("排除词（-）不能与 OR 连用，请分开写，例如：水 -污水。")
        elif len(group) == 1:
            term = _term(group[0])
            clause = Not(term) if group[0].negated else term
        else:
            terms = tuple(dict.fromkeys(_term(word) for word in group))
            clause = Or(terms) if len(terms) > 1 else terms[0]
        if clause not in seen:
            seen.add(clause)
            clauses.append(clause)

    if near is not None and near is not Unit.CHARS:
        clauses = _joined(clauses, near)
    node = And(tuple(clauses), form=form)
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
    return And(node.clauses, notes=tuple(notes), form=form)


def _joined(clauses: list[Clause], unit: Unit) -> list[Clause]:
    """The page's 同句/同段: plain full-text terms become one Near of ``unit``.

    A query that already has a proximity operator is left as written.
    """
    if any(isinstance(clause, Near) for clause in clauses):
        return clauses
    plain = [c for c in clauses if isinstance(c, Term) and not c.field]
    if len(plain) < 2:
        return clauses
    rest = [c for c in clauses if c not in plain]
    return [Near(tuple(plain), unit), *rest]


def terms_of(node: Node | None, *, include_negated: bool = False) -> list[str]:
    """The distinct term strings, in query order (positive ones for highlighting).

    Field terms and the terms of proximity clauses are included.
    """
    return list(dict.fromkeys(t.text for t in term_nodes(node, include_negated)))


def term_nodes(node: Node | None, include_negated: bool = False) -> list[Term]:
    """Every Term of the tree, in query order (negated ones when asked)."""
    if node is None:
        return []
    found: list[Term] = []
    for clause in node.clauses:
        if isinstance(clause, Term):
            found.append(clause)
        elif isinstance(clause, Or | Near):
            found.extend(clause.terms)
        elif include_negated:
            found.append(clause.term)
    return list(dict.fromkeys(found))


def has_positive(node: Node) -> bool:
    """Whether the query requires something, rather than only excluding."""
    return any(not isinstance(clause, Not) for clause in node.clauses)


def field_for(text: str, field: str = "", form: Form = Form.FOLDED) -> str:
    """The index field that finds ``text`` exactly: bigrams, or characters.

    ``field`` is the query field ("" the full text); a metadata field has
    index fields of its own in each form (search/fieldnames.py).
    """
    pairs, chars = gram_fields(field, form)
    return chars if len(text) == 1 else pairs


def _quote(term: Term, form: Form = Form.FOLDED) -> str:
    # The lexer never lets a straight quote into a term, so quoting is safe.
    return f'{field_for(term.text, term.field, form)}:"{term.text}"'


def to_query_string(node: Node) -> str:
    """A Lucene-style query string over the exact fields (for SearchQuerySet)."""
    parts: list[str] = []
    form = node.form
    for clause in node.clauses:
        if isinstance(clause, Term):
            parts.append(_quote(clause, form))
        elif isinstance(clause, Or):
            quoted = (_quote(t, form) for t in clause.terms)
            parts.append("(" + " OR ".join(quoted) + ")")
        elif isinstance(clause, Near):
            # Candidates only: an engine without proximity (StockEngine)
            # verifies each candidate with search/textmatch.py afterwards.
            parts.extend(_quote(t) for t in clause.terms)
        else:
            parts.append("NOT " + _quote(clause.term, form))
    if not has_positive(node):
        # A query of only exclusions means "everything except".
        parts.insert(0, "*")
    return " AND ".join(parts)


def term_query(text: str, form: Form = Form.FOLDED, *, field: str = "") -> wq.Query:
    """The Whoosh query that finds exactly the documents containing ``text``
    (in the full text, or in the metadata field ``field``; compared in ``form``)."""
    if field:
        # A metadata field is indexed in both forms (search/fieldnames.py).
        return _gram_query(fold(text, form), *gram_fields(field, form))
    found = _gram_query(fold(text), EXACT_FIELD, CHAR_FIELD)
    written = fold_case(text)
    if form is Form.EXACT and needs_check(written):
        # The full text's index is folded: the variants field tells the forms apart.
        return ExactTerm(written, found)
    return found


def _gram_query(folded: str, pairs: str, chars: str) -> wq.Query:
    """Pairs of characters at consecutive offsets, or one character."""
    if len(folded) == 1:
        return wq.Term(chars, folded)
    grams = query_grams(folded)
    if len(grams) == 1:
        return wq.Term(pairs, grams[0])
    return wq.Phrase(pairs, grams)


def _term_query(term: Term, form: Form) -> wq.Query:
    return term_query(term.text, form, field=term.field)


class NearQuery(wq.And):
    """A proximity clause for the engine: the AND of its terms' queries.

    Anything that walks Whoosh queries sees the AND (the candidates: ranking,
    Whoosh's own matcher); search/engine/matching.py recognises the class and
    keeps only the documents where ``near`` holds (search/textmatch.py's rule).
    """

    def __init__(self, subqueries: list[wq.Query], near: Near, form: Form) -> None:
        super().__init__(subqueries)
        self.near = near
        self.form = form

    def __eq__(self, other: object) -> bool:
        return (
            super().__eq__(other)
            and self.near == other.near  # type: ignore[attr-defined]
            and self.form == other.form  # type: ignore[attr-defined]
        )

    def __hash__(self) -> int:
        return super().__hash__() ^ hash(self.near) ^ hash(self.form)

    def __repr__(self) -> str:
        return f"NearQuery({self.subqueries!r}, {self.near!r}, {self.form!r})"

    def normalize(self) -> wq.Query:
        return self


def to_whoosh(node: Node) -> wq.Query:
    """The equivalent Whoosh query object."""
    required: list[wq.Query] = []
    excluded: list[wq.Query] = []
    form = node.form
    for clause in node.clauses:
        if isinstance(clause, Term):
            required.append(_term_query(clause, form))
        elif isinstance(clause, Or):
            required.append(wq.Or([_term_query(t, form) for t in clause.terms]))
        elif isinstance(clause, Near):
            required.append(
                NearQuery([_term_query(t, form) for t in clause.terms], clause, form)
            )
        else:
            excluded.append(_term_query(clause.term, form))
    positive: wq.Query = wq.And(required) if required else wq.Every()
    if excluded:
        return wq.AndNot(positive, wq.Or(excluded))
    return positive
