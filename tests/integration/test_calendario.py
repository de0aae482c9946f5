"""Calendar feeds of sedute (issue 11 §3): bob the professional's and alice the citizen's, at a secret
address shown once; parsed back with icalendar; no codice fiscale or code in them; SEQUENCE grows with
each change; a cancelled seduta stays as STATUS:CANCELLED; revoked and unknown tokens are 404s."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from apps.core.models import AuditEvent
from apps.sedute import calendario, services
from apps.sedute.models import CalendarioFeed, Seduta
from tests.factories import (
    CodiceFactory,
    ProfessionistaFactory,
    SedutaFactory,
    UserFactory,
    entra_come_professionista,
    utente_di,
)

pytestmark = pytest.mark.django_db

PRO = CalendarioFeed.Tipo.PROFESSIONISTA
CIT = CalendarioFeed.Tipo.CITTADINO


@pytest.fixture
def alice():
    return UserFactory(nome="Alice", cognome="Russo")


@pytest.fixture
def codice_di_alice(alice):
    return CodiceFactory(domanda__cf_beneficiario=alice.codice_fiscale, domanda__richiedente=alice)


@pytest.fixture
def seduta(bob, codice_di_alice):
    return SedutaFactory(professionista=bob, codice=codice_di_alice)


def feed_url(token):
    return reverse("pagine:calendario_feed", args=[token])


def secondi(momento: dt.datetime) -> dt.datetime:
    return momento.replace(microsecond=0)  # iCalendar times have whole seconds


def eventi(client, token) -> dict:
    response = client.get(feed_url(token))
    assert response.status_code == 200
    return {str(e["uid"]): e for e in Calendar.from_ical(response.content).walk("VEVENT")}


def test_the_professionals_feed_names_the_patient_by_initials_only(client, bob, seduta, codice_di_alice):
    token = calendario.crea_feed(utente_di(bob), PRO)
    response = client.get(feed_url(token))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    cal = Calendar.from_ical(response.content)
    (evento,) = cal.walk("VEVENT")
    assert str(evento["uid"]) == f"seduta-{seduta.numero}@bonuspsi"
    assert str(evento["summary"]) == f"Seduta {seduta.numero} – A.R."
    assert evento["status"] == "CONFIRMED" and evento["sequence"] == 0
    assert evento.decoded("dtstart") == secondi(seduta.inizio)
    assert evento.decoded("dtend") == secondi(seduta.inizio + dt.timedelta(minutes=seduta.durata_minuti))
    assert seduta.studio.indirizzo in str(evento["location"])
    testo = response.content.decode().replace("\r\n ", "")  # unfolded
    assert codice_di_alice.domanda.cf_beneficiario not in testo
    assert codice_di_alice.codice not in testo
    assert "Russo" not in testo and "Alice" not in testo


def test_a_patient_who_never_logged_in_has_no_initials_and_no_codice_fiscale(client, bob):
    codice = CodiceFactory()  # no User with the beneficiary's codice fiscale
    seduta = SedutaFactory(professionista=bob, codice=codice)
    token = calendario.crea_feed(utente_di(bob), PRO)
    (evento,) = eventi(client, token).values()
    assert str(evento["summary"]) == f"Seduta {seduta.numero}"
    body = client.get(feed_url(token)).content.decode().replace("\r\n ", "")
    assert codice.domanda.cf_beneficiario not in body and codice.codice not in body


def test_a_change_raises_the_sequence_and_a_cancellation_keeps_the_uid_as_cancelled(client, bob, seduta):
    token = calendario.crea_feed(utente_di(bob), PRO)
    uid = f"seduta-{seduta.numero}@bonuspsi"
    nuovo_inizio = seduta.inizio + dt.timedelta(days=1)
    services.modifica_seduta(
        utente_di(bob), seduta, inizio=nuovo_inizio, durata_minuti=60, importo=Decimal("45.00")
    )
    evento = eventi(client, token)[uid]
    assert evento["sequence"] == 1 and evento.decoded("dtstart") == secondi(nuovo_inizio)
    services.annulla_seduta(utente_di(bob), seduta)
    evento = eventi(client, token)[uid]
    assert evento["sequence"] == 2 and evento["status"] == "CANCELLED"
    services.annulla_seduta(utente_di(bob), seduta)  # a second click changes nothing
    assert eventi(client, token)[uid]["sequence"] == 2


def test_changing_only_the_amount_leaves_the_sequence(client, bob, seduta):
    services.modifica_seduta(
        utente_di(bob),
        seduta,
        inizio=seduta.inizio,
        durata_minuti=seduta.durata_minuti,
        importo=Decimal("30"),
    )
    seduta.refresh_from_db()
    assert seduta.revisione == 0


def test_an_ex_officio_cancellation_raises_the_sequence(bob, seduta):
    assert services.annulla_seduta_d_ufficio(seduta, timezone.now())
    seduta.refresh_from_db()
    assert seduta.stato == Seduta.Stato.ANNULLATA and seduta.revisione == 1


def test_the_citizens_feed_names_the_professional_and_only_their_own_sedute(client, alice, bob, seduta):
    altra = SedutaFactory(professionista=bob)  # another patient's seduta with the same professional
    token = calendario.crea_feed(alice, CIT)
    trovati = eventi(client, token)
    assert list(trovati) == [f"seduta-{seduta.numero}@bonuspsi"]
    assert str(trovati[f"seduta-{seduta.numero}@bonuspsi"]["summary"]) == f"Seduta {seduta.numero} – Neri Bob"
    body = client.get(feed_url(token)).content.decode()
    assert altra.numero not in body and alice.codice_fiscale not in body


def test_the_professionals_feed_holds_only_their_own_sedute(client, bob, seduta):
    carla = ProfessionistaFactory(cognome="Bianchi", nome="Carla")
    di_carla = SedutaFactory(professionista=carla, codice=seduta.codice)
    assert list(eventi(client, calendario.crea_feed(utente_di(bob), PRO))) == [
        f"seduta-{seduta.numero}@bonuspsi"
    ]
    assert list(eventi(client, calendario.crea_feed(utente_di(carla), PRO))) == [
        f"seduta-{di_carla.numero}@bonuspsi"
    ]


def test_revoked_regenerated_and_unknown_tokens(client, alice, seduta):
    vecchio = calendario.crea_feed(alice, CIT)
    nuovo = calendario.crea_feed(alice, CIT)  # "Rigenera": the old address stops at once
    assert client.get(feed_url(vecchio)).status_code == 404
    assert client.get(feed_url(nuovo)).status_code == 200
    assert calendario.revoca_feed(alice, CIT) is True
    assert calendario.revoca_feed(alice, CIT) is False
    assert client.get(feed_url(nuovo)).status_code == 404
    assert client.get(feed_url("x" * 43)).status_code == 404
    assert client.get(feed_url("x" * 500)).status_code == 404
    assert client.post(feed_url(nuovo)).status_code == 405


def test_only_the_tokens_hash_is_stored_and_nothing_secret_is_audited(alice):
    token = calendario.crea_feed(alice, CIT)
    feed = CalendarioFeed.objects.get()
    assert feed.token_hash == calendario.impronta(token) != token
    assert token not in str(list(AuditEvent.objects.values_list("dettagli", flat=True)))
    assert AuditEvent.objects.filter(azione="calendario.creato").count() == 1


def test_a_former_professional_s_feed_is_gone(client, bob, seduta):
    token = calendario.crea_feed(utente_di(bob), PRO)
    Seduta.objects.filter(pk=seduta.pk).delete()
    bob.psicoterapeuta = False
    bob.save()
    assert client.get(feed_url(token)).status_code == 404


# --- The pages -------------------------------------------------------------------------------------


def _indirizzo(html: str) -> str:
    return re.search(r'id="indirizzo-calendario" class="form-control" readonly value="([^"]+)"', html)[1]


def test_the_professional_creates_sees_the_address_once_and_revokes_it(client, bob, seduta):
    entra_come_professionista(client, bob)
    url = reverse("professionista:calendario")
    assert "Crea l'indirizzo del calendario" in client.get(url).content.decode()
    response = client.post(url, {"azione": "crea"})
    assert response.status_code == 302 and response["Location"] == url
    pagina = client.get(url).content.decode()
    indirizzo = _indirizzo(pagina)
    assert indirizzo.startswith("http://testserver/calendario/") and indirizzo.endswith(".ics")
    assert "webcal://testserver/calendario/" in pagina
    assert client.get(indirizzo).status_code == 200
    assert 'id="indirizzo-calendario"' not in client.get(url).content.decode()  # shown once
    client.post(url, {"azione": "rigenera"})
    secondo = _indirizzo(client.get(url).content.decode())
    assert secondo != indirizzo and client.get(indirizzo).status_code == 404
    pagina = client.post(url, {"azione": "revoca"}, follow=True).content.decode()
    assert "Indirizzo disattivato" in pagina and "Nessun indirizzo attivo." in pagina
    assert client.get(secondo).status_code == 404
    assert client.post(url, {"azione": "boh"}).status_code == 302  # nothing happens, no 500


def test_the_citizen_page_needs_a_login_and_works_the_same(client, alice, seduta):
    url = reverse("cittadino:calendario")
    assert client.get(url).status_code == 302
    client.force_login(alice)
    client.post(url, {"azione": "crea"})
    indirizzo = _indirizzo(client.get(url).content.decode())
    assert f"seduta-{seduta.numero}@bonuspsi" in client.get(indirizzo).content.decode()


def test_someone_not_a_professional_has_no_professional_calendar_page(client, alice):
    client.force_login(alice)
    assert client.get(reverse("professionista:calendario")).status_code == 404
