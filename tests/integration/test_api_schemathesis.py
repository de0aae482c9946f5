"""Schemathesis against the API's own OpenAPI schema (issue 11 §1): generated requests to every operation,
valid and not, authenticated with a real token on a small world; no 500, and every response (status, media
type, body) as the schema says. A bounded number of examples per operation keeps `make test` fast."""

import contextlib
import datetime as dt
from decimal import Decimal

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from apps.api.autenticazione import PerToken
from apps.professionisti.token_api import crea_token
from bonuspsi.wsgi import application
from tests.factories import (
    CanaleFactory,
    CodiceFactory,
    ProfessionistaFactory,
    SedutaFactory,
    utente_di,
)

CONTROLLI = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@contextlib.contextmanager
def _connessione_tenuta():
    """As Django's test client does: the WSGI handler would close the test's connection after each request
    (and with it the transaction every test runs in)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# Loaded at import (schemathesis' pytest fixture loader does not run on this pytest): the schema view
# reads no data, only the URL conf.
with _connessione_tenuta():
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)


@pytest.fixture
def senza_limiti(monkeypatch):
    monkeypatch.setattr(PerToken, "THROTTLE_RATES", {"token": "100000/min"})
    with _connessione_tenuta():
        yield


@pytest.fixture
def intestazioni(db):
    bob = ProfessionistaFactory()
    CanaleFactory(professionista=bob)
    codice = CodiceFactory(assegnato=Decimal("300.00"))
    SedutaFactory(professionista=bob, codice=codice)
    SedutaFactory(professionista=bob, codice=codice, inizio=dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC))
    _token, chiaro = crea_token(
        utente_di(bob), bob, nome="schemathesis", ambiti=["lettura", "sedute", "fatture"], giorni=30
    )
    return {"Authorization": f"Bearer {chiaro}"}


@schema.parametrize()
# Derandomized: the same examples on every run, so a red CI is a change in the code, not a new draw
# (one unexplained red run was seen with random draws and could not be reproduced). To explore, run it
# locally with derandomize=False and more examples.
@settings(
    derandomize=True,
    max_examples=12,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_the_api_keeps_to_its_schema(case, intestazioni, senza_limiti):
    if case.path in ("/api/v1/schema/", "/api/v1/docs/"):
        return
    case.call_and_validate(headers=intestazioni, checks=CONTROLLI)
