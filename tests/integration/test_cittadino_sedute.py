"""The citizen's side of sedute: the balance page lists them, the beneficiary cancels a future booking,
nobody sees another person's code, and anyone can search the adhering professionals."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.codici.selectors import saldi_dal_registro
from apps.professionisti.models import Professionista
from apps.sedute.models import Seduta
from tests.factories import (
    CodiceFactory,
    ProfessionistaFactory,
    SedutaFactory,
    StudioFactory,
    UserFactory,
    provincia,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice():
    return UserFactory(nome="Alice", cognome="Russo")


@pytest.fixture
def codice_di_alice(alice):
    return CodiceFactory(domanda__cf_beneficiario=alice.codice_fiscale, assegnato=Decimal("500.00"))


def test_the_balance_page_lists_the_sedute_of_every_professional(client, alice, codice_di_alice):
    bob = ProfessionistaFactory(cognome="Neri", nome="Bob")
    carla = ProfessionistaFactory(cognome="Bianchi", nome="Carla")
    SedutaFactory(professionista=bob, codice=codice_di_alice, importo=Decimal("50.00"))
    SedutaFactory(
        professionista=carla,
        codice=codice_di_alice,
        importo=Decimal("35.00"),
        stato=Seduta.Stato.CONFERMATA,
        inizio=timezone.now() - dt.timedelta(days=1),
    )
    client.force_login(alice)
    page = client.get(reverse("cittadino:codice", args=[codice_di_alice.pk])).content.decode()
    assert "Neri Bob" in page and "Bianchi Carla" in page
    assert "415,00" in page  # residuo 500 − 50 − 35
    assert page.count("Annulla prenotazione") == 1  # only the future, prenotata one


def test_the_beneficiary_cancels_a_future_booking(client, alice, codice_di_alice):
    seduta = SedutaFactory(codice=codice_di_alice, importo=Decimal("50.00"))
    client.force_login(alice)
    url = reverse("cittadino:annulla_seduta", args=[seduta.pk])
    assert "Annulla la prenotazione" in client.get(url).content.decode()
    response = client.post(url)
    assert response["Location"] == reverse("cittadino:codice", args=[codice_di_alice.pk])
    seduta.refresh_from_db()
    codice_di_alice.refresh_from_db()
    assert seduta.stato == Seduta.Stato.ANNULLATA and seduta.annullata_da == Seduta.AnnullataDa.BENEFICIARIO
    assert codice_di_alice.residuo == Decimal("500.00")
    assert saldi_dal_registro(codice_di_alice)["prenotato"] == 0


def test_the_beneficiary_cannot_cancel_a_seduta_that_has_started(client, alice, codice_di_alice):
    seduta = SedutaFactory(codice=codice_di_alice, inizio=timezone.now() - dt.timedelta(minutes=1))
    client.force_login(alice)
    response = client.post(reverse("cittadino:annulla_seduta", args=[seduta.pk]), follow=True)
    assert "non si è ancora svolta" in response.content.decode()
    seduta.refresh_from_db()
    assert seduta.stato == Seduta.Stato.PRENOTATA


def test_a_citizen_gets_404_on_another_persons_code_and_sedute(client, codice_di_alice):
    seduta = SedutaFactory(codice=codice_di_alice)
    client.force_login(UserFactory())
    assert client.get(reverse("cittadino:codice", args=[codice_di_alice.pk])).status_code == 404
    assert client.get(reverse("cittadino:annulla_seduta", args=[seduta.pk])).status_code == 404
    assert client.post(reverse("cittadino:annulla_seduta", args=[seduta.pk])).status_code == 404
    seduta.refresh_from_db()
    assert seduta.stato == Seduta.Stato.PRENOTATA


def test_logged_out_nothing_of_a_code_is_shown(client, codice_di_alice):
    seduta = SedutaFactory(codice=codice_di_alice)
    for url in [
        reverse("cittadino:codice", args=[codice_di_alice.pk]),
        reverse("cittadino:annulla_seduta", args=[seduta.pk]),
    ]:
        assert reverse("accounts:login") in client.get(url)["Location"]


def test_search_professionals_by_province_and_name(client, reference_data):
    rossi = ProfessionistaFactory(cognome="Rossi", nome="Paola", studio=False)
    StudioFactory(professionista=rossi, provincia=provincia("MI"), comune="Milano", da_cnop=True)
    verdi = ProfessionistaFactory(cognome="Verdi", nome="Luca", studio=False)
    StudioFactory(professionista=verdi, provincia=provincia("RM"), da_cnop=True)
    revocato = ProfessionistaFactory(
        cognome="Rossini", nome="Ugo", stato=Professionista.Stato.REVOCATO, studio=False
    )
    StudioFactory(professionista=revocato, provincia=provincia("MI"), da_cnop=True)
    uscito = ProfessionistaFactory(cognome="Rossetti", nome="Ada", in_lista=False, studio=False)
    StudioFactory(professionista=uscito, provincia=provincia("MI"), da_cnop=True)

    def trovati(query):
        return [p.cognome for p in client.get(reverse("cittadino:professionisti") + query).context["pagina"]]

    assert trovati("?provincia=MI") == ["Rossi"]
    assert trovati("?nome=ross") == ["Rossi"]
    assert trovati("?provincia=RM&nome=rossi") == []
    assert trovati("?nome=luca+verdi") == ["Verdi"]
    assert client.get(reverse("cittadino:professionisti")).context["pagina"] is None


def test_the_balance_page_makes_the_same_few_queries_whatever_the_number_of_sedute(
    client, alice, codice_di_alice, django_assert_num_queries
):
    client.force_login(alice)
    url = reverse("cittadino:codice", args=[codice_di_alice.pk])
    client.get(url)  # the first page remembers in the session whether alice is a professional
    for _ in range(8):
        SedutaFactory(codice=codice_di_alice, importo=Decimal("10.00"))
    # session, user, code, sedute: nothing per row, nothing for the header.
    with django_assert_num_queries(4):
        page = client.get(url).content.decode()
    assert page.count("Annulla prenotazione") == 8


def test_the_balance_pages_plain_sql_rows_match_the_orm(codice_di_alice):
    from apps.sedute.selectors import righe_del_codice

    for giorni in [3, -2, 1]:
        SedutaFactory(codice=codice_di_alice, inizio=timezone.now() + dt.timedelta(days=giorni))
    attese = [
        {
            "pk": s.pk,
            "inizio": s.inizio,
            "importo": s.importo,
            "stato": s.stato,
            "cognome": s.professionista.cognome,
            "nome": s.professionista.nome,
            "comune": s.studio.comune,
        }
        for s in Seduta.objects.filter(codice=codice_di_alice).order_by("inizio", "pk")
    ]
    assert righe_del_codice(codice_di_alice) == attese
