"""`monitoraggio --mese`: the month's stored snapshot per bando (circ. 124/2025 §8), written once."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.codici.models import CodiceUnivoco
from apps.core.exceptions import DomainError
from apps.monitoraggio.models import Instantanea
from apps.monitoraggio.services import genera_instantanee
from apps.rimborsi.models import LottoRimborsi, Rimborso
from apps.sedute.models import Seduta
from tests.factories import (
    BandoFactory,
    CodiceFactory,
    DomandaFactory,
    TrasferimentoFactory,
    fattura_registrata,
    regione,
    seduta_confermata,
)
from tests.integration.lotti_pagamento import crea_rimborso
from tests.unit.test_nascita import cf

pytestmark = pytest.mark.django_db

MESE = dt.date(2026, 10, 1)
OGGI = dt.date(2026, 11, 1)


def _a(giorno: dt.date, ora=12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(giorno, dt.time(ora)))


def _codice(
    bando, nato_il, *, femmina=False, isee="10000.00", regione_codice="120", emesso=dt.date(2026, 10, 5)
):
    codice = CodiceFactory(
        domanda=DomandaFactory(
            bando=bando, cf_beneficiario=cf(nato_il, femmina=femmina), isee=Decimal(isee),
            regione=regione(regione_codice),
        )
    )  # fmt: skip
    CodiceUnivoco.objects.filter(pk=codice.pk).update(creato_il=_a(emesso))
    return codice


@pytest.fixture
def bando(reference_data):
    return BandoFactory()


def test_beneficiaries_by_region_sex_age_isee_and_province(bando):
    _codice(bando, dt.date(2010, 5, 1), femmina=True, isee="9000.00")  # 16 on 1 Oct: 0-17, band A
    _codice(bando, dt.date(1990, 10, 1), isee="20000.00")  # 36 on the 1st itself: 36-50, band B
    _codice(bando, dt.date(1990, 10, 2), femmina=True, isee="40000.00", regione_codice="030")  # 35: 18-35, C
    _codice(bando, dt.date(1950, 1, 1), emesso=dt.date(2026, 11, 1))  # issued in November: not counted
    (ist,) = genera_instantanee(MESE, oggi=OGGI)
    b = ist.dati["beneficiari"]
    assert b["totale"] == 3
    assert b["per_regione"] == {"030": 1, "120": 2}
    assert b["per_sesso"] == {"F": 2, "M": 1}
    assert b["per_eta"] == {"0-17": 1, "18-35": 1, "36-50": 1}
    assert b["per_isee"] == {"A": 1, "B": 1, "C": 1}
    assert sum(b["per_provincia"].values()) == 3


def test_sedute_held_by_the_end_of_the_month_and_payments(bando):
    codice = _codice(bando, dt.date(1980, 1, 1))
    dentro = seduta_confermata(codice=codice, importo=Decimal("40.00"))
    fuori = seduta_confermata(codice=codice, importo=Decimal("30.00"))
    Seduta.objects.filter(pk=dentro.pk).update(inizio=_a(dt.date(2026, 10, 31), 23))
    Seduta.objects.filter(pk=fuori.pk).update(inizio=_a(dt.date(2026, 11, 1), 0))
    fattura = fattura_registrata(codice=codice, sedute=1)
    Seduta.objects.filter(codice=codice, stato=Seduta.Stato.FATTURATA).update(
        inizio=_a(dt.date(2026, 10, 10))
    )
    rimborso = crea_rimborso(LottoRimborsi.objects.create(mese=dt.date(2026, 9, 1)), [fattura])
    Rimborso.objects.filter(pk=rimborso.pk).update(
        stato=Rimborso.Stato.PAGATO, pagato_il=dt.date(2026, 10, 31)
    )
    TrasferimentoFactory(
        bando=bando, regione=regione("120"), importo=Decimal("1000.00"), data=dt.date(2026, 10, 2)
    )
    TrasferimentoFactory(
        bando=bando, regione=regione("120"), importo=Decimal("5.00"), data=dt.date(2026, 11, 1)
    )
    (ist,) = genera_instantanee(MESE, oggi=OGGI)
    assert ist.dati["sedute"] == {"svolte": 2, "importo": "90.00"}  # 40 + the invoiced 50; not 1 Nov 00:00
    assert ist.dati["pagamenti"] == {"120": {"fatture": 1, "importo": "50.00"}}
    assert ist.dati["fondi"] == {"120": {"trasferito": "1000.00", "pagato": "50.00"}}


def test_a_stored_snapshot_never_changes_and_a_month_not_ended_is_refused(bando):
    _codice(bando, dt.date(1980, 1, 1))
    (prima,) = genera_instantanee(MESE, oggi=OGGI)
    _codice(bando, dt.date(1981, 1, 1))  # issued in October too, but after the snapshot
    (dopo,) = genera_instantanee(MESE, oggi=OGGI)
    assert dopo.pk == prima.pk and dopo.dati["beneficiari"]["totale"] == 1
    assert Instantanea.objects.count() == 1
    with pytest.raises(DomainError, match="non è ancora finito"):
        genera_instantanee(MESE, oggi=dt.date(2026, 10, 31))


def test_the_command(bando, capsys):
    _codice(bando, dt.date(1980, 1, 1), emesso=timezone.localdate().replace(day=1) - dt.timedelta(days=3))
    mese = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    call_command("monitoraggio", mese=mese)
    assert "1 beneficiari" in capsys.readouterr().out
    with pytest.raises(CommandError, match="AAAA-MM"):
        call_command("monitoraggio", mese="10/2026")
    with pytest.raises(CommandError, match="non è ancora finito"):
        call_command("monitoraggio", mese="2999-01")


def test_the_monthly_task_is_on_record_and_a_second_run_changes_nothing(bando):
    from apps.core.models import EsecuzioneJob
    from apps.monitoraggio.tasks import monitoraggio_task

    _codice(bando, dt.date(1980, 1, 1), emesso=timezone.localdate().replace(day=1) - dt.timedelta(days=3))
    primo = monitoraggio_task()  # beat: the month just ended
    secondo = monitoraggio_task()
    assert primo["istantanee"] == secondo["istantanee"] and len(primo["istantanee"]) == 1
    assert Instantanea.objects.count() == 1
    assert (
        EsecuzioneJob.objects.filter(job="monitoraggio_task", esito=EsecuzioneJob.Esito.RIUSCITA).count() == 2
    )
