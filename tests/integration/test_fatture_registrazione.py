"""registra_fattura and ritira_fattura at every edge of issue 9 (sections 1 and 6): the total against the
sum of the sedute, the date against the last seduta and today, the number per professional and year,
which sedute may be invoiced, withdrawal before and after the batch."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.models import AuditEvent
from apps.fatture import services
from apps.fatture.models import Fattura, SedutaFatturata
from apps.fatture.services import FatturaNonValida, normalizza_numero, registra_fattura, ritira_fattura
from apps.sedute.models import Seduta
from tests.factories import (
    CodiceFactory,
    ProfessionistaFactory,
    SedutaFactory,
    UserFactory,
    fattura_registrata,
    seduta_confermata,
    utente_di,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def bob():
    return ProfessionistaFactory()


@pytest.fixture
def codice():
    return CodiceFactory()


@pytest.fixture
def due_sedute(bob, codice):
    """Two confermate sedute of one code: 50.00 five days ago and 40.00 three days ago."""
    return [
        seduta_confermata(bob, codice, giorni_fa=5, importo=Decimal("50.00")),
        seduta_confermata(bob, codice, giorni_fa=3, importo=Decimal("40.00")),
    ]


def ultimo_giorno(sedute) -> dt.date:
    return max(timezone.localdate(s.inizio) for s in sedute)


def registra(professionista, sedute, **kw):
    dati = {
        "emittente": professionista.nominativo,
        "numero": "1/A",
        "data": timezone.localdate(),
        "totale": Decimal("120.00"),
    }
    dati.update(kw)
    return registra_fattura(utente_di(professionista), professionista, sedute=sedute, **dati)


def errori(exc_info) -> list[tuple[str, str]]:
    return [(e.field, str(e.message)) for e in exc_info.value.errori]


def campi(exc_info) -> set[str]:
    return {e.field for e in exc_info.value.errori}


def assert_niente_salvato(sedute):
    assert not Fattura.objects.exists()
    assert not SedutaFatturata.objects.exists()
    for seduta in sedute:
        stato = seduta.stato
        seduta.refresh_from_db()
        assert seduta.stato == stato


# --- The happy path --------------------------------------------------------------------------------


def test_registration_invoices_the_sedute_in_one_go(bob, codice, due_sedute):
    fattura = registra(bob, due_sedute, totale=Decimal("120.00"), numero=" fa 7 / 2026 ")
    assert fattura.stato == Fattura.Stato.DA_PAGARE
    assert fattura.numero == "FA 7/2026"
    assert fattura.anno == fattura.data.year
    assert (fattura.importo_bonus, fattura.totale, fattura.quota_paziente) == (
        Decimal("90.00"),
        Decimal("120.00"),
        Decimal("30.00"),
    )
    assert (fattura.codice_id, fattura.bando_id, fattura.regione_id) == (
        codice.pk,
        codice.domanda.bando_id,
        codice.domanda.regione_id,
    )
    assert sorted(
        SedutaFatturata.objects.filter(fattura=fattura, attiva=True).values_list("seduta", "importo")
    ) == [
        (due_sedute[0].pk, Decimal("50.00")),
        (due_sedute[1].pk, Decimal("40.00")),
    ]
    assert set(Seduta.objects.filter(pk__in=[s.pk for s in due_sedute]).values_list("stato", flat=True)) == {
        Seduta.Stato.FATTURATA
    }
    evento = AuditEvent.objects.get(azione="fattura.registrata")
    assert evento.oggetto_id == str(fattura.pk)
    assert evento.dettagli["sedute"] == sorted(s.pk for s in due_sedute)


def test_the_amounts_of_the_code_do_not_move(bob, codice, due_sedute):
    codice.refresh_from_db()
    prima = (codice.prenotato, codice.utilizzato, codice.residuo)
    registra(bob, due_sedute)
    codice.refresh_from_db()
    assert (codice.prenotato, codice.utilizzato, codice.residuo) == prima


def test_sedute_may_be_given_as_ids(bob, due_sedute):
    fattura = registra(bob, [str(s.pk) for s in due_sedute] + [due_sedute[0].pk], totale=Decimal("90.00"))
    assert fattura.righe.count() == 2


# --- Total ---------------------------------------------------------------------------------------


def test_total_equal_to_the_sum_is_accepted(bob, due_sedute):
    assert registra(bob, due_sedute, totale=Decimal("90.00")).quota_paziente == Decimal("0.00")


def test_total_one_cent_below_the_sum_is_refused(bob, due_sedute):
    with pytest.raises(FatturaNonValida) as exc:
        registra(bob, due_sedute, totale=Decimal("89.99"))
    assert errori(exc) == [
        (
            "totale",
            "Il totale della fattura (89,99 €) non può essere inferiore alla somma delle sedute selezionate "
            "(90,00 €).",
        )
    ]
    assert_niente_salvato(due_sedute)


@pytest.mark.parametrize(
    ("totale", "messaggio"),
    [
        (Decimal("0"), "Il totale della fattura deve essere di almeno 0,01 €."),
        (Decimal("-5.00"), "Il totale della fattura deve essere di almeno 0,01 €."),
        (Decimal("10000000000.00"), "Il totale della fattura non può superare 9.999.999.999,99 €."),
        (Decimal("1e40"), "Il totale della fattura non può superare 9.999.999.999,99 €."),
        ("120.001", "Il totale della fattura ha al massimo due decimali."),
        ("NaN", "Indica il totale della fattura in euro."),
        ("dieci", "Indica il totale della fattura in euro."),
    ],
)
def test_bad_totals_are_refused_with_a_message(bob, due_sedute, totale, messaggio):
    with pytest.raises(FatturaNonValida) as exc:
        registra(bob, due_sedute, totale=totale)
    assert ("totale", messaggio) in errori(exc)
    assert_niente_salvato(due_sedute)


def test_the_largest_total_a_money_column_holds_is_accepted(bob, due_sedute):
    assert registra(bob, due_sedute, totale=Decimal("9999999999.99")).totale == Decimal("9999999999.99")


# --- Date ----------------------------------------------------------------------------------------


def test_date_on_the_day_of_the_last_seduta_is_accepted(bob, due_sedute):
    assert registra(bob, due_sedute, data=ultimo_giorno(due_sedute)).data == ultimo_giorno(due_sedute)


def test_date_the_day_before_the_last_seduta_is_refused(bob, due_sedute):
    giorno = ultimo_giorno(due_sedute)
    with pytest.raises(FatturaNonValida) as exc:
        registra(bob, due_sedute, data=giorno - dt.timedelta(days=1))
    assert errori(exc) == [
        (
            "data",
            f"La data della fattura non può precedere l'ultima seduta fatturata, del {giorno:%d/%m/%Y}.",
        )
    ]
    assert_niente_salvato(due_sedute)


def test_date_today_is_accepted_and_tomorrow_refused(bob, due_sedute):
    oggi = timezone.localdate()
    with pytest.raises(FatturaNonValida) as exc:
        registra(bob, due_sedute, data=oggi + dt.timedelta(days=1))
    assert errori(exc) == [("data", "La data della fattura non può essere nel futuro.")]
    assert registra(bob, due_sedute, data=oggi).data == oggi


def test_the_last_possible_date_is_in_the_future(bob, due_sedute):
    with pytest.raises(FatturaNonValida) as exc:
        registra(bob, due_sedute, data=dt.date(9999, 12, 31))
    assert campi(exc) == {"data"}


def test_today_is_the_local_date(bob, codice, monkeypatch):
    """At 00:30 in Rome it is still yesterday in UTC: an invoice dated today (Rome's day) is not future."""
    seduta = seduta_confermata(bob, codice, giorni_fa=1)
    mezzanotte_e_mezza = timezone.localtime().replace(hour=0, minute=30, second=0, microsecond=0)
    oggi = mezzanotte_e_mezza.date()
    assert mezzanotte_e_mezza.astimezone(dt.UTC).date() == oggi - dt.timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: mezzanotte_e_mezza)
    assert registra(bob, [seduta], data=oggi, totale=Decimal("50.00")).data == oggi
    with pytest.raises(FatturaNonValida) as exc:
        registra(bob, [seduta], data=oggi + dt.timedelta(days=1), numero="2", totale=Decimal("50.00"))
    assert "data" in campi(exc)


# --- Number --------------------------------------------------------------------------------------


def test_number_reused_in_the_same_year_is_refused(bob, codice, due_sedute):
    prima = registra(bob, due_sedute[:1], numero="12/2026", totale=Decimal("50.00"))
    with pytest.raises(FatturaNonValida) as exc:
        registra(bob, due_sedute[1:], numero=" 12 / 2026", totale=Decimal("40.00"))
    assert errori(exc) == [
        ("numero", f"Hai già registrato la fattura numero 12/2026 del {prima.anno}: indica un altro numero.")
    ]


def test_number_reused_in_the_next_year_is_accepted(bob, codice):
    """The sedute of a code valid across new year's day: the same number in January is another fattura."""
    oggi = timezone.localdate()
    vecchia = seduta_confermata(bob, codice, giorni_fa=40)
    nuova = seduta_confermata(bob, codice, giorni_fa=2)
    anno_prima = dt.date(oggi.year - 1, 12, 31)
    Seduta.objects.filter(pk=vecchia.pk).update(
        inizio=timezone.make_aware(dt.datetime.combine(anno_prima, dt.time(10)))
    )
    vecchia.refresh_from_db()
    registra(bob, [vecchia], numero="1", data=anno_prima, totale=Decimal("50.00"))
    fattura = registra(bob, [nuova], numero="1", data=oggi, totale=Decimal("50.00"))
    assert fattura.anno == oggi.year


def test_another_professional_may_use_the_same_number(bob, due_sedute):
    carol = ProfessionistaFactory()
    registra(bob, due_sedute, numero="5")
    assert registra(carol, [seduta_confermata(carol)], numero="5", totale=Decimal("50.00")).numero == "5"


def test_a_withdrawn_number_can_be_reused(bob, due_sedute):
    prima = registra(bob, due_sedute, numero="9")
    ritira_fattura(utente_di(bob), prima)
    seconda = registra(bob, due_sedute, numero="9")
    assert seconda.pk != prima.pk
    assert Fattura.objects.filter(numero="9").count() == 2


@pytest.mark.parametrize(
    ("scritto", "normalizzato"),
    [
        (" fa 12 / 2026 ", "FA 12/2026"),
        ("12-a", "12-A"),
        ("１２／２０２６", "12/2026"),  # full-width digits typed on a phone
        ("12\u00a0 bis", "12 BIS"),
    ],
)
def test_number_normalisation(scritto, normalizzato):
    assert normalizza_numero(scritto) == normalizzato


@pytest.mark.parametrize(
    ("numero", "messaggio"),
    [
        ("   ", "Indica il numero della fattura."),
        ("X" * 31, "Il numero della fattura ha al massimo 30 caratteri."),
        ("12\x00", "Il numero della fattura contiene caratteri non ammessi."),
    ],
)
def test_bad_numbers_are_refused(bob, due_sedute, numero, messaggio):
    with pytest.raises(FatturaNonValida) as exc:
        registra(bob, due_sedute, numero=numero)
    assert errori(exc) == [("numero", messaggio)]


def test_a_number_race_the_check_missed_ends_in_the_field_message(bob, due_sedute, monkeypatch):
    """Two codes do not share a lock: the database's unique number decides, and the person reads why."""
    registra(bob, due_sedute[:1], numero="77", totale=Decimal("50.00"))
    monkeypatch.setattr(services, "_numero_usato", lambda *a: False)
    with pytest.raises(FatturaNonValida) as exc:
        registra(bob, due_sedute[1:], numero="77", totale=Decimal("40.00"))
    assert campi(exc) == {"numero"}
    assert Fattura.objects.count() == 1
    assert Seduta.objects.get(pk=due_sedute[1].pk).stato == Seduta.Stato.CONFERMATA


# --- Which sedute --------------------------------------------------------------------------------


def test_at_least_one_seduta(bob):
    with pytest.raises(FatturaNonValida) as exc:
        registra(bob, [])
    assert errori(exc) == [("sedute", "Seleziona almeno una seduta da fatturare.")]


def test_annulled_seduta_is_refused(bob, codice, due_sedute):
    annullata = SedutaFactory(
        professionista=bob,
        codice=codice,
        stato=Seduta.Stato.ANNULLATA,
        inizio=timezone.now() - dt.timedelta(days=4),
    )
    with pytest.raises(FatturaNonValida) as exc:
        registra(bob, [*due_sedute, annullata])
    assert errori(exc) == [
        (
            "sedute",
            f"La seduta del {timezone.localdate(annullata.inizio):%d/%m/%Y} è annullata: "
            "non si può fatturare.",
        )
    ]
    assert_niente_salvato(due_sedute)


def test_prenotata_seduta_is_refused(bob, codice):
    prenotata = SedutaFactory(professionista=bob, codice=codice, inizio=timezone.now() - dt.timedelta(days=1))
    with pytest.raises(FatturaNonValida) as exc:
        registra(bob, [prenotata], totale=Decimal("50.00"))
    assert campi(exc) == {"sedute"}
    assert "non è ancora confermata" in errori(exc)[0][1]


def test_another_professionals_seduta_is_refused_without_saying_whose(bob, codice, due_sedute):
    altrui = seduta_confermata(ProfessionistaFactory(), codice)
    with pytest.raises(FatturaNonValida) as exc:
        registra(bob, [*due_sedute, altrui])
    assert errori(exc) == [
        ("sedute", "Una o più sedute selezionate non sono tra le tue sedute da fatturare.")
    ]
    with pytest.raises(FatturaNonValida):
        registra(bob, [altrui], totale=Decimal("50.00"))
    with pytest.raises(FatturaNonValida):
        registra(bob, [10**9], totale=Decimal("50.00"))  # no such seduta
    assert_niente_salvato([*due_sedute, altrui])


def test_an_already_invoiced_seduta_is_refused(bob, due_sedute):
    registra(bob, due_sedute[:1], numero="1", totale=Decimal("50.00"))
    with pytest.raises(FatturaNonValida) as exc:
        registra(bob, due_sedute, numero="2")
    assert errori(exc) == [
        ("sedute", f"La seduta del {timezone.localdate(due_sedute[0].inizio):%d/%m/%Y} è già fatturata.")
    ]
    assert Fattura.objects.count() == 1


def test_sedute_of_two_codes_are_refused(bob, due_sedute):
    """Two beneficiaries (or one beneficiary's codes of two bandi): a fattura is charged to one region and
    one bando, so it covers one code; sedute over two regions on one fattura are impossible."""
    di_un_altro = seduta_confermata(bob, CodiceFactory())
    with pytest.raises(FatturaNonValida) as exc:
        registra(bob, [*due_sedute, di_un_altro], totale=Decimal("200.00"))
    assert campi(exc) == {"sedute"}
    assert "un solo paziente" in errori(exc)[0][1]
    assert_niente_salvato([*due_sedute, di_un_altro])


def test_garbage_ids_are_refused(bob):
    with pytest.raises(FatturaNonValida) as exc:
        registra(bob, ["1; DROP TABLE"], totale=Decimal("50.00"))
    assert campi(exc) == {"sedute"}


def test_every_error_at_once(bob, due_sedute):
    with pytest.raises(FatturaNonValida) as exc:
        registra(
            bob,
            due_sedute,
            emittente="  ",
            numero="",
            data=timezone.localdate() + dt.timedelta(days=1),
            totale=Decimal("1.00"),
        )
    assert [campo for campo, _ in errori(exc)] == ["emittente", "data", "numero", "totale"]
    assert_niente_salvato(due_sedute)


def test_a_date_that_is_not_a_date_is_refused(bob, due_sedute):
    with pytest.raises(FatturaNonValida) as exc:
        registra(bob, due_sedute, data="2026-01-01")
    assert errori(exc) == [("data", "Indica la data della fattura.")]


def test_missing_date_and_total(bob, due_sedute):
    with pytest.raises(FatturaNonValida) as exc:
        registra(bob, due_sedute, data=None, totale=None)
    assert campi(exc) == {"data", "totale"}


def test_the_write_rolls_back_when_a_seduta_changed_under_it(bob, due_sedute, monkeypatch):
    """fattura_sedute changing fewer rows than checked (a path that skipped the lock) undoes everything."""
    monkeypatch.setattr(services, "fattura_sedute", lambda utente, ids: len(ids) - 1)
    with pytest.raises(FatturaNonValida) as exc:
        registra(bob, due_sedute)
    assert campi(exc) == {"sedute"}
    assert_niente_salvato(due_sedute)
    assert not AuditEvent.objects.filter(azione="fattura.registrata").exists()


# --- The form's one-time key -----------------------------------------------------------------------


def test_a_resubmission_registers_once(bob, due_sedute):
    chiave = uuid.uuid4()
    prima = registra(bob, due_sedute, chiave_invio=chiave)
    seconda = registra(bob, due_sedute, chiave_invio=chiave)
    assert seconda.pk == prima.pk
    assert Fattura.objects.count() == 1


def test_another_professionals_key_is_not_theirs(bob, due_sedute):
    chiave = uuid.uuid4()
    registra(bob, due_sedute, chiave_invio=chiave)
    carol = ProfessionistaFactory()
    seduta = seduta_confermata(carol, due_sedute[0].codice)
    with pytest.raises(services.DomainError):
        registra(carol, [seduta], chiave_invio=chiave, totale=Decimal("50.00"))


# --- Withdrawal ----------------------------------------------------------------------------------


def test_withdrawal_before_the_batch(bob, due_sedute):
    fattura = registra(bob, due_sedute)
    ritirata = ritira_fattura(utente_di(bob), fattura)
    assert ritirata.stato == Fattura.Stato.RITIRATA
    assert ritirata.ritirata_il is not None
    assert Fattura.objects.filter(pk=fattura.pk).exists()  # never deleted
    assert not SedutaFatturata.objects.filter(fattura=fattura, attiva=True).exists()
    assert SedutaFatturata.objects.filter(fattura=fattura, attiva=False).count() == 2
    assert set(Seduta.objects.filter(pk__in=[s.pk for s in due_sedute]).values_list("stato", flat=True)) == {
        Seduta.Stato.CONFERMATA
    }
    assert AuditEvent.objects.filter(azione="fattura.ritirata", oggetto_id=str(fattura.pk)).exists()
    # A second click changes nothing; the sedute can be invoiced again.
    assert ritira_fattura(utente_di(bob), fattura).ritirata_il == ritirata.ritirata_il
    assert registra(bob, due_sedute, numero="2").righe.filter(attiva=True).count() == 2


def test_a_suspended_fattura_can_be_withdrawn():
    fattura = fattura_registrata(stato=Fattura.Stato.SOSPESA)
    assert ritira_fattura(None, fattura).stato == Fattura.Stato.RITIRATA


@pytest.mark.parametrize("stato", [Fattura.Stato.IN_PAGAMENTO, Fattura.Stato.RIMBORSATA])
def test_withdrawal_after_the_batch_is_refused(stato):
    fattura = fattura_registrata()
    services.segna_in_pagamento([fattura.pk])
    if stato == Fattura.Stato.RIMBORSATA:
        services.segna_rimborsate([fattura.pk], timezone.localdate())
    with pytest.raises(services.DomainError) as exc:
        ritira_fattura(None, fattura)
    assert "è entrata in un lotto di pagamento e non si può più ritirare" in exc.value.message
    fattura.refresh_from_db()
    assert fattura.stato == stato
    assert SedutaFatturata.objects.filter(fattura=fattura, attiva=True).count() == 2


def test_withdrawal_rereads_the_state_under_the_lock():
    """The caller's copy says da_pagare, the batch has moved it since: the row read under lock wins."""
    fattura = fattura_registrata()
    services.segna_in_pagamento([fattura.pk])
    assert fattura.stato == Fattura.Stato.DA_PAGARE  # stale copy
    with pytest.raises(services.DomainError):
        ritira_fattura(None, fattura)


# --- Admin: read-only and audited ------------------------------------------------------------------


def test_admin_lists_and_opens_fatture_read_only_audited_amounts_in_euro(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    admin_client = client
    fattura = fattura_registrata(totale=Decimal("1200.00"))
    lista = admin_client.get(reverse("admin:fatture_fattura_changelist"))
    assert lista.status_code == 200
    assert fattura.numero in lista.content.decode() and "1.200,00\u00a0€" in lista.content.decode()
    html = admin_client.get(reverse("admin:fatture_fattura_change", args=[fattura.pk])).content.decode()
    assert fattura.codice.codice not in html and fattura.codice.codice_mascherato in html
    assert "1.100,00\u00a0€" in html  # the patient's share
    for riga in fattura.righe.select_related("seduta"):
        assert riga.seduta.numero in html
    assert AuditEvent.objects.filter(azione="fattura.visualizzata", oggetto_id=str(fattura.pk)).count() == 1
    assert admin_client.get(reverse("admin:fatture_fattura_add")).status_code == 403
    assert admin_client.post(reverse("admin:fatture_fattura_delete", args=[fattura.pk])).status_code == 403
    assert Fattura.objects.filter(pk=fattura.pk).exists()
