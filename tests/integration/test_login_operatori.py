"""Password guessing on /operatori/login/ is limited (django-axes): per account from any IP, per IP for any
account, a success clears the counters, and behind the proxy it is the client's IP that counts."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/operatori/login/"
PASSWORD = "una-password-lunga-e-giusta"
ANNA, BRUNO, PROXY = "203.0.113.7", "198.51.100.23", "10.0.0.2"


@pytest.fixture(autouse=True)
def _limite(settings):
    settings.AXES_FAILURE_LIMIT = 3


@pytest.fixture
def carol():
    utente = UserFactory(is_staff=True, nome="Carol")
    utente.set_password(PASSWORD)
    utente.save()
    return utente


@pytest.fixture
def dario():
    utente = UserFactory(is_staff=True, nome="Dario")
    utente.set_password(PASSWORD)
    utente.save()
    return utente


def _accedi(client, utente, password, ip=ANNA, **extra):
    dati = {"username": utente.codice_fiscale, "password": password, "next": "/operatori/"}
    return client.post(URL, dati, REMOTE_ADDR=ip, **extra)


def _sbaglia(client, utente, volte, ip=ANNA, **extra):
    for _ in range(volte):
        assert _accedi(client, utente, "sbagliata", ip=ip, **extra).status_code == 200


def test_the_limit_th_failure_locks_the_account_from_any_ip(client, carol):
    _sbaglia(client, carol, 2)
    risposta = _accedi(client, carol, "sbagliata")
    assert risposta.status_code == 429
    # Even the right password, from another address, is refused until the cool-off.
    bloccata = _accedi(client, carol, PASSWORD, ip=BRUNO)
    assert bloccata.status_code == 429
    pagina = bloccata.content.decode()
    assert "Accesso temporaneamente bloccato" in pagina
    assert "riprova tra 30 minuti" in pagina
    assert carol.codice_fiscale not in pagina
    assert "_auth_user_id" not in client.session


def test_one_failure_less_than_the_limit_still_lets_the_operator_in(client, carol):
    _sbaglia(client, carol, 2)
    assert _accedi(client, carol, PASSWORD).status_code == 302


def test_another_spelling_of_the_codice_fiscale_is_the_same_account(client, carol):
    for cf in (carol.codice_fiscale.lower(), f" {carol.codice_fiscale} ", carol.codice_fiscale.title()):
        client.post(URL, {"username": cf, "password": "sbagliata"}, REMOTE_ADDR=BRUNO)
    assert _accedi(client, carol, PASSWORD, ip="192.0.2.99").status_code == 429


def test_failures_from_one_ip_lock_that_ip_for_any_account(client, carol, dario):
    _accedi(client, carol, "sbagliata")
    _accedi(client, dario, "sbagliata")
    # The third failure from the address, on a third account that does not even exist.
    client.post(URL, {"username": "RSSMRA85M01H501Q", "password": "x"}, REMOTE_ADDR=ANNA)
    assert _accedi(client, dario, PASSWORD).status_code == 429
    # The accounts themselves are not locked: from elsewhere dario gets in.
    assert _accedi(client, dario, PASSWORD, ip=BRUNO).status_code == 302


def test_a_success_resets_the_account_counter(client, carol):
    _sbaglia(client, carol, 2)
    assert _accedi(client, carol, PASSWORD).status_code == 302
    client.logout()
    _sbaglia(client, carol, 2)
    assert _accedi(client, carol, PASSWORD).status_code == 302


def test_behind_the_proxy_the_forwarded_client_ip_is_what_counts(client, carol, dario, settings):
    settings.BEHIND_PROXY, settings.TRUSTED_PROXY_COUNT = True, 1
    for utente in (carol, dario, carol):
        _accedi(client, utente, "sbagliata", ip=PROXY, HTTP_X_FORWARDED_FOR=ANNA)
    # Anna's address is locked; Bruno, through the same proxy, is not.
    assert _accedi(client, dario, PASSWORD, ip=PROXY, HTTP_X_FORWARDED_FOR=ANNA).status_code == 429
    assert _accedi(client, dario, PASSWORD, ip=PROXY, HTTP_X_FORWARDED_FOR=BRUNO).status_code == 302


def test_without_the_proxy_setting_every_client_behind_it_shares_the_proxy_address(
    client, carol, dario, settings
):
    """The control of the test above: the same requests, BEHIND_PROXY off, lock Bruno out too."""
    settings.BEHIND_PROXY = False
    for utente in (carol, dario, carol):
        _accedi(client, utente, "sbagliata", ip=PROXY, HTTP_X_FORWARDED_FOR=ANNA)
    assert _accedi(client, dario, PASSWORD, ip=PROXY, HTTP_X_FORWARDED_FOR=BRUNO).status_code == 429


def test_the_citizens_dev_login_still_works_with_axes(client, settings):
    settings.DEV_LOGIN_ENABLED = True
    risposta = client.post(reverse("accounts:dev_login"), {"codice_fiscale": "RSSMRA85M01H501Q"})
    assert risposta.status_code == 302
    assert "_auth_user_id" in client.session


def test_axes_logs_nothing_below_warning():
    """Logins are in the audit trail; axes' own INFO lines (one per login) stay out of the logs."""
    import logging

    assert not logging.getLogger("axes.handlers.database").isEnabledFor(logging.INFO)
