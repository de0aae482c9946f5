"""Booking twice by resubmitting the same form, an exhausted code at step 2, raising an amount on a code
that can no longer be spent, and a professional CNOP no longer lists as a psychotherapist."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.codici.models import CodiceUnivoco
from apps.codici.selectors import saldi_dal_registro
from apps.core.exceptions import DomainError
from apps.professionisti.models import Professionista
from apps.sedute import services
from apps.sedute.models import Seduta
from tests.factories import (
    CanaleFactory,
    CodiceFactory,
    ProfessionistaFactory,
    SedutaFactory,
    entra_come_professionista,
    utente_di,
)

pytestmark = pytest.mark.django_db


def dati_seduta(professionista, **extra):
    domani = timezone.localdate() + dt.timedelta(days=1)
    return {
        "data": domani.isoformat(),
        "ora": "10:00",
        "durata_minuti": "50",
        "importo": "50",
        "studio": professionista.studi.first().pk,
        **extra,
    }


def test_submitting_the_same_booking_form_twice_books_once(client, bob):
    codice = CodiceFactory(assegnato=Decimal("500.00"))
    entra_come_professionista(client, bob, codice)
    dati = dati_seduta(bob, chiave_invio=str(uuid.uuid4()))
    primo = client.post(reverse("professionista:prenota_seduta"), dati)
    secondo = client.post(reverse("professionista:prenota_seduta"), dati)
    assert primo["Location"] == secondo["Location"]
    assert Seduta.objects.filter(codice=codice).count() == 1
    codice.refresh_from_db()
    assert codice.prenotato == Decimal("50.00") and saldi_dal_registro(codice)["prenotato"] == Decimal(
        "50.00"
    )


def test_the_booking_form_carries_a_new_key_each_time(client, bob):
    codice = CodiceFactory()
    entra_come_professionista(client, bob, codice)
    chiavi = {
        client.get(reverse("professionista:prenota_seduta")).context["form"]["chiave_invio"].value()
        for _ in "ab"
    }
    assert len(chiavi) == 2


def test_another_professionals_key_is_refused(bob):
    codice = CodiceFactory()
    carla = ProfessionistaFactory()
    chiave = uuid.uuid4()
    SedutaFactory(professionista=carla, codice=codice, chiave_invio=chiave)
    with pytest.raises(DomainError, match="Modulo non valido"):
        services.prenota_seduta(
            utente_di(bob), bob, codice_id=codice.pk, codice_fiscale=codice.domanda.cf_beneficiario,
            studio=bob.studi.first(), inizio=timezone.now() + dt.timedelta(days=1), durata_minuti=50,
            importo=Decimal("10.00"), chiave_invio=chiave,
        )  # fmt: skip


def test_an_exhausted_code_at_step_two_says_so_next_to_the_amount(client, bob):
    codice = CodiceFactory(assegnato=Decimal("50.00"))
    SedutaFactory(codice=codice, professionista=bob, importo=Decimal("50.00"))
    CodiceUnivoco.objects.filter(pk=codice.pk).update(stato=CodiceUnivoco.Stato.ESAURITO)
    entra_come_professionista(client, bob, codice)
    response = client.post(reverse("professionista:prenota_seduta"), dati_seduta(bob, importo="10"))
    assert "residuo 0,00" in " ".join(response.context["form"].errors["importo"])
    assert Seduta.objects.filter(codice=codice).count() == 1


@pytest.mark.parametrize("stato", ["scaduto", "decaduto", "annullato"])
def test_on_a_code_that_can_no_longer_be_spent_an_amount_can_only_go_down(bob, stato):
    codice = CodiceFactory(assegnato=Decimal("500.00"))
    seduta = SedutaFactory(
        codice=codice, professionista=bob, importo=Decimal("30.00"), stato=Seduta.Stato.CONFERMATA,
        inizio=timezone.now() - dt.timedelta(days=1),
    )  # fmt: skip
    CodiceUnivoco.objects.filter(pk=codice.pk).update(stato=stato)
    with pytest.raises(DomainError, match="si può solo ridurre"):
        services.modifica_seduta(
            utente_di(bob), seduta, inizio=seduta.inizio, durata_minuti=50, importo=Decimal("40.00")
        )
    services.modifica_seduta(
        utente_di(bob), seduta, inizio=seduta.inizio, durata_minuti=50, importo=Decimal("20.00")
    )
    codice.refresh_from_db()
    assert codice.utilizzato == Decimal("20.00") and saldi_dal_registro(codice)["utilizzato"] == Decimal(
        "20.00"
    )


def test_someone_no_longer_listed_as_psychotherapist_still_confirms_their_sedute(client):
    sara = ProfessionistaFactory()
    CanaleFactory(professionista=sara)
    seduta = SedutaFactory(professionista=sara, inizio=timezone.now() - dt.timedelta(hours=1))
    Professionista.objects.filter(pk=sara.pk).update(
        psicoterapeuta=False, stato=Professionista.Stato.REVOCATO
    )
    client.force_login(utente_di(sara))
    client.post(reverse("professionista:cambia_profilo"))
    client.post(reverse("professionista:conferma", args=[seduta.pk]))
    seduta.refresh_from_db()
    assert seduta.stato == Seduta.Stato.CONFERMATA


def test_someone_listed_only_as_non_psychotherapist_has_no_professional_profile(client):
    ugo = ProfessionistaFactory(psicoterapeuta=False, stato=Professionista.Stato.REVOCATO)
    client.force_login(utente_di(ugo))
    assert client.get(reverse("professionista:cambia_profilo")).status_code == 404


def test_a_tampered_form_key_gets_a_message_and_books_nothing(client, bob):
    codice = CodiceFactory()
    entra_come_professionista(client, bob, codice)
    response = client.post(reverse("professionista:prenota_seduta"), dati_seduta(bob, chiave_invio="xyz"))
    assert "Modulo non valido o scaduto" in response.content.decode()
    assert not Seduta.objects.filter(codice=codice).exists()
