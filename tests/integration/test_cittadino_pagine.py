"""The citizen's pages: access control, ownership, no-store, strict-CSP markup, login pages."""

import re

import pytest
from django.urls import reverse

from apps.accounts.demo import DEMO_IDENTITIES
from tests.factories import BandoFactory, DomandaFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice():
    return UserFactory(nome="Alice", cognome="Russo")


@pytest.fixture
def bob():
    return UserFactory(nome="Bob", cognome="Esposito")


@pytest.fixture
def domanda_di_bob(bob):
    cf = bob.codice_fiscale
    return DomandaFactory(richiedente=bob, cf_beneficiario=cf, cf_richiedente=cf)


def test_the_public_home_offers_accedi(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert reverse("accounts:login") in response.content.decode()
    assert "Accedi" in response.content.decode()


def test_the_public_home_sends_a_logged_in_user_to_their_area(client, alice):
    client.force_login(alice)
    assert client.get(reverse("home"))["Location"] == reverse("cittadino:home")


def test_login_page_says_spid_cie_is_not_configured_and_links_the_simulator(client, settings):
    settings.DEBUG = True
    settings.DEV_LOGIN_ENABLED = True
    page = client.get(reverse("accounts:login")).content.decode()
    assert "non è ancora configurato" in page
    assert reverse("accounts:dev_login") in page


def test_login_page_hides_the_simulator_when_disabled(client, settings):
    settings.DEV_LOGIN_ENABLED = False
    page = client.get(reverse("accounts:login")).content.decode()
    assert reverse("accounts:dev_login") not in page


def test_dev_login_lists_every_demo_identity_with_a_post_button(client, settings):
    settings.DEBUG = True
    settings.DEV_LOGIN_ENABLED = True
    page = client.get(reverse("accounts:dev_login") + "?next=/cittadino/ricevute/").content.decode()
    for identita in DEMO_IDENTITIES:
        assert f'name="demo" value="{identita.codice_fiscale}"' in page
    assert 'name="next" value="/cittadino/ricevute/"' in page
    assert 'name="codice_fiscale"' in page


@pytest.mark.parametrize(
    "nome, args",
    [
        ("cittadino:home", []),
        ("cittadino:ricevute", []),
        ("cittadino:presenta", [1]),
        ("cittadino:ricevuta", [1]),
        ("cittadino:ricevuta_pdf", [1]),
        ("cittadino:provvedimento_pdf", [1]),
        ("cittadino:codice", [1]),
    ],
)
def test_logged_out_visitors_are_sent_to_login(client, nome, args):
    response = client.get(reverse(nome, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_authenticated_pages_are_never_stored(client, alice):
    client.force_login(alice)
    for url in (reverse("cittadino:home"), reverse("cittadino:ricevute")):
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]


def test_pages_have_no_inline_scripts_or_styles(client, alice, domanda_di_bob):
    BandoFactory()
    client.force_login(alice)
    urls = [reverse(n) for n in ("home", "cittadino:home", "cittadino:ricevute", "accounts:login")]
    for url in urls:
        page = client.get(url, follow=True).content.decode()
        assert "<style" not in page and 'style="' not in page
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)


def test_home_shows_open_bandi_and_only_my_domande(client, alice, bob, domanda_di_bob):
    bando = BandoFactory(nome="Bando aperto di prova")
    mia = DomandaFactory(
        bando=bando,
        richiedente=alice,
        cf_beneficiario=alice.codice_fiscale,
        cf_richiedente=alice.codice_fiscale,
    )
    client.force_login(alice)
    page = client.get(reverse("cittadino:home")).content.decode()
    assert "Bando aperto di prova" in page and reverse("cittadino:presenta", args=[bando.pk]) in page
    assert mia.protocollo in page
    assert domanda_di_bob.protocollo not in page
    assert "Alice Russo" in page and "Esci" in page


def test_a_closed_bando_is_not_offered(client, alice):
    import datetime as dt

    from django.utils import timezone

    oggi = timezone.localdate()
    chiuso = BandoFactory(apertura=oggi - dt.timedelta(days=90), chiusura=oggi - dt.timedelta(days=1))
    client.force_login(alice)
    page = client.get(reverse("cittadino:home")).content.decode()
    assert reverse("cittadino:presenta", args=[chiuso.pk]) not in page


def test_another_persons_domanda_is_a_404(client, alice, domanda_di_bob):
    client.force_login(alice)
    for nome in ("cittadino:ricevuta", "cittadino:ricevuta_pdf", "cittadino:provvedimento_pdf"):
        assert client.get(reverse(nome, args=[domanda_di_bob.pk])).status_code == 404


def test_the_beneficiary_sees_a_domanda_submitted_on_their_behalf(client, alice, bob):
    domanda = DomandaFactory(
        richiedente=bob,
        cf_richiedente=bob.codice_fiscale,
        cf_beneficiario=alice.codice_fiscale,
        relazione="tutore",
    )
    client.force_login(alice)
    response = client.get(reverse("cittadino:ricevuta", args=[domanda.pk]))
    assert response.status_code == 200 and domanda.protocollo in response.content.decode()


def test_urls_never_carry_codici_fiscali(client, alice):
    domanda = DomandaFactory(
        richiedente=alice, cf_beneficiario=alice.codice_fiscale, cf_richiedente=alice.codice_fiscale
    )
    client.force_login(alice)
    page = client.get(reverse("cittadino:home")).content.decode()
    for href in re.findall(r'href="([^"]+)"', page):
        assert alice.codice_fiscale not in href and domanda.cf_beneficiario not in href
