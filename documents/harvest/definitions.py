"""Source definitions: one TOML file per 政务公开 column family, read and checked."""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

import soupsieve
from bs4 import BeautifulSoup
from django.conf import settings

from documents.attachments import kinds

SHIPPED_DIR = Path(__file__).resolve().parent / "sources"

NAME_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# How list pages lead to the next ones; docs/harvest-sources.md describes each.
PAGINATION_KINDS = (
    "auto",  # TRS script, else Hanweb dataproxy, else a 下一页 link
    "trs",  # createPageHTML(count, current, "index", "html") → index_N.html
    "pattern",  # a file pattern such as index_{n}.html beside the first page
    "query",  # a query parameter such as ?page=N
    "next-link",  # follow the 下一页 link
    "hanweb-dataproxy",  # dataproxy.jsp?startrecord=…&endrecord=…&perpage=…
    "none",
)
LIST_FORMATS = ("html", "json")

DEFAULT_NEXT_TEXT = ("下一页", "下页", "后一页", "下一頁", "next", "Next", "›", ">")

# Files a 政务公开 page links as 附件; checked on the URL path (and query values).
# The archive's registry of attachment formats (documents.attachments.kinds),
# so that what the harvest fetches the importer can attach, and a few more the
# WARC files keep although no extractor reads them.
ARCHIVED_ONLY_EXTENSIONS = (".csv", ".ppt", ".pptx", ".txt", ".7z")
DEFAULT_ATTACHMENT_EXTENSIONS = tuple(
    sorted(
        {suffix for kind in kinds.KINDS for suffix in kind.suffixes}
        | set(ARCHIVED_ONLY_EXTENSIONS)
    )
)

POLITENESS_KEYS = (
    "delay",
    "concurrency",
    "timeout",
    "retries",
    "backoff",
    "max_bytes",
    "user_agent",
    "obey_robots",
)
TOP_KEYS = (
    "name",
    "title",
    "cms",
    "description",
    "extends",
    "start_urls",
    "max_list_pages",
    "drop_after_runs",
    "list_format",
    "pagination",
    "links",
    "selectors",
    "json",
    "politeness",
)
PAGINATION_KEYS = ("kind", "pattern", "param", "first", "next_text")
LINK_KEYS = (
    "document_regex",
    "exclude_regex",
    "attachment_regex",
    "attachment_extensions",
)
SELECTOR_KEYS = ("list", "item", "link", "date", "total", "content", "attachments")
JSON_KEYS = ("items", "url", "title", "date", "total")


class DefinitionError(ValueError):
    """A source definition that cannot be used; message in Chinese + English."""


@dataclass(frozen=True)
class Politeness:
    delay: float  # seconds between two requests to one host
    concurrency: int  # requests at once per host: 1 or 2
    timeout: float  # seconds
    retries: int  # retries after a failure
    backoff: float  # first retry's wait in seconds, doubling
    max_bytes: int  # size cap per response
    user_agent: str
    obey_robots: bool = True


@dataclass(frozen=True)
class Pagination:
    kind: str = "auto"
    pattern: str = "index_{n}.html"  # kind "pattern": relative to the first page
    param: str = "page"  # kind "query"
    first: int = 1  # number of the second page (index_1.html) / of page one (?page=1)
    next_text: tuple[str, ...] = DEFAULT_NEXT_TEXT


@dataclass(frozen=True)
class LinkRules:
    document_regex: tuple[re.Pattern[str], ...] = ()
    exclude_regex: tuple[re.Pattern[str], ...] = ()
    attachment_regex: tuple[re.Pattern[str], ...] = ()
    attachment_extensions: tuple[str, ...] = DEFAULT_ATTACHMENT_EXTENSIONS


@dataclass(frozen=True)
class Selectors:
    list: str = ""  # the list's container on a list page
    item: str = ""  # one entry of the list (its link and date are inside)
    link: str = ""  # the document link inside an item (default: every a[href])
    date: str = ""  # the date inside an item
    total: str = ""  # the element stating the total ("共123条")
    content: str = ""  # the text body of a detail page (attachments are inside)
    attachments: str = ""  # attachment links on a detail page


@dataclass(frozen=True)
class JsonList:
    items: str = ""  # dotted path to the array of entries, e.g. "articles"
    url: str = "url"
    title: str = "title"
    date: str = "date"
    total: str = "total"


@dataclass(frozen=True)
class SourceDefinition:
    name: str  # slug: key in the DB (HarvestRun.source) and WARC folder name
    title: str  # Chinese name shown on pages
    cms: str  # which CMS family ("trs", "hanweb", "generic", ...)
    start_urls: tuple[str, ...]
    max_list_pages: int  # per start URL
    drop_after_runs: int  # absent from its lists this many finished runs → withdrawn
    politeness: Politeness
    pagination: Pagination = field(default_factory=Pagination)
    links: LinkRules = field(default_factory=LinkRules)
    selectors: Selectors = field(default_factory=Selectors)
    json: JsonList = field(default_factory=JsonList)
    list_format: str = "html"
    description: str = ""
    path: Path | None = None


def load_source(
    name_or_path: str, *, overrides: Mapping[str, Any] | None = None
) -> SourceDefinition:
    """A shipped name ("trs-column") or a .toml path; overrides win over the file.

    Overrides are flat ({"delay": 0, "start_urls": [...]}: politeness keys go
    to [politeness]) or nested like the file ({"politeness": {"delay": 0}}).
    """
    path = _resolve(name_or_path)
    raw = _read_raw(path)
    if overrides:
        raw = _merge(raw, _nest_overrides(overrides))
    return _build(raw, path)


def shipped_sources() -> list[SourceDefinition]:
    """Every definition in documents/harvest/sources/, by name."""
    return [load_source(str(p)) for p in sorted(SHIPPED_DIR.glob("*.toml"))]


def shipped_names() -> list[str]:
    return sorted(p.stem for p in SHIPPED_DIR.glob("*.toml"))


# -- reading -----------------------------------------------------------------


def _resolve(name_or_path: str) -> Path:
    if NAME_RE.match(name_or_path):
        shipped = SHIPPED_DIR / f"{name_or_path}.toml"
        if shipped.is_file():
            return shipped
    path = Path(name_or_path).expanduser()
    if path.is_file():
        return path
    names = ", ".join(shipped_names())
    raise DefinitionError(
        f"找不到来源定义 {name_or_path!r}：既不是内置名称，也不是文件"
        f" (no such source definition: not a shipped name ({names}) nor a file)"
    )


def _read_raw(path: Path, *, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError(f"{path}: TOML 格式错误 (not valid TOML: {exc})") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError(f"{path}: 无法读取 (cannot read: {exc})") from exc
    base_name = raw.pop("extends", None)
    if base_name is None:
        return raw
    if not isinstance(base_name, str) or not NAME_RE.match(base_name):
        raise DefinitionError(
            f"{path}: extends 必须是内置定义的名称"
            f" (extends must name a shipped definition, got {base_name!r})"
        )
    base_path = SHIPPED_DIR / f"{base_name}.toml"
    if not base_path.is_file() or base_path in seen or base_path == path:
        raise DefinitionError(
            f"{path}: extends 指向不存在或循环的定义 {base_name!r}"
            f" (extends names a missing or circular definition)"
        )
    base = _read_raw(base_path, seen=(*seen, path))
    return _merge(base, raw)


def _merge(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(dict(base))
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _nest_overrides(overrides: Mapping[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for key, value in overrides.items():
        if value is None or (key in ("start_urls", "start_url") and not value):
            continue  # an option the user did not give
        if key in POLITENESS_KEYS:
            nested.setdefault("politeness", {})[key] = value
        elif key == "start_url":
            nested["start_urls"] = [value]
        else:
            nested[key] = value
    return nested


# -- checking ----------------------------------------------------------------


class _Checker:
    """Reads typed values out of one table and names the file and key on error."""

    def __init__(self, path: Path | None, table: str, data: Any) -> None:
        self.path = path
        self.table = table
        if not isinstance(data, Mapping):
            self.fail(table or "(top)", "必须是一个表", "must be a table")
        self.data = dict(data)

    def where(self, key: str) -> str:
        file = self.path.name if self.path else "(overrides)"
        return f"{file} [{self.table}] {key}" if self.table else f"{file} {key}"

    def fail(self, key: str, zh: str, en: str) -> NoReturn:
        raise DefinitionError(f"{self.where(key)}: {zh} ({en})")

    def known(self, allowed: tuple[str, ...]) -> None:
        for key in self.data:
            if key not in allowed:
                self.fail(
                    key,
                    "未知的键",
                    f"unknown key; allowed: {', '.join(allowed)}",
                )

    def str_(self, key: str, default: str | None = None) -> str:
        value = self.data.get(key, default)
        if value is None:
            self.fail(key, "缺少必填项", "required key missing")
        if not isinstance(value, str):
            self.fail(key, "必须是字符串", f"must be a string, got {value!r}")
        return value

    def int_(self, key: str, default: int, *, low: int, high: int) -> int:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, "必须是整数", f"must be an integer, got {value!r}")
        if not low <= value <= high:
            self.fail(
                key,
                f"必须在 {low} 到 {high} 之间",
                f"must be between {low} and {high}, got {value}",
            )
        return value

    def float_(self, key: str, default: float, *, low: float = 0.0) -> float:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(key, "必须是数字", f"must be a number, got {value!r}")
        if value < low:
            self.fail(
                key, f"不能小于 {low:g}", f"must not be below {low:g}, got {value}"
            )
        return float(value)

    def bool_(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            self.fail(key, "必须是 true 或 false", f"must be a boolean, got {value!r}")
        return value

    def strs(self, key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        value = self.data.get(key, list(default))
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(
                key, "必须是字符串列表", f"must be a list of strings, got {value!r}"
            )
        return tuple(value)

    def regexes(self, key: str) -> tuple[re.Pattern[str], ...]:
        compiled = []
        for pattern in self.strs(key):
            try:
                compiled.append(re.compile(pattern))
            except re.error as exc:
                self.fail(
                    key,
                    f"正则表达式无效：{pattern!r}",
                    f"bad regular expression {pattern!r}: {exc}",
                )
        return tuple(compiled)

    def selector(self, key: str) -> str:
        value = self.str_(key, "").strip()
        if value:
            _check_selector(value, lambda zh, en: self.fail(key, zh, en))
        return value


def _check_selector(value: str, fail: Any) -> None:
    try:
        BeautifulSoup("<p></p>", "lxml").select(value)
    except (soupsieve.SelectorSyntaxError, ValueError, NotImplementedError) as exc:
        fail(f"CSS 选择器无效：{value!r}", f"bad CSS selector {value!r}: {exc}")


def _check_url(url: str, fail: Any) -> str:
    url = url.strip()
    try:
        parts = urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
        _ = parts.port  # raises for a port out of range
    except ValueError:
        valid = False
    if not valid or any(c.isspace() for c in url):
        fail(
            f"网址无效（只接受 http/https）：{url!r}",
            f"bad URL (http or https only): {url!r}",
        )
    return url


def _build(raw: Mapping[str, Any], path: Path | None) -> SourceDefinition:
    top = _Checker(path, "", raw)
    top.known(TOP_KEYS)
    name = top.str_("name")
    if not NAME_RE.match(name):
        top.fail(
            "name",
            "只能用小写字母、数字和连字符",
            f"must be a slug [a-z0-9-], got {name!r}",
        )
    start_urls = top.strs("start_urls")
    if not start_urls:
        top.fail("start_urls", "至少需要一个起始网址", "at least one start URL")
    start_urls = tuple(
        _check_url(u, lambda zh, en: top.fail("start_urls", zh, en)) for u in start_urls
    )
    list_format = top.str_("list_format", "html")
    if list_format not in LIST_FORMATS:
        top.fail(
            "list_format",
            "只能是 html 或 json",
            f"must be one of {', '.join(LIST_FORMATS)}, got {list_format!r}",
        )

    pag = _Checker(path, "pagination", raw.get("pagination", {}))
    pag.known(PAGINATION_KEYS)
    kind = pag.str_("kind", "auto")
    if kind not in PAGINATION_KINDS:
        pag.fail(
            "kind",
            "未知的翻页方式",
            f"unknown kind {kind!r}; one of {', '.join(PAGINATION_KINDS)}",
        )
    pattern = pag.str_("pattern", Pagination.pattern)
    if "{n}" not in pattern or "/" in pattern:
        pag.fail(
            "pattern",
            "必须是含 {n} 的文件名",
            f"must be a file name containing {{n}}, got {pattern!r}",
        )
    param = pag.str_("param", "page")
    if not re.fullmatch(r"[A-Za-z0-9_.\-]+", param):
        pag.fail("param", "查询参数名无效", f"bad query parameter name {param!r}")
    pagination = Pagination(
        kind=kind,
        pattern=pattern,
        param=param,
        first=pag.int_("first", 1, low=0, high=1_000_000),
        next_text=pag.strs("next_text", DEFAULT_NEXT_TEXT),
    )

    lk = _Checker(path, "links", raw.get("links", {}))
    lk.known(LINK_KEYS)
    extensions = tuple(
        e.lower() if e.startswith(".") else f".{e.lower()}"
        for e in lk.strs("attachment_extensions", DEFAULT_ATTACHMENT_EXTENSIONS)
    )
    links = LinkRules(
        document_regex=lk.regexes("document_regex"),
        exclude_regex=lk.regexes("exclude_regex"),
        attachment_regex=lk.regexes("attachment_regex"),
        attachment_extensions=extensions,
    )

    sel = _Checker(path, "selectors", raw.get("selectors", {}))
    sel.known(SELECTOR_KEYS)
    selectors = Selectors(**{key: sel.selector(key) for key in SELECTOR_KEYS})

    js = _Checker(path, "json", raw.get("json", {}))
    js.known(JSON_KEYS)
    json_list = JsonList(
        **{key: js.str_(key, getattr(JsonList, key)) for key in JSON_KEYS}
    )

    if not links.document_regex and not selectors.item and list_format == "html":
        lk.fail(
            "document_regex",
            "需要 document_regex 或 [selectors] item 来识别文件链接",
            "give document_regex or [selectors] item to tell document links",
        )

    pol = _Checker(path, "politeness", raw.get("politeness", {}))
    pol.known(POLITENESS_KEYS)
    user_agent = pol.str_("user_agent", settings.PLANSITE_HARVEST_USER_AGENT).strip()
    if not user_agent or any(c in user_agent for c in "\r\n"):
        pol.fail("user_agent", "不能为空或含换行", "must be one non-empty line")
    politeness = Politeness(
        delay=pol.float_("delay", settings.PLANSITE_HARVEST_DELAY),
        concurrency=pol.int_("concurrency", 1, low=1, high=2),
        timeout=pol.float_("timeout", settings.PLANSITE_HARVEST_TIMEOUT, low=0.1),
        retries=pol.int_("retries", settings.PLANSITE_HARVEST_RETRIES, low=0, high=10),
        backoff=pol.float_("backoff", 2.0),
        max_bytes=pol.int_(
            "max_bytes", settings.PLANSITE_HARVEST_MAX_BYTES, low=1024, high=2**40
        ),
        user_agent=user_agent,
        obey_robots=pol.bool_("obey_robots", True),
    )

    return SourceDefinition(
        name=name,
        title=top.str_("title", name),
        cms=top.str_("cms", "generic"),
        start_urls=start_urls,
        max_list_pages=top.int_("max_list_pages", 50, low=1, high=100_000),
        drop_after_runs=top.int_("drop_after_runs", 3, low=1, high=1000),
        politeness=politeness,
        pagination=pagination,
        links=links,
        selectors=selectors,
        json=json_list,
        list_format=list_format,
        description=top.str_("description", ""),
        path=path,
    )
