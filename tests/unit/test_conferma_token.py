"""The riepilogo's signed token (apps.domande.conferma): the confirm step trusts it only for the same
applicant, bando, form, inputs and day, within 30 minutes, while the attestation it names is still the
current one; otherwise one message and nothing saved. Time is passed in."""

import datetime as dt
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from apps.core.exceptions import DomainError
from apps.core.models import AuditEvent
from apps.domande import services
from apps.domande.models import Domanda
from apps.domande.services import (
    MODULO_NON_VALIDO,
    RAPPRESENTANZA_NON_VERIFICATA,
    presenta_domanda,
    verifica_per_conferma,
)
from tests.factories import AttestazioneIseeFactory, BandoFactory, UserFactory, cf_minore, provincia

ROME = ZoneInfo("Europe/Rome")
pytestmark = pytest.mark.django_db
DENTRO = dt.datetime(2026, 5, 4, 10, 0, tzinfo=ROME)


@pytest.fixture
def bando():
    return BandoFactory(anno=2927, apertura=dt.date(2026, 3, 29), chiusura=dt.date(2026, 10, 25))


@pytest.fixture
def alice():
    return UserFactory(nome="Alice")


def isee(cf, valore="12000.00", **kw):
    kw.setdefault("rilasciata_il", dt.date(2026, 1, 15))
    return AttestazioneIseeFactory(
        codice_fiscale=cf, valore=Decimal(valore), valida_fino_al=dt.date(2026, 12, 31), **kw
    )


def modulo(user, **kw):
    dati = {
        "cf_beneficiario": user.codice_fiscale, "relazione": Domanda.Relazione.SE_STESSO,
        "provincia": provincia("RM", "120"), "email": "alice@example.org", "cellulare": "",
        "dichiarazione": True, "chiave_invio": uuid.UUID("6d1f1c1e-0000-4000-8000-000000000001"),
    }  # fmt: skip
    dati.update(kw)
    return dati


def riepilogo(user, bando, adesso=DENTRO, **kw) -> str:
    return verifica_per_conferma(user, bando, adesso=adesso, **modulo(user, **kw))[3]


def conferma(user, bando, token, adesso=DENTRO + dt.timedelta(minutes=2), **kw):
    return presenta_domanda(user, bando, adesso=adesso, verifica=token, **modulo(user, **kw))


def refused(user, bando, token, **kw):
    with pytest.raises(DomainError) as exc:
        conferma(user, bando, token, **kw)
    assert exc.value.message == MODULO_NON_VALIDO and exc.value.field is None
    assert not Domanda.objects.exists()
    assert not AuditEvent.objects.filter(azione="domanda.presentata").exists()


def test_the_confirm_step_with_the_token_does_not_run_verifica_domanda_again(alice, bando, monkeypatch):
    att = isee(alice.codice_fiscale, "15000.00", difforme=True)
    token = riepilogo(alice, bando)

    def non_di_nuovo(*args, **kwargs):
        raise AssertionError("verifica_domanda ran again")

    monkeypatch.setattr(services, "verifica_domanda", non_di_nuovo)
    domanda = conferma(alice, bando, token)
    domanda.refresh_from_db()
    assert domanda.attestazione == att and domanda.isee == Decimal("15000.00") and domanda.isee_difforme
    assert domanda.regione_id == "120" and domanda.cf_beneficiario == alice.codice_fiscale


def test_a_tampered_token_is_refused(alice, bando):
    isee(alice.codice_fiscale)
    token = riepilogo(alice, bando)
    valore, firma = token.rsplit(":", 1)
    refused(alice, bando, f"{valore}x:{firma}")
    refused(alice, bando, f"{valore}:{firma[:-1]}{'A' if firma[-1] != 'A' else 'B'}")
    refused(alice, bando, "")
    refused(alice, bando, "non un token")


def test_a_token_of_another_salt_is_refused(alice, bando):
    from django.core import signing

    isee(alice.codice_fiscale)
    valore = signing.Signer(salt=services.conferma.SALE).unsign_object(riepilogo(alice, bando))
    refused(alice, bando, signing.Signer(salt="un altro modulo").sign_object(valore))


def test_the_token_lasts_30_minutes_and_no_longer(alice, bando):
    isee(alice.codice_fiscale)
    token = riepilogo(alice, bando)
    refused(alice, bando, token, adesso=DENTRO + dt.timedelta(minutes=30, seconds=1))
    refused(alice, bando, token, adesso=DENTRO - dt.timedelta(seconds=1))  # signed "in the future"
    assert conferma(alice, bando, token, adesso=DENTRO + dt.timedelta(minutes=30)).pk


def test_another_users_token_is_refused(alice, bando):
    bob = UserFactory(nome="Bob")
    isee(alice.codice_fiscale)
    token = riepilogo(alice, bando)
    refused(bob, bando, token, cf_beneficiario=alice.codice_fiscale)


def test_a_token_for_another_form_or_bando_is_refused(alice, bando):
    isee(alice.codice_fiscale)
    token = riepilogo(alice, bando)
    refused(alice, bando, token, chiave_invio=uuid.uuid4())
    altro = BandoFactory(anno=2928, apertura=bando.apertura, chiusura=bando.chiusura)
    with pytest.raises(DomainError) as exc:
        conferma(alice, altro, token)
    assert exc.value.message == MODULO_NON_VALIDO and not Domanda.objects.exists()


@pytest.mark.parametrize(
    "cambiato",
    [
        {"email": "altro@example.org"},
        {"cellulare": "+39 333 1234567"},
        {"provincia": "MI"},
        {"dichiarazione": False},
        {"relazione": Domanda.Relazione.GENITORE},
    ],
)
def test_inputs_changed_after_the_riepilogo_are_refused(alice, bando, cambiato):
    isee(alice.codice_fiscale)
    provincia("MI", "030")
    token = riepilogo(alice, bando)
    refused(alice, bando, token, **cambiato)


def test_another_beneficiary_is_refused(alice, bando):
    isee(alice.codice_fiscale)
    token = riepilogo(alice, bando)
    altro = cf_minore()
    isee(altro)
    refused(alice, bando, token, cf_beneficiario=altro, relazione=Domanda.Relazione.GENITORE)


def test_an_attestation_replaced_between_the_two_steps_is_refused(alice, bando):
    isee(alice.codice_fiscale, "12000.00")
    token = riepilogo(alice, bando)
    isee(
        alice.codice_fiscale, "52000.00", rilasciata_il=dt.date(2026, 5, 4)
    )  # a newer DSU, now the valid one
    refused(alice, bando, token)


def test_an_attestation_corrected_in_place_is_refused(alice, bando):
    att = isee(alice.codice_fiscale, "12000.00")
    token = riepilogo(alice, bando)
    att.difforme = True
    att.save(update_fields=["difforme"])
    refused(alice, bando, token)


def test_a_token_from_the_day_before_is_refused(alice, bando):
    isee(alice.codice_fiscale)
    sera = dt.datetime(2026, 5, 4, 23, 50, tzinfo=ROME)
    token = riepilogo(alice, bando, adesso=sera)
    refused(alice, bando, token, adesso=sera + dt.timedelta(minutes=20))  # 00:10 of the next day


def test_the_window_closed_since_the_riepilogo_is_refused_with_its_message(alice, bando):
    isee(alice.codice_fiscale)
    ultimo = dt.datetime(2026, 10, 25, 23, 50, tzinfo=ROME)
    token = riepilogo(alice, bando, adesso=ultimo)
    with pytest.raises(DomainError) as exc:
        conferma(alice, bando, token, adesso=ultimo + dt.timedelta(minutes=11))
    assert "la finestra non è aperta" in exc.value.message and not Domanda.objects.exists()


def test_an_unlinked_applicant_never_gets_a_token(alice, bando):
    figlio = cf_minore()
    isee(figlio)
    with pytest.raises(DomainError) as exc:
        riepilogo(alice, bando, cf_beneficiario=figlio, relazione=Domanda.Relazione.GENITORE)
    assert exc.value.message == RAPPRESENTANZA_NON_VERIFICATA


def test_a_double_confirm_with_the_token_returns_the_same_domanda(alice, bando):
    isee(alice.codice_fiscale)
    token = riepilogo(alice, bando)
    prima = conferma(alice, bando, token)
    assert conferma(alice, bando, token).pk == prima.pk and Domanda.objects.count() == 1


def test_a_resubmission_after_the_token_expired_still_gets_its_domanda(alice, bando):
    isee(alice.codice_fiscale)
    token = riepilogo(alice, bando)
    prima = conferma(alice, bando, token)
    dopo = conferma(alice, bando, token, adesso=DENTRO + dt.timedelta(hours=2))
    assert dopo.pk == prima.pk and Domanda.objects.count() == 1


def test_another_users_form_key_is_still_refused_with_a_token(alice, bando):
    bob = UserFactory(nome="Bob")
    isee(alice.codice_fiscale)
    isee(bob.codice_fiscale)
    token_alice = riepilogo(alice, bando)
    conferma(alice, bando, token_alice)
    token_bob = riepilogo(bob, bando)  # the same chiave_invio as alice's form (modulo() fixes it)
    with pytest.raises(DomainError):
        conferma(bob, bando, token_bob)
    assert Domanda.objects.count() == 1
