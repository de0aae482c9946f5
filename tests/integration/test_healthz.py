"""/healthz for the container healthcheck: answers whatever the Host header and over plain HTTP."""

from unittest import mock

import pytest
from django.db import OperationalError

pytestmark = pytest.mark.django_db


@pytest.fixture
def produzione(settings):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["bonuspsicologo.example.it"]
    settings.SECURE_SSL_REDIRECT = True
    settings.REDIS_URL = ""


def test_it_answers_ok_on_plain_http_with_a_host_not_allowed(client, produzione):
    risposta = client.get("/healthz", HTTP_HOST="127.0.0.1:8000")
    assert risposta.status_code == 200
    assert risposta.content == b"ok"
    assert "no-store" in risposta["Cache-Control"] or "no-cache" in risposta["Cache-Control"]


def test_the_control_any_other_page_with_that_host_is_refused(client, produzione):
    assert client.get("/", HTTP_HOST="127.0.0.1:8000").status_code == 400
    assert client.get("/", HTTP_HOST="bonuspsicologo.example.it").status_code == 301  # to https


def test_it_says_fail_with_503_when_the_database_is_down(client, produzione):
    with mock.patch("apps.core.middleware.connection.cursor", side_effect=OperationalError("down")):
        risposta = client.get("/healthz")
    assert risposta.status_code == 503
    assert risposta.content == b"fail"


def test_it_pings_redis_only_when_configured(client, produzione, settings):
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens there
    assert client.get("/healthz").status_code == 503
    with mock.patch("redis.Redis.ping", return_value=True):
        assert client.get("/healthz").status_code == 200
