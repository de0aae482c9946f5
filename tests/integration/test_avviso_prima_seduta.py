"""The professional's booking and confirmation pages warn about the first-seduta deadline (circ. 124/2025
§6) in the GIORNI_AVVISO_PRIMA_SEDUTA days before it, until a seduta held by then has been confirmed."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.codici.models import CodiceUnivoco
from apps.domande.models import ROME
from apps.sedute.models import Seduta
from apps.sedute.selectors import GIORNI_AVVISO_PRIMA_SEDUTA, termine_prima_seduta
from tests.factories import CodiceFactory, SedutaFactory, entra_come_professionista

pytestmark = pytest.mark.django_db

N = dt.date(2026, 3, 11)
AVVISO = "Termine per la prima seduta"


def _codice(entro, **kw):
    return CodiceFactory(prima_seduta_entro=entro, assegnato=Decimal("500.00"), **kw)


@pytest.mark.parametrize(
    ("oggi", "giorni"),
    [
        (N - dt.timedelta(days=GIORNI_AVVISO_PRIMA_SEDUTA + 1), None),  # too early: no warning yet
        (N - dt.timedelta(days=GIORNI_AVVISO_PRIMA_SEDUTA), GIORNI_AVVISO_PRIMA_SEDUTA),
        (N - dt.timedelta(days=1), 1),
        (N, 0),  # the last day
        (N + dt.timedelta(days=1), None),  # past it: booking is refused, the code lapses tonight
    ],
)
def test_the_warning_runs_in_the_two_weeks_up_to_the_deadline_day(oggi, giorni):
    termine = termine_prima_seduta(_codice(N), oggi)
    assert (termine and termine["giorni"]) == giorni
    if giorni is not None:
        assert termine["entro"] == N


def test_no_warning_without_a_deadline_or_on_a_code_no_longer_active():
    assert termine_prima_seduta(_codice(None), N) is None
    assert termine_prima_seduta(_codice(N, stato=CodiceUnivoco.Stato.DECADUTO), N) is None
    assert termine_prima_seduta(None, N) is None


def test_a_timely_confirmed_seduta_ends_the_warning_and_a_late_confirmation_does_not(bob):
    codice = _codice(N)
    seduta = SedutaFactory(
        codice=codice, professionista=bob, inizio=dt.datetime(2026, 3, 10, 10, tzinfo=ROME)
    )
    assert termine_prima_seduta(codice, N) is not None  # booked, not confirmed: still at risk
    # Confirmed after midnight of day N (Rome): too late, the warning stays.
    Seduta.objects.filter(pk=seduta.pk).update(
        stato=Seduta.Stato.CONFERMATA, confermata_il=dt.datetime(2026, 3, 12, 0, 0, tzinfo=ROME)
    )
    assert termine_prima_seduta(codice, N) is not None
    # Confirmed at 23:59 of day N: in time.
    Seduta.objects.filter(pk=seduta.pk).update(confermata_il=dt.datetime(2026, 3, 11, 23, 59, tzinfo=ROME))
    assert termine_prima_seduta(codice, N) is None


# --- the pages -----------------------------------------------------------------------------------


def _oggi():
    return timezone.localdate()


def test_the_verification_and_the_booking_step_show_the_deadline(client, bob):
    codice = _codice(_oggi() + dt.timedelta(days=3))
    entra_come_professionista(client, bob)
    html = client.post(
        reverse("professionista:prenota"),
        {"codice_fiscale": codice.domanda.cf_beneficiario, "codice": codice.codice},
    ).content.decode()
    assert "Associazione verificata" in html
    assert AVVISO in html and "mancano 3 giorni" in html
    assert f"{codice.prima_seduta_entro:%d/%m/%Y}" in html
    html = client.get(reverse("professionista:prenota_seduta")).content.decode()
    assert AVVISO in html and "il codice decade" in html


def test_far_from_the_deadline_the_booking_pages_say_nothing_of_it(client, bob):
    codice = _codice(_oggi() + dt.timedelta(days=GIORNI_AVVISO_PRIMA_SEDUTA + 1))
    entra_come_professionista(client, bob, paziente=codice)
    assert AVVISO not in client.get(reverse("professionista:prenota_seduta")).content.decode()


def test_the_seduta_and_its_confirmation_page_warn_and_say_when_it_is_after_the_deadline(client, bob):
    oggi = _oggi()
    codice = _codice(oggi)
    entra_come_professionista(client, bob)
    adesso = timezone.localtime()
    prima = SedutaFactory(codice=codice, professionista=bob, inizio=adesso - dt.timedelta(minutes=90))
    dopo = SedutaFactory(
        codice=codice,
        professionista=bob,
        inizio=dt.datetime.combine(oggi + dt.timedelta(days=2), dt.time(10), tzinfo=ROME),
    )
    for url in (
        reverse("professionista:seduta", args=[prima.pk]),
        reverse("professionista:conferma", args=[prima.pk]),
    ):
        html = client.get(url).content.decode()
        assert AVVISO in html and "è oggi" in html
        assert "fissata dopo il termine" not in html
    html = client.get(reverse("professionista:seduta", args=[dopo.pk])).content.decode()
    assert AVVISO in html and "fissata dopo il termine" in html
    # Once the first one is confirmed the code is safe: no warning anywhere.
    assert client.post(reverse("professionista:conferma", args=[prima.pk])).status_code == 302
    assert AVVISO not in client.get(reverse("professionista:seduta", args=[dopo.pk])).content.decode()


def test_the_warning_is_in_the_professionals_language(client, bob):
    from tests.factories import utente_di

    utente = utente_di(bob)
    utente.lingua = "de"
    utente.save(update_fields=["lingua"])
    codice = _codice(_oggi() + dt.timedelta(days=1))
    entra_come_professionista(client, bob, paziente=codice)
    html = client.get(reverse("professionista:prenota_seduta")).content.decode()
    assert AVVISO not in html
    assert "Frist für die erste Sitzung" in html
