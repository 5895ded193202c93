"""The search form: query, filters, sort and page, read from GET parameters.

Bad values never raise: each is dropped with a message the page can show.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from django import forms
from django.http import QueryDict
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from documents.forms import (
    MAX_YEAR,
    MIN_YEAR,
    FilterForm,
    name_field,
)
from search.normalise import Form
from search.query import Unit
from search.services import MAX_PAGE_SIZE, SearchFilters, SortOrder

FORM_CHOICES = [
    (Form.FOLDED.value, _("繁简、全半角视为相同")),
    (Form.EXACT.value, _("原字形")),
]
NEAR_CHOICES = [
    ("", _("不限")),
    (Unit.SENTENCE.value, _("同句")),
    (Unit.PARAGRAPH.value, _("同段")),
]

# Past the last page the last page is shown; this only bounds absurd numbers.
MAX_PAGE = 1_000_000_000
DEFAULT_PAGE_SIZE = 20
# Filter values are exact names; these characters never occur in one.
_NOT_IN_NAMES = str.maketrans("", "", '"\\')


# The query and filters that name one result set: every endpoint takes them.
RESULT_SET = (
    "q",
    "township",
    "county",
    "city",
    "province",
    "category",
    "issuer",
    "availability",
    "year_from",
    "year_to",
    "form",
    "near",
)


class SearchForm(FilterForm):
    q = forms.CharField(
        label=_("检索词"),
        required=False,
        strip=True,
        help_text=_(
            "检索词。空格分隔表示同时包含，a OR b 表示任一，-a 表示排除，"
            "“引号”内为整句；a /s b 表示两词在同一句中，a /p b 在同一段中，"
            "a /N b 相距不超过 N 个字（N 最大 500，不论先后）；"
            "引号中的“/s”按原文匹配。标题:词、发文机关:词、文号:词、索引号:词"
            "（或 title:、issuer:、doc_number:、index_no:）只查该字段；"
            "检索式恰为一个文号或索引号时，该文档列在最前（identified）。"
            "每个词都按原文逐字匹配标题、正文和附件；繁简、全半角数字字母默认视为相同"
            "（form=exact 按原字形）。留空为全部文档。"
        ),
    )
    city = name_field(_("地市"), _("地市全名。"))
    issuer = name_field(_("发布机构"), _("发布机构（与文档上的写法一致）。"))
    year_from = forms.IntegerField(
        label=_("起始年度"),
        required=False,
        min_value=MIN_YEAR,
        max_value=MAX_YEAR,
        help_text=_("起始计划年度。"),
    )
    year_to = forms.IntegerField(
        label=_("截止年度"),
        required=False,
        min_value=MIN_YEAR,
        max_value=MAX_YEAR,
        help_text=_("截止计划年度。"),
    )
    sort = forms.ChoiceField(
        label=_("排序"),
        required=False,
        choices=SortOrder.choices,
        help_text=_("文档顺序：relevance 相关度，newest 最新，oldest 最早。"),
    )
    form = forms.ChoiceField(
        label=_("字形"),
        required=False,
        choices=FORM_CHOICES,
        help_text=_(
            "folded（默认）：繁体与简体、全角与半角数字字母视为相同；"
            "exact：按原字形匹配。"
        ),
    )
    near = forms.ChoiceField(
        label=_("词间距离"),
        required=False,
        choices=NEAR_CHOICES,
        help_text=_(
            "s：检索词在同一句中；p：在同一段中；留空不限。"
            "检索式中已有 /s、/p、/N 时以检索式为准。"
        ),
    )
    page = forms.IntegerField(
        label=_("页码"),
        required=False,
        min_value=1,
        max_value=MAX_PAGE,
        help_text=_("页码，从 1 开始。"),
    )
    page_size = forms.IntegerField(
        label=_("每页条数"),
        required=False,
        min_value=1,
        max_value=MAX_PAGE_SIZE,
        help_text=_("每页条数。"),
    )

    # The order of the boxes, and so of the messages about them.
    field_order = [*RESULT_SET, "sort", "page", "page_size"]


@dataclass
class SearchParams:
    """Validated parameters; ``problems`` lists what was ignored and why."""

    query: str = ""
    filters: SearchFilters = field(default_factory=SearchFilters)
    form: Form = Form.FOLDED
    near: Unit | None = None
    sort: str = ""
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    problems: list[str] = field(default_factory=list)
    # Each parameter given but not usable, with why: a page ignores it (its
    # notice is also in ``problems`` and in ``ignored``), the API answers 400.
    field_errors: dict[str, list[str]] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    def reject(self, name: str, label: str, errors: list[str]) -> None:
        """Record that parameter ``name`` (the box ``label``) was not usable."""
        self.field_errors.setdefault(name, []).extend(errors)
        notice = ignored_notice(label, errors)
        self.problems.append(notice)
        self.ignored.append(notice)

    @property
    def notes(self) -> list[str]:
        """The notices that are not about an unusable parameter."""
        return [p for p in self.problems if p not in self.ignored]


def ignored_notice(label: str, errors: list[str]) -> str:
    """What a page says of a parameter it ignored."""
    return f"{label}：{'；'.join(errors)}（已忽略）"


FILTER_NAMES = ("township", "county", "city", "province", "category", "issuer")


def link_params(form: Form, near: Unit | None) -> dict[str, str]:
    """form= and near= as a link passes them on; the defaults stay out of the URL."""
    params = {}
    if form is not Form.FOLDED:
        params["form"] = form.value
    if near is not None:
        params["near"] = near.value
    return params


def search_querystring(search: SearchParams, **extra: object) -> str:
    """The query, filters, form and near as GET parameters: the result set,
    for a link to another tool, the feed or the page again."""
    values: dict[str, object] = {}
    if search.query:
        values["q"] = search.query
    for name in (f.name for f in fields(SearchFilters)):
        value = getattr(search.filters, name)
        if value not in (None, ""):
            values[name] = value
    values.update(link_params(search.form, search.near))
    values.update({k: v for k, v in extra.items() if v not in (None, "")})
    return urlencode(values)


def _without_controls(value: str) -> str:
    # Control characters (NUL above all) never belong in a name or a number.
    return "".join(ch for ch in value if ch.isprintable() or ch in " \t")


def parse_search_params(data: QueryDict) -> tuple[SearchForm, SearchParams]:
    """Read GET parameters into SearchParams, dropping each invalid one.

    The query is passed on as typed: its parser (search/query.py) decides what
    spaces and invisible characters mean, the same for every entry point.
    """
    cleaned_input = data.copy()
    problems: list[str] = []
    rejected: dict[str, list[str]] = {}
    quote_notices: list[str] = []
    for key in list(cleaned_input.keys()):
        if key == "q":
            # Django's forms refuse NUL; to the parser it separates words.
            cleaned_input[key] = cleaned_input.get(key, "").replace("\x00", " ")
        else:
            cleaned_input[key] = _without_controls(cleaned_input.get(key, ""))
    for name in FILTER_NAMES:
        value = cleaned_input.get(name, "")
        if value and value != value.translate(_NOT_IN_NAMES):
            cleaned_input[name] = value.translate(_NOT_IN_NAMES)
            label = SearchForm.base_fields[name].label
            notice = str(_("%(label)s中的引号和反斜杠不属于地名或名称，已去掉。")) % {
                "label": label
            }
            problems.append(notice)
            # The page searches without them; the API refuses the value.
            rejected[name] = [str(_("引号和反斜杠不属于地名或名称。"))]
            quote_notices.append(notice)
    form = SearchForm(cleaned_input)
    form.is_valid()
    values = dict(form.cleaned_data)
    for name, errors in form.errors.items():
        rejected[name] = list(errors)
        values[name] = None
    year_from, year_to = values.get("year_from"), values.get("year_to")
    if year_from is not None and year_to is not None and year_from > year_to:
        year_from, year_to = year_to, year_from
        problems.append(str(_("起始年度晚于截止年度，已对调。")))
    filters = SearchFilters(
        township=values.get("township") or "",
        county=values.get("county") or "",
        city=values.get("city") or "",
        province=values.get("province") or "",
        category=values.get("category") or "",
        issuer=values.get("issuer") or "",
        availability=values.get("availability") or "",
        year_from=year_from,
        year_to=year_to,
    )
    query = values.get("q") or ""
    params = SearchParams(
        query=query,
        filters=filters,
        form=Form.parse(values.get("form")) or Form.FOLDED,
        near=Unit(values["near"]) if values.get("near") else None,
        # Browsing (no query) lists the newest first unless told otherwise.
        sort=values.get("sort") or ("" if query.strip() else SortOrder.NEWEST),
        page=values.get("page") or 1,
        page_size=values.get("page_size") or DEFAULT_PAGE_SIZE,
        problems=problems,
    )
    for name, errors in rejected.items():
        if name in form.errors:
            params.reject(name, str(form.fields[name].label or name), errors)
        else:
            # Already told on the page (quotes taken out), refused by the API.
            params.field_errors[name] = errors
    params.ignored.extend(quote_notices)
    return form, params
