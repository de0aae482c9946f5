"""The professional's export for the Sistema Tessera Sanitaria (issue 11 §4): per year, bob's own fatture
with the patient's codice fiscale, date, number, total, bonus share and patient's share, in machine format;
withdrawn fatture left out; a year without fatture gets a message next to the field, never a 500."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.core.models import AuditEvent
from apps.fatture.models import Fattura
from apps.fatture.sts import INTESTAZIONE
from tests.factories import (
    CodiceFactory,
    ProfessionistaFactory,
    entra_come_professionista,
    fattura_registrata,
)

pytestmark = pytest.mark.django_db

URL = reverse("professionista:esporta_sts")


@pytest.fixture
def codice_di_alice():
    return CodiceFactory(domanda__cf_beneficiario="RSSLCA80A41H501U")


@pytest.fixture
def fatture_di_bob(bob, codice_di_alice):
    fattura = fattura_registrata
    return [
        fattura(bob, codice_di_alice, numero="3/2025", data=dt.date(2025, 11, 4), totale=Decimal("1500")),
        fattura(bob, codice_di_alice, numero="1/2025", data=dt.date(2025, 2, 1), sedute=1),
        fattura(bob, codice_di_alice, numero="1/2026", data=dt.date(2026, 1, 15), totale=Decimal("120")),
        fattura(
            bob, codice_di_alice, numero="2/2025", data=dt.date(2025, 6, 1), stato=Fattura.Stato.RITIRATA
        ),
    ]


@pytest.fixture
def entrato(client, bob):
    entra_come_professionista(client, bob)
    return client


def righe(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_the_csv_of_a_year_has_the_documented_columns_and_the_shares(entrato, fatture_di_bob):
    response = entrato.get(URL, {"anno": "2025"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="sts-2025.csv"'
    assert response.content.decode().splitlines()[0] == ",".join(INTESTAZIONE)
    assert INTESTAZIONE == [
        "numero_fattura", "data_fattura", "cf_paziente", "totale", "quota_bonus", "quota_paziente", "stato",
    ]  # fmt: skip
    assert righe(response) == [
        {
            "numero_fattura": "1/2025",
            "data_fattura": "2025-02-01",
            "cf_paziente": "RSSLCA80A41H501U",
            "totale": "50.00",
            "quota_bonus": "50.00",
            "quota_paziente": "0.00",
            "stato": "da_pagare",
        },
        {
            "numero_fattura": "3/2025",
            "data_fattura": "2025-11-04",
            "cf_paziente": "RSSLCA80A41H501U",
            "totale": "1500.00",
            "quota_bonus": "100.00",
            "quota_paziente": "1400.00",
            "stato": "da_pagare",
        },
    ]  # fmt: skip  (the withdrawn 2/2025 is left out)
    for riga in righe(response):
        assert Decimal(riga["quota_bonus"]) + Decimal(riga["quota_paziente"]) == Decimal(riga["totale"])
    assert AuditEvent.objects.filter(azione="fatture.esportate_sts", dettagli__anno=2025).count() == 1


def test_another_year_holds_only_that_years_fatture(entrato, fatture_di_bob):
    (riga,) = righe(entrato.get(URL, {"anno": "2026"}))
    assert riga["numero_fattura"] == "1/2026" and riga["quota_paziente"] == "20.00"


def test_only_the_professionals_own_fatture(entrato, fatture_di_bob, codice_di_alice):
    carla = ProfessionistaFactory()
    fattura_registrata(carla, codice_di_alice, numero="99/2025", data=dt.date(2025, 5, 5))
    fattura_registrata(carla, numero="1/2024", data=dt.date(2024, 5, 5))
    assert [r["numero_fattura"] for r in righe(entrato.get(URL, {"anno": "2025"}))] == ["1/2025", "3/2025"]
    pagina = entrato.get(URL, {"anno": "2024"}).content.decode()  # carla's year, not bob's
    assert "Scegli un anno in cui hai registrato fatture." in pagina


def test_the_page_offers_only_years_with_own_fatture(entrato, fatture_di_bob):
    pagina = entrato.get(URL).content.decode()
    assert '<option value="2026">2026</option>' in pagina and '<option value="2025">2025</option>' in pagina
    assert "numero_fattura" in pagina and "quota_paziente" in pagina  # the columns are documented there
    assert (
        "Esporta per il Sistema Tessera Sanitaria"
        in entrato.get(reverse("professionista:fatture")).content.decode()
    )


@pytest.mark.parametrize("anno", ["1999", "abc", "", "2025.5", "9" * 30])
def test_a_bad_year_gets_a_message_next_to_the_field(entrato, fatture_di_bob, anno):
    response = entrato.get(URL, {"anno": anno})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    pagina = response.content.decode()
    assert 'id="id_anno_error"' in pagina
    assert "Scegli un anno in cui hai registrato fatture." in pagina or "Scegli l&#x27;anno" in pagina


def test_a_year_of_only_withdrawn_fatture_is_not_offered(entrato, bob, codice_di_alice):
    fattura_registrata(bob, codice_di_alice, data=dt.date(2023, 3, 3), stato=Fattura.Stato.RITIRATA)
    pagina = entrato.get(URL).content.decode()
    assert "Non hai ancora registrato fatture" in pagina
    response = entrato.get(URL, {"anno": "2023"})  # nothing to choose: the page says so, no file
    assert response["Content-Type"].startswith("text/html") and "Non hai ancora registrato fatture" in (
        response.content.decode()
    )


def test_someone_else_cannot_open_the_export(client, codice_di_alice):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    assert client.get(URL, {"anno": "2025"}).status_code == 404
