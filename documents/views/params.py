"""List filters, sort and page read from GET parameters; bad values never raise."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from documents.forms import MAX_YEAR, MIN_YEAR, FilterForm, printable
from documents.selectors import DocumentKind, ListFilters, ListSort
from search import Form, QueryError, Unit, link_params, parse_query, terms_of

MAX_PAGE = 10_000
# year=unknown lists the documents whose plan year is not known.
UNDATED = "unknown"
PAGE_SIZE = 50
ORPHANS = 5


class ListParamsForm(FilterForm):
    kind = forms.ChoiceField(
        label=gettext_lazy("类型"), required=False, choices=DocumentKind.choices
    )
    review = forms.ChoiceField(
        label=gettext_lazy("复核"),
        required=False,
        choices=[("yes", gettext_lazy("待复核")), ("no", gettext_lazy("无需复核"))],
    )
    year = forms.CharField(label=gettext_lazy("年度"), required=False, max_length=10)
    sort = forms.ChoiceField(
        label=gettext_lazy("排序"), required=False, choices=ListSort.choices
    )
    page = forms.IntegerField(
        label=gettext_lazy("页码"), required=False, min_value=1, max_value=MAX_PAGE
    )

    def clean_year(self) -> int | str | None:
        value = (self.cleaned_data.get("year") or "").strip()
        if not value:
            return None
        if value == UNDATED:
            return UNDATED
        try:
            year = int(value)
        except ValueError:
            year = None
        if year is None or not MIN_YEAR <= year <= MAX_YEAR:
            raise forms.ValidationError(
                _("请填写 %(min)d–%(max)d 之间的年份")
                % {"min": MIN_YEAR, "max": MAX_YEAR}
            )
        return year


@dataclass
class ListParams:
    filters: ListFilters = field(default_factory=ListFilters)
    sort: ListSort | None = None
    page: int = 1
    problems: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)


def parse_list_params(
    data: QueryDict, *, accept: frozenset[str], **fixed: Any
) -> ListParams:
    """Read the parameters named in ``accept``; drop each bad one with a message.

    ``fixed`` are filters given by the URL path (a year page's year, say).
    """
    cleaned_input = {key: printable(data.get(key, "")) for key in data}
    form = ListParamsForm(cleaned_input)
    form.is_valid()
    values = dict(form.cleaned_data)
    problems = []
    for name, errors in form.errors.items():
        if name not in accept and name != "page":
            continue
        label = form.fields[name].label
        problems.append(
            _("%(label)s：%(errors)s（已忽略）")
            % {"label": label, "errors": "；".join(errors)}
        )
        values[name] = None
    values = {
        name: value
        for name, value in values.items()
        if (name in accept or name == "page") and value not in (None, "")
    }
    review = values.get("review")
    year = fixed.get("year") or values.get("year")
    filters = ListFilters(
        province=fixed.get("province") or values.get("province", ""),
        city=fixed.get("city", ""),
        county=fixed.get("county") or values.get("county", ""),
        township=fixed.get("township") or values.get("township", ""),
        year=year if isinstance(year, int) else None,
        undated=year == UNDATED,
        category=values.get("category", ""),
        kind=DocumentKind.parse(values.get("kind")),
        needs_review=None if review is None else review == "yes",
        availability=values.get("availability", ""),
    )
    return ListParams(
        filters=filters,
        sort=ListSort.parse(values.get("sort")),
        page=values.get("page") or 1,
        problems=problems,
        values=values,
    )


def paginate(
    queryset: QuerySet, params: ListParams, *, per_page: int = PAGE_SIZE
) -> Page:
    """The requested page; past the end, the last page and a message."""
    paginator = Paginator(queryset, per_page, orphans=ORPHANS)
    if params.page > paginator.num_pages:
        if paginator.count:
            params.problems.append(
                _("第 %(page)s 页超出范围，已显示最后一页。") % {"page": params.page}
            )
        return paginator.page(paginator.num_pages)
    return paginator.page(params.page)


def _form_and_near(data: QueryDict | None) -> tuple[Form, Unit | None]:
    # Bad values are ignored, as every page does: folded, no 同句/同段.
    if data is None:
        return Form.FOLDED, None
    form = Form.parse(data.get("form")) or Form.FOLDED
    near = data.get("near", "")
    return form, Unit(near) if near in (Unit.SENTENCE, Unit.PARAGRAPH) else None


def highlight_terms(raw_query: str, data: QueryDict | None = None) -> tuple[Any, str]:
    """The parsed query a text page marks for ?q= (read with the request's
    form= and near=, as the search read it), None when it marks nothing, and
    the query's error ("" if none): a query that does not parse marks
    nothing and says why. The highlighter marks the occurrences that count
    for the query (of 乡村振兴 /s 产业, those in a sentence with both)."""
    form, near = _form_and_near(data)
    try:
        node = parse_query(raw_query, form=form, near=near)
    except QueryError as exc:
        return None, str(exc)
    return (node if terms_of(node) else None), ""


def query_params(raw_query: str, data: QueryDict | None = None) -> dict[str, str]:
    """What a text page's own links pass on so the next page marks the same:
    q, and form= and near= when they are not the default."""
    return {"q": raw_query, **link_params(*_form_and_near(data))}
