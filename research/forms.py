"""The tools' parameters: the search page's query and filters, plus each tool's own.

Like search.forms, bad values never raise: each is dropped with a message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from documents.forms import MAX_FILTER_LENGTH, printable
from research.compare import MAX_PLACES, MIN_PLACES, Level, unknown_places
from research.export import ExportFormat, ExportLang
from research.kwic import DEFAULT_WIDTH, MAX_WIDTH, MIN_WIDTH, KwicOrder
from research.trend import MAX_LINES, Split
from search.forms import SearchParams, parse_search_params
from search.services import SearchFilters

KWIC_PAGE_SIZE = 50
# More place boxes than this are not read at all.
MAX_PLACE_VALUES = 20
_PLACE_SEPARATORS = re.compile(r"[,，、;；\s]+")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


class ToolForm(forms.Form):
    # The labels are the trend form's, so a message names the box it is about.
    # help_text is what the API page and /api/openapi.json say of the parameter.
    split = forms.ChoiceField(
        label=gettext_lazy("分线"),
        required=False,
        choices=Split.choices,
        help_text=gettext_lazy("按 county（区县）或 township（乡镇）分线。"),
    )
    lines = forms.IntegerField(
        label=gettext_lazy("分线数"),
        required=False,
        min_value=1,
        max_value=MAX_LINES,
        help_text=gettext_lazy("分线数：命中最多的几个地方各一条线。"),
    )
    order = forms.ChoiceField(
        label=gettext_lazy("排序"),
        required=False,
        choices=KwicOrder.choices,
        help_text=gettext_lazy(
            "排序：doc 按文档标题，date 按日期（旧→新，无日期的在后），"
            "left 按左侧语境（倒序读），right 按右侧语境。"
        ),
    )
    width = forms.IntegerField(
        label=gettext_lazy("语境字数（每侧）"),
        required=False,
        min_value=MIN_WIDTH,
        max_value=MAX_WIDTH,
        help_text=gettext_lazy("每侧语境的字数。"),
    )
    level = forms.ChoiceField(
        label=gettext_lazy("比较层级"),
        required=False,
        choices=Level.choices,
        help_text=gettext_lazy("比较层级：township（乡镇街道）或 county（区县）。"),
    )
    format = forms.ChoiceField(
        label=gettext_lazy("格式"),
        required=False,
        choices=[("json", "JSON"), *ExportFormat.choices],
        help_text=gettext_lazy("返回格式。CSV 带 UTF-8 BOM，Excel 可直接打开。"),
    )
    full = forms.CharField(
        label=gettext_lazy("全文"),
        required=False,
        help_text=gettext_lazy("1：附上全文（body 列）。"),
    )
    lang = forms.ChoiceField(
        label=gettext_lazy("列名语言"),
        required=False,
        choices=ExportLang.choices,
        help_text=gettext_lazy(
            "导出文件的列名：zh 为中文（CSV 的默认，Excel 用户所见），"
            "en 为字段名（JSON Lines 的默认，供程序读取）。"
        ),
    )

    def clean_full(self) -> bool:
        value = (self.cleaned_data.get("full") or "").strip().lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise forms.ValidationError(_("请用 1 或 0。"))


@dataclass
class ToolParams:
    """One tool request: the search's query and filters, and the tools' options."""

    search: SearchParams
    split: Split | None = None
    lines: int = MAX_LINES
    order: KwicOrder = KwicOrder.DOCUMENT
    width: int = DEFAULT_WIDTH
    level: Level = Level.TOWNSHIP
    places: list[str] = field(default_factory=list)
    repeated_places: list[str] = field(default_factory=list)
    format: str = "json"
    full: bool = False
    # Column names of an export; None: the format's default (export_lang()).
    lang: ExportLang | None = None

    @property
    def field_errors(self) -> dict[str, list[str]]:
        """Parameters given but not usable, with why: the pages ignore them
        with a notice, the API answers 400 with these."""
        return self.search.field_errors

    @property
    def query(self) -> str:
        return self.search.query

    @property
    def filters(self) -> SearchFilters:
        return self.search.filters

    @property
    def problems(self) -> list[str]:
        return self.search.problems


def _places(data: QueryDict, search: SearchParams) -> tuple[list[str], list[str]]:
    """The place names (boxes, or one box separated by commas), each once, and
    the names given more than once; a value that has to be dropped is
    recorded on ``search`` (the pages ignore it, the API refuses it)."""
    names: list[str] = []
    repeated: list[str] = []
    label = str(_("地方"))
    if len(data.getlist("place")) > MAX_PLACE_VALUES:
        search.reject(
            "place",
            label,
            [_("至多读 %(n)d 个 place 参数。") % {"n": MAX_PLACE_VALUES}],
        )
    for raw in data.getlist("place")[:MAX_PLACE_VALUES]:
        for name in _PLACE_SEPARATORS.split(printable(raw)):
            if len(name) > MAX_FILTER_LENGTH:
                search.reject(
                    "place", label, [_("地名过长：%(name)s…") % {"name": name[:20]}]
                )
            elif name in names:
                if name not in repeated:
                    repeated.append(name)
            elif name:
                names.append(name)
    for name in repeated:
        search.problems.append(
            _("“%(name)s”填了不止一次，只比较一次。") % {"name": name}
        )
    if len(names) > MAX_PLACES:
        search.reject(
            "place", label, [_("最多比较 %(n)d 个地方。") % {"n": MAX_PLACES}]
        )
        names = names[:MAX_PLACES]
    return names, repeated


def parse_tool_params(data: QueryDict) -> tuple[forms.Form, ToolParams]:
    """Read GET parameters; returns the search form (for redisplay) and the params."""
    search_form, search = parse_search_params(data)
    cleaned = data.copy()
    for key in list(cleaned.keys()):
        cleaned[key] = printable(cleaned.get(key, ""))
    form = ToolForm(cleaned)
    form.is_valid()
    values = dict(form.cleaned_data)
    for name, errors in form.errors.items():
        search.reject(name, str(form.fields[name].label or name), list(errors))
        values[name] = None
    places, repeated = _places(data, search)
    params = ToolParams(
        search=search,
        split=Split.parse(values.get("split")),
        lines=values.get("lines") or MAX_LINES,
        order=KwicOrder.parse(values.get("order")) or KwicOrder.DOCUMENT,
        width=values.get("width") or DEFAULT_WIDTH,
        level=Level.parse(values.get("level")) or Level.TOWNSHIP,
        places=places,
        repeated_places=repeated,
        format=values.get("format") or "json",
        full=bool(values.get("full")),
        lang=ExportLang.parse(values.get("lang")),
    )
    if "page_size" not in data or "page_size" in search_form.errors:
        params.search.page_size = KWIC_PAGE_SIZE
    return search_form, params


def compare_error(params: ToolParams) -> str:
    """Why these places cannot be compared, or "": too few different places,
    or a name with no documents at the chosen level."""
    if len(params.places) < MIN_PLACES:
        if params.repeated_places:
            return _("请至少填写 %(n)d 个不同的地方（“%(name)s”重复了）。") % {
                "n": MIN_PLACES,
                "name": params.repeated_places[0],
            }
        return _("请至少填写 %(n)d 个地方。") % {"n": MIN_PLACES}
    unknown = unknown_places(level=params.level, places=params.places)
    return " ".join(place.message() for place in unknown)
