"""The admin login locks a username at one address after repeated wrong passwords."""

from __future__ import annotations

import io
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "the-right-password-1"
ATTACKER = "203.0.113.66"
ADMIN_HOME = "198.51.100.7"
LOCKED_TITLE = "登录已暂时锁定"


@pytest.fixture
def editor(django_user_model):  # noqa: ANN001, ANN201
    return django_user_model.objects.create_superuser(
        "editor", "editor@example.org", PASSWORD
    )


def _login(client: Client, username: str, password: str, ip: str, **headers: str):  # noqa: ANN202
    return client.post(
        LOGIN,
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
        headers=headers,
    )


def _fail(times: int, username: str, ip: str, **headers: str) -> list[int]:
    client = Client()
    return [
        _login(client, username, "wrong-password", ip, **headers).status_code
        for _ in range(times)
    ]


def _is_logged_in(client: Client) -> bool:
    return client.get("/admin/").status_code == 200


def test_after_the_limit_the_right_password_is_refused_with_the_lockout_page(
    editor,  # noqa: ANN001
) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    statuses = _fail(limit, "editor", ATTACKER)
    # Each wrong password before the limit gets the login form back.
    assert statuses[:-1] == [200] * (limit - 1)
    assert statuses[-1] == 429

    client = Client()
    response = _login(client, "editor", PASSWORD, ATTACKER)
    assert response.status_code == 429
    page = response.content.decode()
    assert LOCKED_TITLE in page
    assert "分钟后再试" in page
    # The lockout page is a page of the site: under the same policy.
    assert "style-src 'self'" in response["Content-Security-Policy"]
    assert not _is_logged_in(client)


def test_the_lock_holds_one_username_at_one_address(editor, django_user_model) -> None:  # noqa: ANN001
    django_user_model.objects.create_superuser("other", "o@example.org", PASSWORD)
    _fail(settings.AXES_FAILURE_LIMIT, "editor", ATTACKER)

    # The real admin, elsewhere, is not locked out by someone knowing the name ...
    client = Client()
    assert _login(client, "editor", PASSWORD, ADMIN_HOME).status_code == 302
    assert _is_logged_in(client)
    # ... nor is another user at the attacker's address.
    client = Client()
    assert _login(client, "other", PASSWORD, ATTACKER).status_code == 302
    assert _is_logged_in(client)


def test_after_the_cool_off_the_right_password_works(editor) -> None:  # noqa: ANN001
    with override_settings(AXES_COOLOFF_TIME=timedelta(seconds=1)):
        _fail(settings.AXES_FAILURE_LIMIT, "editor", ATTACKER)
        client = Client()
        assert _login(client, "editor", PASSWORD, ATTACKER).status_code == 429
        time.sleep(1.2)
        assert _login(client, "editor", PASSWORD, ATTACKER).status_code == 302
        assert _is_logged_in(client)


def test_successful_logins_do_not_count(editor) -> None:  # noqa: ANN001
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit + 2):
        client = Client()
        assert _login(client, "editor", PASSWORD, ADMIN_HOME).status_code == 302
    # A right password also forgets the typos before it.
    assert _fail(limit - 1, "editor", ADMIN_HOME) == [200] * (limit - 1)
    assert _login(Client(), "editor", PASSWORD, ADMIN_HOME).status_code == 302
    assert _fail(limit - 1, "editor", ADMIN_HOME) == [200] * (limit - 1)
    assert _login(Client(), "editor", PASSWORD, ADMIN_HOME).status_code == 302


def test_without_a_proxy_a_forwarded_for_header_changes_nothing(editor) -> None:  # noqa: ANN001
    """Dev and tests face clients directly: a header is the client's own claim."""
    client = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "editor", "wrong", ATTACKER, x_forwarded_for=f"10.9.9.{n}")
    response = _login(
        client, "editor", PASSWORD, ATTACKER, x_forwarded_for="10.9.9.200"
    )
    assert response.status_code == 429


# PLANSITE_TRUSTED_PROXIES=1 (tests/plansite/test_settings.py checks the mapping).
BEHIND_NGINX = {
    "AXES_IPWARE_META_PRECEDENCE_ORDER": ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"),
    "AXES_IPWARE_PROXY_COUNT": 0,
}
NGINX = "127.0.0.1"


@override_settings(**BEHIND_NGINX)
def test_behind_nginx_the_lock_follows_the_client_not_what_it_claims(editor) -> None:  # noqa: ANN001
    """nginx appends the peer's address to X-Forwarded-For; a client can only
    prepend. Rotating a forged first entry does not reset the count."""
    client = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        forged = f"10.9.9.{n}, {ATTACKER}"
        _login(client, "editor", "wrong", NGINX, x_forwarded_for=forged)
    forged = f"192.0.2.1, {ATTACKER}"
    assert (
        _login(client, "editor", PASSWORD, NGINX, x_forwarded_for=forged).status_code
        == 429
    )

    # Every client arrives from nginx's address; the real admin is not locked.
    client = Client()
    response = _login(client, "editor", PASSWORD, NGINX, x_forwarded_for=ADMIN_HOME)
    assert response.status_code == 302
    # A client that forges the attacker's address is seen at its own.
    client = Client()
    claim = f"{ATTACKER}, {ADMIN_HOME}"
    assert (
        _login(client, "editor", PASSWORD, NGINX, x_forwarded_for=claim).status_code
        == 302
    )


@pytest.mark.parametrize(
    "command",
    [
        ("axes_reset_username", "editor"),
        ("axes_reset_ip", ATTACKER),
        ("axes_reset",),
    ],
    ids=lambda command: command[0],
)
def test_the_readmes_reset_commands_let_a_locked_out_admin_in(
    editor,  # noqa: ANN001
    command: tuple[str, ...],
) -> None:
    _fail(settings.AXES_FAILURE_LIMIT, "editor", ATTACKER)
    assert _login(Client(), "editor", PASSWORD, ATTACKER).status_code == 429
    call_command(*command, stdout=io.StringIO())
    client = Client()
    assert _login(client, "editor", PASSWORD, ATTACKER).status_code == 302
    assert _is_logged_in(client)
