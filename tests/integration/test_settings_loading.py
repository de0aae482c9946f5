"""Settings loaded as production loads them: in a fresh interpreter, from the environment alone.

gunicorn imports bonuspsi.wsgi and never runs the system checks, so whatever must never reach production
is refused at import time, and these tests build the WSGI application exactly as gunicorn does.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DEBUG": "False",
    "SECRET_KEY": "y" * 20 + "production-like-secret-key-for-the-wsgi-test-0123456789",
    "ALLOWED_HOSTS": "bonuspsicologo.example.it",
    "REDIS_URL": "",
}
# Calls the WSGI application once over HTTPS (as the proxy would) and prints the status line.
WSGI_CALL = """
import io, sys
from bonuspsi.wsgi import application
environ = {
    "REQUEST_METHOD": "GET", "PATH_INFO": sys.argv[1], "QUERY_STRING": "",
    "SERVER_NAME": "bonuspsicologo.example.it", "SERVER_PORT": "443",
    "HTTP_HOST": "bonuspsicologo.example.it", "wsgi.url_scheme": "https", "wsgi.input": io.BytesIO(b""),
    "wsgi.errors": sys.stderr, "wsgi.version": (1, 0),
    "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
    "SERVER_PROTOCOL": "HTTP/1.1",
}
statuses = []
body = b"".join(application(environ, lambda status, headers, exc_info=None: statuses.append(status)))
print(statuses[0])
"""
SETTINGS_DUMP = """
import json, django
django.setup()
from django.conf import settings as s
db = s.DATABASES["default"]
print(json.dumps({"DEBUG": s.DEBUG, "SECURE_SSL_REDIRECT": s.SECURE_SSL_REDIRECT,
                  "BEHIND_PROXY": s.BEHIND_PROXY, "CONN_MAX_AGE": db["CONN_MAX_AGE"],
                  "CONN_HEALTH_CHECKS": db["CONN_HEALTH_CHECKS"]}))
"""


def _python(code, env_extra, *args):
    dropped = {"DEBUG", "DEV_LOGIN_ENABLED", "SECURE_SSL_REDIRECT", "BEHIND_PROXY", "SENTRY_DSN"}
    dropped |= {"DJANGO_ALLOW_ASYNC_UNSAFE"}  # set by the browser tests in this process, never in production
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update({"DJANGO_SETTINGS_MODULE": "bonuspsi.settings"} | env_extra)
    return subprocess.run(  # noqa: S603  (our own snippets, run with this interpreter)
        [sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_wsgi_app_refuses_to_load_with_the_dev_login_in_production():
    result = _python(WSGI_CALL, PRODUCTION_ENV | {"DEV_LOGIN_ENABLED": "True"}, "/accedi/simulatore/")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DEV_LOGIN_ENABLED" in result.stderr


def test_the_simulator_url_is_not_routable_in_production():
    result = _python(WSGI_CALL, PRODUCTION_ENV, "/accedi/simulatore/")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "404 Not Found"


def test_the_simulator_url_is_served_in_development():
    """The control: the same call in development reaches the simulator, so the 404 above is the routing."""
    dev = {"DEBUG": "True", "REDIS_URL": "", "ALLOWED_HOSTS": "bonuspsicologo.example.it"}
    result = _python(WSGI_CALL, dev, "/accedi/simulatore/")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "200 OK"


@pytest.mark.parametrize(
    "variabile,valore", [("DEBUG", "Flase"), ("SECURE_SSL_REDIRECT", "ture"), ("BEHIND_PROXY", "1")]
)
def test_a_mistyped_boolean_refuses_to_start(variabile, valore):
    result = _python(SETTINGS_DUMP, PRODUCTION_ENV | {variabile: valore})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variabile in result.stderr


def test_booleans_are_read_in_any_case():
    result = _python(SETTINGS_DUMP, PRODUCTION_ENV | {"SECURE_SSL_REDIRECT": "FALSE", "BEHIND_PROXY": "True"})
    assert result.returncode == 0, result.stderr
    valori = json.loads(result.stdout.strip().splitlines()[-1])
    assert valori["DEBUG"] is False
    assert valori["SECURE_SSL_REDIRECT"] is False
    assert valori["BEHIND_PROXY"] is True


def test_production_keeps_database_connections_open_with_health_checks():
    result = _python(SETTINGS_DUMP, PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    valori = json.loads(result.stdout.strip().splitlines()[-1])
    assert valori["CONN_MAX_AGE"] == 60
    assert valori["CONN_HEALTH_CHECKS"] is True


def test_development_opens_a_connection_per_request():
    result = _python(SETTINGS_DUMP, {"DEBUG": "True", "CONN_MAX_AGE": "0"})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["CONN_MAX_AGE"] == 0


SENTRY_DUMP = """
import json, django
django.setup()
import sentry_sdk
options = sentry_sdk.get_client().options
print(json.dumps({"active": sentry_sdk.get_client().is_active(), "pii": options["send_default_pii"],
                  "before_send": getattr(options["before_send"], "__name__", None),
                  "body": options["max_request_body_size"]}))
"""


def test_sentry_starts_only_with_a_dsn_and_without_personal_data():
    # A DSN on the loopback: nothing is sent (no event is raised), the client is only configured.
    con = _python(SENTRY_DUMP, PRODUCTION_ENV | {"SENTRY_DSN": "http://public@127.0.0.1:9/1"})
    assert con.returncode == 0, con.stderr
    valori = json.loads(con.stdout.strip().splitlines()[-1])
    assert valori == {"active": True, "pii": False, "before_send": "scrub_event", "body": "never"}
    senza = _python(SENTRY_DUMP, PRODUCTION_ENV)
    assert json.loads(senza.stdout.strip().splitlines()[-1])["active"] is False
