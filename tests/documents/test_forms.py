"""The filter boxes are read the same way by the lists, the search and the tools."""

from __future__ import annotations

from django.http import QueryDict

from documents.forms import MAX_FILTER_LENGTH, FilterForm
from documents.views.params import parse_list_params
from research.forms import parse_tool_params
from search.forms import parse_search_params

LONG = "镇" * (MAX_FILTER_LENGTH + 1)


def _query(**values: str) -> QueryDict:
    data = QueryDict(mutable=True)
    data.update(values)
    return data


def test_every_form_drops_the_same_bad_filter_with_the_same_message() -> None:
    for name in FilterForm.base_fields:
        label = str(FilterForm.base_fields[name].label)
        data = _query(**{name: LONG})
        listed = parse_list_params(data, accept=frozenset({name}))
        _form, searched = parse_search_params(data)
        _form, tool = parse_tool_params(data)
        for problems in (listed.problems, searched.problems, tool.problems):
            assert len(problems) == 1, (name, problems)
            assert problems[0].startswith(f"{label}："), (name, problems)
        assert getattr(listed.filters, name) == ""
        assert getattr(searched.filters, name) == ""


def _good_value(name: str) -> str:
    """A value the box accepts: a place for the free-text boxes, else a choice."""
    field = FilterForm.base_fields[name]
    choices = [value for value, _label in getattr(field, "choices", ()) if value]
    return str(choices[-1]) if choices else "东塍镇"


def test_every_form_keeps_a_good_filter() -> None:
    for name in FilterForm.base_fields:
        good = _good_value(name)
        data = _query(**{name: good})
        listed = parse_list_params(data, accept=frozenset({name}))
        _form, searched = parse_search_params(data)
        assert getattr(listed.filters, name) == good, name
        assert getattr(searched.filters, name) == good, name
        assert listed.problems == searched.problems == []


def test_control_characters_never_reach_a_filter() -> None:
    listed = parse_list_params(
        _query(county="平潭\x00县"), accept=frozenset({"county"})
    )
    assert listed.filters.county == "平潭县"
