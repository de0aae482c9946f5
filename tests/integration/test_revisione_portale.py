"""Defects found reviewing the professional's portal: input that crashed a page (500) or was silently
stored as something else instead of being refused next to its field with nothing changed."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.models import Provincia
from apps.professionisti.models import CanaleAccredito, Studio
from apps.sedute.models import Seduta
from tests.factories import (
    CodiceFactory,
    SedutaFactory,
    UserFactory,
    entra_come_professionista,
)

pytestmark = pytest.mark.django_db

IBAN = "IT60X0542811101000000123456"
IBAN_2 = "IT42L1234512345123456789012"


@pytest.fixture
def client(client):
    client.raise_request_exception = False  # a crash must show up as the 500 a user would get
    return client


@pytest.fixture
def codice():
    alice = UserFactory(nome="Alice", cognome="Russo")
    return CodiceFactory(
        domanda__cf_beneficiario=alice.codice_fiscale,
        domanda__richiedente=alice,
        assegnato=Decimal("120.00"),
        valido_fino_al=timezone.localdate() + dt.timedelta(days=800),
    )


def in_prenotazione(client, codice):
    session = client.session
    session["prenotazione_paziente"] = {"codice_id": codice.pk, "cf": codice.domanda.cf_beneficiario}
    session.save()


def dati_seduta(bob, **modifiche):
    return {
        "data": timezone.localdate().isoformat(),
        "ora": "09:00",
        "durata_minuti": "50",
        "importo": "50",
        "studio": bob.studi.first().pk,
        **modifiche,
    }


@pytest.mark.parametrize(
    "importo, messaggio",
    [
        ("99999999999999999999999999999", "Indica un importo in euro"),
        ("1e999999", "Indica un importo in euro"),
        ("-1e999999", "Indica un importo in euro"),
        ("1" * 5000, "Indica un importo in euro"),
    ],
)
def test_an_amount_with_more_digits_than_decimal_holds_is_refused_not_a_500(
    client, bob, codice, importo, messaggio
):
    entra_come_professionista(client, bob)
    in_prenotazione(client, codice)
    response = client.post(reverse("professionista:prenota_seduta"), dati_seduta(bob, importo=importo))
    assert response.status_code == 200
    assert any(messaggio in e for e in response.context["form"].errors["importo"])
    assert not Seduta.objects.exists()


def test_the_same_amount_in_the_modify_form_is_refused_not_a_500(client, bob, codice):
    seduta = SedutaFactory(professionista=bob, codice=codice, importo=Decimal("30.00"))
    entra_come_professionista(client, bob)
    dati = dati_seduta(bob, data=timezone.localtime(seduta.inizio).date().isoformat(), importo="9" * 40)
    response = client.post(reverse("professionista:modifica", args=[seduta.pk]), dati)
    assert response.status_code == 200
    assert response.context["form"].errors["importo"]
    seduta.refresh_from_db()
    assert seduta.importo == Decimal("30.00")


def test_le_mie_sedute_filtered_up_to_the_last_possible_day_is_not_a_500(client, bob, codice):
    seduta = SedutaFactory(professionista=bob, codice=codice)
    entra_come_professionista(client, bob)
    response = client.get(reverse("professionista:sedute"), {"al": "9999-12-31"})
    assert response.status_code == 200
    assert [s for s, _ in response.context["righe"]] == [seduta]
    response = client.get(reverse("professionista:sedute"), {"dal": "0001-01-01", "al": "9999-12-31"})
    assert [s for s, _ in response.context["righe"]] == [seduta]


def _prossimo_salto_ora_legale() -> dt.date:
    """The last Sunday of March after today: in Italy 02:00-02:59 does not exist that night."""
    anno = timezone.localdate().year + 1
    giorno = dt.date(anno, 3, 31)
    return giorno - dt.timedelta(days=(giorno.weekday() + 1) % 7)


@pytest.mark.parametrize("ora", ["02:00", "02:30", "02:59"])
def test_a_time_that_does_not_exist_because_of_daylight_saving_is_refused(client, bob, codice, ora):
    """It was stored an hour later (02:30 typed, 03:30 shown): the patient would come at the wrong time."""
    entra_come_professionista(client, bob)
    in_prenotazione(client, codice)
    giorno = _prossimo_salto_ora_legale()
    assert codice.valido_dal <= giorno <= codice.valido_fino_al
    response = client.post(
        reverse("professionista:prenota_seduta"), dati_seduta(bob, data=giorno.isoformat(), ora=ora)
    )
    assert response.status_code == 200
    assert any("ora legale" in e for e in response.context["form"].errors["ora"])
    assert not Seduta.objects.exists()


def test_the_hours_around_the_daylight_saving_gap_are_booked_as_typed(client, bob, codice):
    entra_come_professionista(client, bob)
    in_prenotazione(client, codice)
    giorno = _prossimo_salto_ora_legale()
    for ora in ["01:59", "03:00"]:
        response = client.post(
            reverse("professionista:prenota_seduta"), dati_seduta(bob, data=giorno.isoformat(), ora=ora)
        )
        assert response.status_code == 302
    assert sorted(f"{timezone.localtime(s.inizio):%H:%M}" for s in Seduta.objects.all()) == ["01:59", "03:00"]


def test_a_partita_iva_typed_with_spaces_is_accepted(client, bob):
    entra_come_professionista(client, bob)
    dati = {"tipo": "ente", "iban": IBAN_2, "partita_iva": "011 146 010 06", "denominazione": "Studio Neri"}
    response = client.post(reverse("professionista:canali"), dati)
    assert response.status_code == 302
    assert CanaleAccredito.objects.get(iban=IBAN_2).partita_iva == "01114601006"


@pytest.mark.parametrize(
    "dati, campo",
    [
        ({"partita_iva": "0" * 30, "denominazione": "Studio Neri"}, "partita_iva"),
        ({"partita_iva": "01114601006", "denominazione": "x" * 300}, "denominazione"),
    ],
)
def test_a_too_long_ente_field_gets_one_message_not_also_a_missing_one(client, bob, dati, campo):
    entra_come_professionista(client, bob)
    response = client.post(reverse("professionista:canali"), {"tipo": "ente", "iban": IBAN_2, **dati})
    assert response.status_code == 200
    errori = response.context["form"].errors[campo]
    assert len(errori) == 1 and "caratteri" in errori[0], errori
    assert not CanaleAccredito.objects.filter(iban=IBAN_2).exists()


def test_a_cap_in_non_ascii_digits_is_refused(client, bob, reference_data):
    entra_come_professionista(client, bob)
    dati = {
        "indirizzo": "Via Nuova 1",
        "comune": "Roma",
        "provincia": Provincia.objects.get(sigla="RM").pk,
        "cap": "００１００",
    }
    response = client.post(reverse("professionista:studi"), dati)
    assert response.status_code == 200
    assert response.context["form"].errors["cap"] == ["Il CAP è di 5 cifre."]
    assert not Studio.objects.filter(indirizzo="Via Nuova 1").exists()
