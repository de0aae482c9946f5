"""`manage.py check --deploy` must be clean with the production variables the README lists."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DEBUG": "False",
    "SECRET_KEY": "x" * 20 + "production-like-secret-key-for-the-check-0123456789",
    "ALLOWED_HOSTS": "bonuspsicologo.example.it",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "DEV_LOGIN_ENABLED": "False",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def _check(extra=None):
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process: production never has it.
    dropped = {"DEBUG", "DEV_LOGIN_ENABLED", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(PRODUCTION_ENV | (extra or {}))
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = _check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_when_the_dev_login_is_left_on():
    # The settings themselves refuse to load (ImproperlyConfigured), before any check runs.
    result = _check({"DEV_LOGIN_ENABLED": "True"})
    assert result.returncode != 0
    assert "ImproperlyConfigured: DEV_LOGIN_ENABLED=True con DEBUG=False" in result.stderr


def test_check_deploy_fails_without_redis():
    """Eager Celery and per-process rate-limit counters are for development only."""
    result = _check({"REDIS_URL": ""})
    assert result.returncode != 0
    assert "core.E001" in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = _check({"SECRET_KEY": ""})
    assert result.returncode != 0


def test_collectstatic_works_with_the_production_manifest_storage(tmp_path):
    """The docker image runs collectstatic with DEBUG=False: every url() in the vendored CSS must exist."""
    dropped = {"DEBUG", "DEV_LOGIN_ENABLED", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(PRODUCTION_ENV | {"STATIC_ROOT": str(tmp_path)})
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "staticfiles.json").exists()
