"""Settings as a deployment sees them: one var dir, and production checks pass."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PLANSITE_")}
    # A deployment has neither the test database nor the browser tests' flag.
    environment.pop("DATABASE_URL", None)
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_var_dir_moves_all_runtime_state(tmp_path: Path) -> None:
    code = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['NAME']);"
        "print(s.HAYSTACK_CONNECTIONS['default']['PATH']);"
        "print(s.LOG_DIR); print(s.JIEBA_CACHE_DIR)"
    )
    result = _run(
        ["shell", "-c", code],
        DJANGO_SETTINGS_MODULE="plansite.settings.dev",
        PLANSITE_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("/")]
    assert lines == [
        str(tmp_path / "plansite.sqlite3"),
        str(tmp_path / "whoosh_index"),
        str(tmp_path / "logs"),
        str(tmp_path / "cache"),
    ]


def _prod(tmp_path: Path) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "plansite.settings.prod",
        "PLANSITE_SECRET_KEY": secrets.token_urlsafe(64),
        "PLANSITE_ALLOWED_HOSTS": "plans.example.org",
        "PLANSITE_VAR_DIR": str(tmp_path),
    }


def test_production_settings_pass_check_deploy(tmp_path: Path) -> None:
    result = _run(["check", "--deploy", "--fail-level", "WARNING"], **_prod(tmp_path))
    assert result.returncode == 0, result.stderr + result.stdout
    # Clean, not quiet: nothing silenced, and django-axes' own checks ran too.
    assert "System check identified no issues (0 silenced)." in result.stdout


SECURITY = (
    "from django.conf import settings as s;"
    "print(s.AUTHENTICATION_BACKENDS[0]);"
    "print(s.AXES_FAILURE_LIMIT, int(s.AXES_COOLOFF_TIME.total_seconds()));"
    "print(s.AXES_LOCKOUT_PARAMETERS);"
    "print(s.AXES_IPWARE_META_PRECEDENCE_ORDER, s.AXES_IPWARE_PROXY_COUNT);"
    "print(sorted(m for m in s.MIDDLEWARE if 'csp' in m or 'ermissions' in m))"
)


def test_production_locks_logins_by_user_and_address_from_the_environment(
    tmp_path: Path,
) -> None:
    result = _run(["shell", "-v", "0", "-c", SECURITY], **_prod(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "axes.backends.AxesStandaloneBackend",
        "5 900",
        "[['username', 'ip_address']]",
        "('REMOTE_ADDR',) None",
        "['csp.middleware.CSPMiddleware', "
        "'django_permissions_policy.PermissionsPolicyMiddleware']",
    ]
    behind_nginx = _run(
        ["shell", "-v", "0", "-c", SECURITY],
        **_prod(tmp_path),
        PLANSITE_LOGIN_FAILURES="8",
        PLANSITE_LOGIN_COOLOFF_MINUTES="30",
        PLANSITE_TRUSTED_PROXIES="1",
    )
    assert behind_nginx.returncode == 0, behind_nginx.stderr
    lines = behind_nginx.stdout.splitlines()
    assert lines[1] == "8 1800"
    # As tests/plansite/test_login_lockout.py's BEHIND_NGINX.
    assert lines[3] == "('HTTP_X_FORWARDED_FOR', 'REMOTE_ADDR') 0"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PLANSITE_TRUSTED_PROXIES", "-1"),
        ("PLANSITE_TRUSTED_PROXIES", "nginx"),
        ("PLANSITE_LOGIN_COOLOFF_MINUTES", "0"),
        ("PLANSITE_LOGIN_FAILURES", "five"),
    ],
)
def test_a_bad_security_setting_stops_the_start(
    tmp_path: Path, name: str, value: str
) -> None:
    result = _run(["check"], **_prod(tmp_path), **{name: value})
    assert result.returncode != 0
    assert name in result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = _run(
        ["check"],
        DJANGO_SETTINGS_MODULE="plansite.settings.prod",
        PLANSITE_VAR_DIR=str(tmp_path),
    )
    assert result.returncode != 0
    assert "PLANSITE_SECRET_KEY" in result.stderr
