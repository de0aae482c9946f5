"""The client's IP behind the reverse proxy: what the per-IP limits and the audit trail key on."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from apps.core.models import AuditEvent
from apps.core.net import client_ip
from apps.core.services import audit
from tests.factories import CodiceFactory, ProfessionistaFactory, UserFactory, entra_come_professionista

PROXY = "10.0.0.2"
ANNA, BRUNO = "203.0.113.7", "198.51.100.23"


def _richiesta(remote=PROXY, xff=None):
    extra = {"REMOTE_ADDR": remote}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **extra)


def test_without_the_proxy_setting_a_forwarded_header_is_never_believed(settings):
    settings.BEHIND_PROXY = False
    assert client_ip(_richiesta(remote=ANNA, xff="1.2.3.4")) == ANNA


def test_behind_one_proxy_the_client_is_the_last_hop_it_added(settings):
    settings.BEHIND_PROXY, settings.TRUSTED_PROXY_COUNT = True, 1
    assert client_ip(_richiesta(xff=ANNA)) == ANNA
    # Whatever the client wrote itself stays on the left and is ignored.
    assert client_ip(_richiesta(xff=f"1.2.3.4, {ANNA}")) == ANNA


def test_behind_two_proxies_the_client_is_two_hops_from_the_right(settings):
    settings.BEHIND_PROXY, settings.TRUSTED_PROXY_COUNT = True, 2
    assert client_ip(_richiesta(xff=f"1.2.3.4, {ANNA}, 192.0.2.50")) == ANNA


def test_other_client_headers_are_not_trusted_and_a_missing_header_falls_back_to_remote_addr(settings):
    settings.BEHIND_PROXY, settings.TRUSTED_PROXY_COUNT = True, 1
    richiesta = _richiesta(xff=None)
    richiesta.META["HTTP_X_REAL_IP"] = "1.2.3.4"
    richiesta.META["HTTP_CF_CONNECTING_IP"] = "1.2.3.4"
    assert client_ip(richiesta) == PROXY
    # Two trusted proxies but only one hop in the header: not through our chain, REMOTE_ADDR it is.
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(_richiesta(xff=ANNA)) == PROXY


def test_ipv6_clients_are_read_too(settings):
    settings.BEHIND_PROXY, settings.TRUSTED_PROXY_COUNT = True, 1
    assert client_ip(_richiesta(xff="2001:db8::7")) == "2001:db8::7"


# --- audit ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_audit_event_of_a_request_records_the_client_ip(client, settings):
    settings.BEHIND_PROXY, settings.TRUSTED_PROXY_COUNT = True, 1
    settings.DEV_LOGIN_ENABLED = True
    client.post(
        reverse("accounts:dev_login"),
        {"codice_fiscale": "RSSMRA85M01H501Q", "nome": "Mario"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=f"1.2.3.4, {ANNA}",
    )
    evento = AuditEvent.objects.get(azione="login")
    assert evento.ip == ANNA


@pytest.mark.django_db
def test_audit_outside_a_request_records_no_ip():
    assert audit(None, "job_di_prova").ip is None


# --- the per-IP verification limit -----------------------------------------------------------------


@pytest.fixture
def bob_e_codice(db):
    bob = ProfessionistaFactory(cognome="Neri", nome="Bob")
    from tests.factories import CanaleFactory

    CanaleFactory(professionista=bob, iban="IT60X0542811101000000123456")
    alice = UserFactory(nome="Alice")
    codice = CodiceFactory(domanda__cf_beneficiario=alice.codice_fiscale, domanda__richiedente=alice)
    return bob, codice


def _verifiche_da(client, codice, ip, quante, giusta=False):
    url = reverse("professionista:prenota")
    dati = {
        "codice_fiscale": codice.domanda.cf_beneficiario,
        "codice": codice.codice if giusta else "ZZZZZZZZZZZZ",
    }
    pagine = [
        client.post(url, dati, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ip).content.decode()
        for _ in range(quante)
    ]
    return pagine[-1]


@pytest.mark.parametrize("dietro_al_proxy", [True, False])
def test_failures_from_one_client_do_not_suspend_verification_for_clients_elsewhere(
    client, bob_e_codice, settings, dietro_al_proxy
):
    """With BEHIND_PROXY every client has its own counter; without it (the control) all requests look like
    the proxy's address and one client's failures suspend verification for everyone."""
    settings.BEHIND_PROXY, settings.TRUSTED_PROXY_COUNT = dietro_al_proxy, 1
    settings.VERIFICA_MAX_ERRORI_UTENTE, settings.VERIFICA_MAX_ERRORI_IP = 100, 3
    bob, codice = bob_e_codice
    entra_come_professionista(client, bob)
    _verifiche_da(client, codice, ANNA, 3)
    assert "Troppe verifiche" in _verifiche_da(client, codice, ANNA, 1, giusta=True)
    da_bruno = _verifiche_da(client, codice, BRUNO, 1, giusta=True)
    if dietro_al_proxy:
        assert "Associazione verificata" in da_bruno
    else:
        assert "Troppe verifiche" in da_bruno
