"""genera_rimborsi: the batch of a month, region by region while the funds cover it, one rimborso per
professional and channel, the suspended ones taken by a later batch once funds arrive."""

import datetime as dt
import zoneinfo
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.core.exceptions import DomainError
from apps.core.models import AuditEvent
from apps.fatture.models import Fattura
from apps.professionisti.models import CanaleAccredito
from apps.rimborsi.models import FatturaSospesa, LottoRimborsi, Rimborso, VoceRimborso
from apps.rimborsi.selectors import fondi_disponibili
from apps.rimborsi.services import fine_del_mese, genera_rimborsi
from tests.factories import (
    BandoFactory,
    CanaleFactory,
    CodiceFactory,
    ProfessionistaFactory,
    TrasferimentoFactory,
    fattura_registrata,
    regione,
)

pytestmark = pytest.mark.django_db

ROMA = zoneinfo.ZoneInfo("Europe/Rome")
OTTOBRE, NOVEMBRE = dt.date(2025, 10, 1), dt.date(2025, 11, 1)
IBAN_2 = "IT07X0542811101000000654321"


def il(giorno: int, ora: int = 10, mese: int = 10, secondo: int = 0) -> dt.datetime:
    return dt.datetime(2025, mese, giorno, ora, 0, secondo, tzinfo=ROMA)


@pytest.fixture
def bando():
    return BandoFactory(anno=2025)


@pytest.fixture
def bob():
    """A professional with a personal channel."""
    bob = ProfessionistaFactory(cognome="Rossi", nome="Bob")
    CanaleFactory(professionista=bob)
    return bob


def fattura(professionista, bando, *, cod_regione="120", importo=Decimal("50.00"), sedute=1, quando=None):
    codice = CodiceFactory(domanda__bando=bando, domanda__regione=regione(cod_regione))
    return fattura_registrata(
        professionista, codice, sedute=sedute, importo=importo, registrata_il=quando or il(10)
    )


def fondi(bando, importo, cod_regione="120"):
    return TrasferimentoFactory(bando=bando, regione=regione(cod_regione), importo=Decimal(importo))


def stati(*fatture) -> list[str]:
    return [Fattura.objects.get(pk=f.pk).stato for f in fatture]


# --- funds ----------------------------------------------------------------------------------------


def test_funds_exactly_equal_to_the_fattura_pay_it(bando, bob):
    f = fattura(bob, bando, sedute=2)  # 100.00
    fondi(bando, "100.00")
    lotto = genera_rimborsi(OTTOBRE)
    assert stati(f) == [Fattura.Stato.IN_PAGAMENTO]
    assert (lotto.totale, lotto.numero_rimborsi, lotto.numero_sospese) == (Decimal("100.00"), 1, 0)
    assert fondi_disponibili(bando.pk, "120") == Decimal("0.00")


def test_funds_one_cent_short_suspend_it_whole(bando, bob):
    f = fattura(bob, bando, sedute=2)
    fondi(bando, "99.99")
    lotto = genera_rimborsi(OTTOBRE)
    assert stati(f) == [Fattura.Stato.SOSPESA]
    assert (lotto.totale, lotto.numero_rimborsi, lotto.numero_sospese) == (Decimal("0"), 0, 1)
    assert list(FatturaSospesa.objects.values_list("lotto", "fattura")) == [(lotto.pk, f.pk)]
    assert not VoceRimborso.objects.exists()
    assert fondi_disponibili(bando.pk, "120") == Decimal("99.99")


def test_registration_order_an_early_big_one_blocks_later_small_ones_in_its_region(bando, bob):
    grande = fattura(bob, bando, sedute=4, quando=il(3))  # 200.00, first
    piccola = fattura(bob, bando, sedute=1, quando=il(5))  # 50.00
    altra = fattura(bob, bando, sedute=1, quando=il(7))
    fondi(bando, "150.00")  # would pay the two small ones, but the big one came first
    genera_rimborsi(OTTOBRE)
    assert stati(grande, piccola, altra) == [Fattura.Stato.SOSPESA] * 3
    assert fondi_disponibili(bando.pk, "120") == Decimal("150.00")


def test_registration_order_ties_on_the_instant_break_by_pk(bando, bob):
    prima = fattura(bob, bando, quando=il(3))
    seconda = fattura(bob, bando, quando=il(3))
    fondi(bando, "50.00")
    genera_rimborsi(OTTOBRE)
    assert stati(prima, seconda) == [Fattura.Stato.IN_PAGAMENTO, Fattura.Stato.SOSPESA]


def test_the_prefix_that_fits_is_paid_and_the_first_that_does_not_stops_the_region(bando, bob):
    a, b = fattura(bob, bando, quando=il(1)), fattura(bob, bando, quando=il(2))
    c, d = fattura(bob, bando, sedute=3, quando=il(3)), fattura(bob, bando, quando=il(4))
    fondi(bando, "120.00")  # a + b = 100 fit; c (150) does not, and d after it waits too
    lotto = genera_rimborsi(OTTOBRE)
    assert stati(a, b, c, d) == ["in_pagamento", "in_pagamento", "sospesa", "sospesa"]
    rimborso = Rimborso.objects.get(lotto=lotto)
    assert rimborso.importo == Decimal("100.00")
    assert sorted(rimborso.voci.values_list("fattura_id", flat=True)) == [a.pk, b.pk]


def test_two_regions_one_without_transfers_its_fatture_are_suspended(bando, bob):
    lazio = fattura(bob, bando, cod_regione="120")
    lombardia = [fattura(bob, bando, cod_regione="030", quando=il(d)) for d in (2, 3)]
    fondi(bando, "1000.00", "120")
    lotto = genera_rimborsi(OTTOBRE)
    assert stati(lazio, *lombardia) == ["in_pagamento", "sospesa", "sospesa"]
    assert sorted(FatturaSospesa.objects.filter(lotto=lotto).values_list("fattura_id", flat=True)) == sorted(
        f.pk for f in lombardia
    )
    assert lotto.numero_sospese == 2
    voce = VoceRimborso.objects.get()
    assert (voce.bando_id, voce.regione_id, voce.importo) == (bando.pk, "120", Decimal("50.00"))


def test_funds_of_another_bando_do_not_pay(bando, bob):
    f = fattura(bob, bando)
    fondi(BandoFactory(anno=2023), "1000.00")
    genera_rimborsi(OTTOBRE)
    assert stati(f) == [Fattura.Stato.SOSPESA]


def test_the_suspended_enter_the_next_batch_after_a_transfer_arrives(bando, bob):
    f = fattura(bob, bando)
    genera_rimborsi(OTTOBRE)
    assert stati(f) == [Fattura.Stato.SOSPESA]
    fondi(bando, "50.00")
    novembre = genera_rimborsi(NOVEMBRE)
    assert stati(f) == [Fattura.Stato.IN_PAGAMENTO]
    assert VoceRimborso.objects.get().rimborso.lotto == novembre
    assert novembre.numero_sospese == 0
    assert FatturaSospesa.objects.count() == 1  # October's suspension stays on record


def test_committed_funds_of_an_earlier_batch_are_not_spent_again(bando, bob):
    ottobre = fattura(bob, bando, quando=il(5))
    novembre = fattura(bob, bando, quando=il(5, mese=11))
    fondi(bando, "50.00")
    genera_rimborsi(OTTOBRE)
    genera_rimborsi(NOVEMBRE)
    assert stati(ottobre, novembre) == ["in_pagamento", "sospesa"]


# --- the month ------------------------------------------------------------------------------------


def test_the_last_second_of_the_month_is_in_the_first_of_the_next_is_not(bando, bob):
    ultimo = fattura(bob, bando, quando=dt.datetime(2025, 10, 31, 23, 59, 59, tzinfo=ROMA))
    primo = fattura(bob, bando, quando=dt.datetime(2025, 11, 1, 0, 0, 0, tzinfo=ROMA))
    fondi(bando, "1000.00")
    genera_rimborsi(OTTOBRE)
    assert stati(ultimo, primo) == [Fattura.Stato.IN_PAGAMENTO, Fattura.Stato.DA_PAGARE]
    assert fine_del_mese(OTTOBRE) == dt.datetime(2025, 11, 1, tzinfo=ROMA)
    genera_rimborsi(NOVEMBRE)
    assert stati(primo) == [Fattura.Stato.IN_PAGAMENTO]


def test_a_month_not_yet_ended_is_refused(bando, bob):
    fattura(bob, bando)
    adesso = dt.datetime(2025, 10, 31, 23, 59, 59, tzinfo=ROMA)
    with pytest.raises(DomainError) as exc:
        genera_rimborsi(OTTOBRE, adesso=adesso)
    assert exc.value.field == "mese" and "non è ancora finito" in str(exc.value)
    assert not LottoRimborsi.objects.exists()
    lotto = genera_rimborsi(OTTOBRE, adesso=dt.datetime(2025, 11, 1, tzinfo=ROMA))
    assert lotto.mese == OTTOBRE


def test_a_month_before_the_latest_batch_is_refused(bando, bob):
    genera_rimborsi(NOVEMBRE)
    with pytest.raises(DomainError, match="11/2025"):
        genera_rimborsi(OTTOBRE)


def test_withdrawn_paid_and_already_batched_fatture_are_excluded(bando, bob):
    ritirata = fattura(bob, bando)
    Fattura.objects.filter(pk=ritirata.pk).update(stato=Fattura.Stato.RITIRATA)
    rimborsata = fattura(bob, bando)
    Fattura.objects.filter(pk=rimborsata.pk).update(stato=Fattura.Stato.RIMBORSATA)
    fondi(bando, "1000.00")
    buona = fattura(bob, bando)
    genera_rimborsi(OTTOBRE)
    assert stati(ritirata, rimborsata, buona) == ["ritirata", "rimborsata", "in_pagamento"]
    assert list(VoceRimborso.objects.values_list("fattura_id", flat=True)) == [buona.pk]


def test_a_fattura_in_an_active_voce_is_not_batched_again_whatever_its_state(bando, bob):
    f = fattura(bob, bando)
    fondi(bando, "1000.00")
    genera_rimborsi(OTTOBRE)
    Fattura.objects.filter(pk=f.pk).update(stato=Fattura.Stato.DA_PAGARE)  # a stale state
    novembre = genera_rimborsi(NOVEMBRE)
    assert (novembre.numero_rimborsi, VoceRimborso.objects.count()) == (0, 1)


# --- rimborsi, channels ---------------------------------------------------------------------------


def test_one_rimborso_per_professional_with_iban_and_name_copied(bando, bob):
    carol = ProfessionistaFactory(cognome="Bianchi", nome="Carol")
    CanaleFactory(professionista=carol, iban=IBAN_2)
    fatture_bob = [fattura(bob, bando, quando=il(d)) for d in (1, 2, 3)]
    fattura(carol, bando, sedute=2, quando=il(4))
    fondi(bando, "1000.00")
    lotto = genera_rimborsi(OTTOBRE)
    rimborsi = {r.professionista_id: r for r in Rimborso.objects.filter(lotto=lotto)}
    assert (lotto.numero_rimborsi, lotto.totale) == (2, Decimal("250.00"))
    r_bob, r_carol = rimborsi[bob.pk], rimborsi[carol.pk]
    assert (r_bob.importo, r_bob.beneficiario, r_bob.iban) == (
        Decimal("150.00"), "Rossi Bob", "IT60X0542811101000000123456"
    )  # fmt: skip
    assert (r_carol.importo, r_carol.beneficiario, r_carol.iban) == (
        Decimal("100.00"),
        "Bianchi Carol",
        IBAN_2,
    )
    assert r_bob.voci.count() == len(fatture_bob)
    assert sorted(r.numero for r in rimborsi.values()) == ["R202510-000001", "R202510-000002"]
    assert all(len(r.numero) <= 35 for r in rimborsi.values())
    assert r_bob.stato == Rimborso.Stato.IN_PAGAMENTO


def test_an_ente_channel_pays_the_ente_by_its_name(bando):
    dora = ProfessionistaFactory()
    CanaleFactory(
        professionista=dora, tipo=CanaleAccredito.Tipo.ENTE, partita_iva="01234567897",
        denominazione="Studio Associato Aurora",
    )  # fmt: skip
    fattura(dora, bando)
    fondi(bando, "1000.00")
    genera_rimborsi(OTTOBRE)
    assert Rimborso.objects.get().beneficiario == "Studio Associato Aurora"


def test_a_later_iban_change_does_not_alter_the_rimborso(bando, bob):
    fattura(bob, bando)
    fondi(bando, "1000.00")
    genera_rimborsi(OTTOBRE)
    vecchio = bob.canali.get()
    CanaleAccredito.objects.filter(pk=vecchio.pk).update(attuale=False)
    CanaleFactory(professionista=bob, iban=IBAN_2)
    rimborso = Rimborso.objects.get()
    assert (rimborso.iban, rimborso.canale_id) == ("IT60X0542811101000000123456", vecchio.pk)


def test_a_professional_without_a_current_channel_is_left_out_and_counted(bando):
    eva = ProfessionistaFactory()
    f = fattura(eva, bando)
    fondi(bando, "50.00")
    lotto = genera_rimborsi(OTTOBRE)
    assert stati(f) == [Fattura.Stato.DA_PAGARE]
    assert lotto.in_attesa_iban == 1
    assert fondi_disponibili(bando.pk, "120") == Decimal("50.00")  # not spent on her, nor blocking
    CanaleFactory(professionista=eva)
    genera_rimborsi(NOVEMBRE)
    assert stati(f) == [Fattura.Stato.IN_PAGAMENTO]


def test_an_excluded_professional_does_not_block_the_region_for_the_others(bando, bob):
    eva = ProfessionistaFactory()
    sua = fattura(eva, bando, quando=il(1))
    di_bob = fattura(bob, bando, quando=il(2))
    fondi(bando, "50.00")
    genera_rimborsi(OTTOBRE)
    assert stati(sua, di_bob) == [Fattura.Stato.DA_PAGARE, Fattura.Stato.IN_PAGAMENTO]


def _respingi(fattura_id):
    """What the bank outcome does to a rejected transfer: voci inactive, fatture da_pagare."""
    voce = VoceRimborso.objects.get(fattura_id=fattura_id, attiva=True)
    Rimborso.objects.filter(pk=voce.rimborso_id).update(stato=Rimborso.Stato.RESPINTO, motivo_rifiuto="AC01")
    VoceRimborso.objects.filter(pk=voce.pk).update(attiva=False)
    Fattura.objects.filter(pk=fattura_id).update(stato=Fattura.Stato.DA_PAGARE)


def test_a_rejected_fattura_waits_until_the_professional_changes_iban(bando, bob):
    f = fattura(bob, bando)
    fondi(bando, "1000.00")
    genera_rimborsi(OTTOBRE)
    _respingi(f.pk)
    novembre = genera_rimborsi(NOVEMBRE)
    assert stati(f) == [Fattura.Stato.DA_PAGARE]  # same channel: not sent to the same IBAN again
    assert (novembre.numero_rimborsi, novembre.in_attesa_iban) == (0, 1)
    CanaleAccredito.objects.filter(professionista=bob).update(attuale=False)
    CanaleFactory(professionista=bob, iban=IBAN_2)
    dicembre = genera_rimborsi(dt.date(2025, 12, 1))
    assert stati(f) == [Fattura.Stato.IN_PAGAMENTO]
    rimborso = Rimborso.objects.get(lotto=dicembre)
    assert rimborso.iban == IBAN_2
    assert VoceRimborso.objects.filter(fattura=f).count() == 2  # the rejected one stays, inactive


# --- idempotence, record --------------------------------------------------------------------------


def test_a_second_run_returns_the_same_batch_and_changes_nothing(bando, bob):
    fattura(bob, bando)
    primo = genera_rimborsi(OTTOBRE)
    assert primo.creato_ora
    fondi(bando, "1000.00")  # funds arrive: the October batch is made, nothing is added to it
    secondo = genera_rimborsi(OTTOBRE)
    assert (secondo.pk, secondo.creato_ora) == (primo.pk, False)
    assert (LottoRimborsi.objects.count(), Rimborso.objects.count(), FatturaSospesa.objects.count()) == (
        1,
        0,
        1,
    )


def test_an_empty_month_still_makes_its_batch(bando):
    lotto = genera_rimborsi(OTTOBRE)
    assert (lotto.totale, lotto.numero_rimborsi, lotto.numero_sospese) == (0, 0, 0)


def test_the_batch_is_audited(bando, bob):
    fattura(bob, bando)
    fondi(bando, "1000.00")
    lotto = genera_rimborsi(OTTOBRE)
    evento = AuditEvent.objects.get(azione="rimborsi.lotto_generato")
    assert evento.oggetto_id == str(lotto.pk)
    assert (evento.dettagli["rimborsi"], evento.dettagli["fatture"], evento.dettagli["totale"]) == (
        1,
        1,
        "50.00",
    )


# --- the command ----------------------------------------------------------------------------------


def test_the_command_makes_the_batch_and_says_what_it_did(bando, bob):
    fattura(bob, bando)
    fondi(bando, "1000.00")
    out = StringIO()
    call_command("genera_rimborsi", "--mese", "2025-10", stdout=out)
    assert "10/2025" in out.getvalue() and "1 rimborsi" in out.getvalue()
    out = StringIO()
    call_command("genera_rimborsi", "--mese", "2025-10", stdout=out)
    assert "già generato" in out.getvalue()


@pytest.mark.parametrize("valore", ["2025-13", "ottobre", "2025-10-01", ""])
def test_the_command_refuses_a_bad_month(valore):
    with pytest.raises(CommandError, match="AAAA-MM"):
        call_command("genera_rimborsi", "--mese", valore)


def test_the_command_refuses_a_month_not_ended():
    with pytest.raises(CommandError, match="non è ancora finito"):
        call_command("genera_rimborsi", "--mese", "2999-01")


def test_the_task_runs_on_record_for_the_month_just_ended(bando, bob):
    from apps.core.models import EsecuzioneJob
    from apps.rimborsi.tasks import genera_rimborsi_task

    fattura(bob, bando)
    risultato = genera_rimborsi_task(mese="2025-10")
    job = EsecuzioneJob.objects.get(pk=risultato["esecuzione"])
    assert job.esito == EsecuzioneJob.Esito.RIUSCITA
    assert LottoRimborsi.objects.get().mese == OTTOBRE
    assert job.risultato["sospese"] == 1


def test_beat_runs_the_batch_on_day_one_for_the_month_just_ended(reference_data):
    from django_celery_beat.models import PeriodicTask

    from apps.rimborsi.tasks import mese_appena_finito

    voce = PeriodicTask.objects.get(name="genera-rimborsi-mensile")
    assert voce.task == "apps.rimborsi.tasks.genera_rimborsi_task"
    assert (voce.crontab.day_of_month, voce.crontab.hour, voce.crontab.minute) == ("1", "2", "0")
    assert mese_appena_finito(dt.date(2026, 1, 1)) == dt.date(2025, 12, 1)
    assert mese_appena_finito(dt.date(2026, 3, 1)) == dt.date(2026, 2, 1)


def test_december_ends_at_new_year_in_rome_time(bando, bob):
    assert fine_del_mese(dt.date(2025, 12, 1)) == dt.datetime(2026, 1, 1, tzinfo=ROMA)
    capodanno = fattura(bob, bando, quando=dt.datetime(2025, 12, 31, 23, 30, tzinfo=ROMA))  # 22:30 UTC
    gennaio = fattura(bob, bando, quando=dt.datetime(2025, 12, 31, 23, 30, tzinfo=dt.UTC))  # 00:30 in Rome
    fondi(bando, "1000.00")
    genera_rimborsi(dt.date(2025, 12, 1))
    assert stati(capodanno, gennaio) == [Fattura.Stato.IN_PAGAMENTO, Fattura.Stato.DA_PAGARE]
