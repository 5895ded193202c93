"""Settings as a deployment sees them: one var dir, and production checks pass."""

import os
import subprocess
import sys
from pathlib import Path

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


def test_production_settings_pass_check_deploy(tmp_path: Path) -> None:
    result = _run(
        ["check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_SETTINGS_MODULE="plansite.settings.prod",
        PLANSITE_SECRET_KEY="x" * 20
        + "-production-secret-key-for-the-check-"
        + "y" * 20,
        PLANSITE_ALLOWED_HOSTS="plans.example.org",
        PLANSITE_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = _run(
        ["check"],
        DJANGO_SETTINGS_MODULE="plansite.settings.prod",
        PLANSITE_VAR_DIR=str(tmp_path),
    )
    assert result.returncode != 0
    assert "PLANSITE_SECRET_KEY" in result.stderr
