"""The pages of a domanda filed for someone else: with a verified link the riepilogo shows the ISEE as
for oneself; without one, every step shows one message and nothing about the beneficiary."""

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.domande.models import Domanda
from apps.domande.services import RAPPRESENTANZA_NON_VERIFICATA
from tests.factories import (
    AttestazioneIseeFactory,
    BandoFactory,
    DomandaFactory,
    RappresentanzaFactory,
    UserFactory,
    cf_minore,
    make_cf,
    provincia,
)

pytestmark = pytest.mark.django_db
DSU = "INPS-ISEE-2026-SEGRETO1"


@pytest.fixture
def alice():
    return UserFactory(nome="Alice")


@pytest.fixture
def bando():
    return BandoFactory(nome="Bando di prova aperto")


@pytest.fixture
def logged(client, alice):
    client.force_login(alice)
    return client


def dati(cf, **kw):
    d = {
        "relazione": "genitore", "cf_beneficiario": cf, "provincia": provincia("RM", "120").pk,
        "email": "alice@example.org", "cellulare": "", "dichiarazione": "on",
        "chiave_invio": str(uuid.uuid4()), "azione": "riepilogo",
    }  # fmt: skip
    d.update(kw)
    return d


def test_with_a_verified_link_the_riepilogo_shows_the_childs_isee(logged, alice, bando):
    figlio = cf_minore()
    RappresentanzaFactory(cf_richiedente=alice.codice_fiscale, cf_beneficiario=figlio)
    AttestazioneIseeFactory(codice_fiscale=figlio, valore=Decimal("14321.00"), protocollo_dsu=DSU)
    response = logged.post(reverse("cittadino:presenta", args=[bando.pk]), dati(figlio))
    page = response.content.decode()
    assert "Riepilogo della domanda" in page and "14.321,00 €" in page and DSU in page
    logged.post(reverse("cittadino:presenta", args=[bando.pk]), dati(figlio, azione="conferma"))
    assert Domanda.objects.get().cf_beneficiario == figlio


def _gia_presentata(cf, bando):
    AttestazioneIseeFactory(codice_fiscale=cf, valore=Decimal("14321.00"), protocollo_dsu=DSU)
    DomandaFactory(bando=bando, cf_beneficiario=cf, cf_richiedente=make_cf(), isee=Decimal("14321.00"))


def _isee_oltre_limite(cf, bando):
    AttestazioneIseeFactory(codice_fiscale=cf, valore=Decimal("58765.00"), protocollo_dsu=DSU)


def _isee_valido(cf, bando):
    AttestazioneIseeFactory(codice_fiscale=cf, valore=Decimal("14321.00"), protocollo_dsu=DSU)


@pytest.mark.parametrize("stato", [_gia_presentata, _isee_oltre_limite, _isee_valido])
@pytest.mark.parametrize("azione", ["riepilogo", "conferma"])
@pytest.mark.parametrize(
    "relazione", ["genitore", "affidatario", "tutore", "curatore", "amministratore_sostegno"]
)
def test_without_a_link_every_page_tells_nothing_about_the_beneficiary(
    logged, alice, bando, stato, azione, relazione
):
    altro = cf_minore()
    stato(altro, bando)
    prima = Domanda.objects.count()
    response = logged.post(
        reverse("cittadino:presenta", args=[bando.pk]), dati(altro, azione=azione, relazione=relazione)
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert response.context["form"].errors == {"cf_beneficiario": [str(RAPPRESENTANZA_NON_VERIFICATA)]}
    for rivelatore in ("14.321", "14321", "58.765", "58765", DSU, "già stata presentata", "supera il limite",
                       "ISEE valida", "Riepilogo della domanda", "fascia"):  # fmt: skip
        assert rivelatore not in page
    assert Domanda.objects.count() == prima
