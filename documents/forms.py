"""The filter fields that the lists, the search and the research tools all read.

Defined once: the document lists (documents/views/params.py) and the search
form (search/forms.py) each declared the same place and category boxes, with
the same labels and limits.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from documents.models import Availability

MAX_FILTER_LENGTH = 100
MIN_YEAR, MAX_YEAR = 1900, 2100


def printable(value: str) -> str:
    """``value`` without control characters (NUL above all): they never belong
    in a name or a number."""
    return "".join(ch for ch in value if ch.isprintable())


# What a filter box and a facet call each availability: an unknown one is a
# document imported from a file, whose page no harvest watches.
AVAILABILITY_LABELS = {
    Availability.ONLINE.value: gettext_lazy("在线"),
    Availability.WITHDRAWN.value: gettext_lazy("已撤下"),
    Availability.UNKNOWN.value: gettext_lazy("未知（文件导入）"),
}


def name_field(label: str, help_text: str = "") -> forms.CharField:
    """A box for an exact name (a place, a category, an issuer)."""
    return forms.CharField(
        label=label,
        required=False,
        max_length=MAX_FILTER_LENGTH,
        help_text=help_text,
    )


class FilterForm(forms.Form):
    """The place and category filters, shared by every form that lists documents."""

    province = name_field(gettext_lazy("省份"), gettext_lazy("省份全名。"))
    county = name_field(gettext_lazy("区县"), gettext_lazy("区县全名，如“平潭县”。"))
    township = name_field(
        gettext_lazy("乡镇街道"), gettext_lazy("乡镇街道全名，如“东塍镇”。")
    )
    category = name_field(
        gettext_lazy("主题分类"), gettext_lazy("主题分类（与文档上的写法一致）。")
    )
    availability = forms.ChoiceField(
        label=gettext_lazy("在线状态"),
        required=False,
        choices=[("", gettext_lazy("不限")), *AVAILABILITY_LABELS.items()],
        help_text=gettext_lazy(
            "原网页是否仍在线：online 在线（最近一次采集时仍可访问），"
            "withdrawn 已撤下（网页已删除或已从栏目列表中移除），"
            "unknown 未知（从文件导入，无人采集其网页）。"
        ),
    )
