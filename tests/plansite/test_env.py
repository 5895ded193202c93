"""The environment readers: defaults, parsing, and loud failure on bad values."""

from pathlib import Path

import pytest

from plansite import env


def test_defaults_when_unset(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.delenv("PLANSITE_X", raising=False)
    assert env.get_bool("PLANSITE_X", True) is True
    assert env.get_int("PLANSITE_X", 7) == 7
    assert env.get_list("PLANSITE_X", ["a"]) == ["a"]
    assert env.get_path("PLANSITE_X", Path("/srv/var")) == Path("/srv/var")


@pytest.mark.parametrize(
    ("raw", "value"), [("1", True), ("true", True), ("Off", False), ("", False)]
)
def test_bool(monkeypatch, raw: str, value: bool) -> None:  # noqa: ANN001
    monkeypatch.setenv("PLANSITE_X", raw)
    assert env.get_bool("PLANSITE_X") is value


@pytest.mark.parametrize("reader", [env.get_bool, lambda name: env.get_int(name, 1)])
def test_malformed_values_fail_loudly(monkeypatch, reader) -> None:  # noqa: ANN001
    monkeypatch.setenv("PLANSITE_X", "maybe")
    with pytest.raises(ValueError, match="PLANSITE_X"):
        reader("PLANSITE_X")


def test_list_and_relative_path(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("PLANSITE_X", " a, ,b ")
    assert env.get_list("PLANSITE_X") == ["a", "b"]
    monkeypatch.setenv("PLANSITE_X", "var/elsewhere")
    assert env.get_path("PLANSITE_X", Path("/x")) == env.BASE_DIR / "var/elsewhere"
