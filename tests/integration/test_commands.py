"""run_graduatoria, pubblica_graduatoria, export_graduatoria through call_command."""

import csv
import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.codici.models import CodiceUnivoco
from apps.domande.models import Bando
from apps.graduatorie.export import INTESTAZIONE
from apps.graduatorie.models import Graduatoria
from tests.factories import BudgetFactory, DomandaFactory, regione

pytestmark = pytest.mark.django_db


@pytest.fixture
def bando(reference_data):
    """Bando 2025 with 2 600 euro for Lazio: 1 500 + 1 000 accolte, 100 parzialmente, then nothing."""
    bando = Bando.objects.get(anno=2025)
    BudgetFactory(bando=bando, regione=regione("120"), importo=Decimal("2600.00"))
    inizio = bando.inizio_finestra
    for i, isee in enumerate(["5000.00", "20000.00", "25000.00", "40000.00"]):
        DomandaFactory(
            bando=bando,
            protocollo=f"P-{i}",
            isee=Decimal(isee),
            presentata_il=inizio + dt.timedelta(hours=i + 1),
        )
    DomandaFactory(
        bando=bando, protocollo="P-fuori", isee=Decimal("1000.00"), presentata_il=bando.fine_finestra
    )  # one second too late: inammissibile
    DomandaFactory(
        bando=bando,
        protocollo="P-difforme",
        isee=Decimal("1000.00"),
        isee_difforme=True,
        presentata_il=inizio + dt.timedelta(hours=9),
    )
    return bando


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_export_after_run_graduatoria_round_trips(bando, tmp_path):
    riepilogo = run("run_graduatoria", "--bando", "2025")
    assert "120 Lazio" in riepilogo
    assert "6 domande esaminate, 3 finanziate" in riepilogo

    path = tmp_path / "graduatoria.csv"
    run("export_graduatoria", "--bando", "2025", "--output", str(path))

    with open(path, newline="", encoding="utf-8") as f:
        righe = list(csv.reader(f))
    assert righe[0] == INTESTAZIONE
    assert ",".join(righe[0]) == (
        "regione,posizione,protocollo,cf_beneficiario,isee,presentata_il,esito,importo_assegnato"
    )
    dati = [dict(zip(INTESTAZIONE, r, strict=True)) for r in righe[1:]]
    assert [(d["posizione"], d["protocollo"], d["esito"], d["importo_assegnato"]) for d in dati] == [
        ("1", "P-0", "accolta", "1500.00"),
        ("2", "P-1", "accolta", "1000.00"),
        ("3", "P-2", "parzialmente_accolta", "100.00"),
        ("4", "P-3", "non_accolta_provvisoria", "0.00"),
        ("", "P-difforme", "improcedibile", "0.00"),
        ("", "P-fuori", "inammissibile", "0.00"),
    ]
    assert {d["regione"] for d in dati} == {"120"}
    assert dati[0]["isee"] == "5000.00"
    primo = dt.datetime.fromisoformat(dati[0]["presentata_il"])
    assert primo.utcoffset() is not None
    assert primo == bando.inizio_finestra + dt.timedelta(hours=1)


def test_export_to_stdout_filters_by_region(bando):
    run("run_graduatoria", "--bando", "2025")

    vuota = run("export_graduatoria", "--bando", "2025", "--regione", "030")
    assert vuota.splitlines() == [",".join(INTESTAZIONE)]
    assert len(run("export_graduatoria", "--bando", "2025", "--regione", "120").splitlines()) == 7
    with pytest.raises(CommandError, match="Regione '999' sconosciuta"):
        run("export_graduatoria", "--bando", "2025", "--regione", "999")


def test_run_then_publish_creates_codes_for_the_funded(bando):
    run("run_graduatoria", "--bando", "2025")
    out = run("pubblica_graduatoria", "--bando", "2025", "--data", "2025-12-01")

    assert "3 codici univoci creati" in out
    codici = CodiceUnivoco.objects.filter(domanda__bando=bando).order_by("domanda__protocollo")
    assert [(c.domanda.protocollo, c.assegnato) for c in codici] == [
        ("P-0", Decimal("1500.00")), ("P-1", Decimal("1000.00")), ("P-2", Decimal("100.00")),
    ]  # fmt: skip
    assert all(c.valido_dal == dt.date(2025, 12, 1) for c in codici)
    assert set(Graduatoria.objects.filter(bando=bando).values_list("stato", flat=True)) == {"pubblicata"}


def test_run_after_publication_fails_with_a_clear_message(bando):
    run("run_graduatoria", "--bando", "2025")
    run("pubblica_graduatoria", "--bando", "2025", "--data", "2025-12-01")

    with pytest.raises(CommandError, match="già pubblicata: non si ricalcola"):
        run("run_graduatoria", "--bando", "2025")
    with pytest.raises(CommandError, match="già pubblicata"):
        run("pubblica_graduatoria", "--bando", "2025")
    assert CodiceUnivoco.objects.count() == 3


def test_publish_before_run_and_bad_arguments_are_refused(bando):
    with pytest.raises(CommandError, match="Calcolare la graduatoria"):
        run("pubblica_graduatoria", "--bando", "2025")
    with pytest.raises(CommandError, match="non valida"):
        run("pubblica_graduatoria", "--bando", "2025", "--data", "01/12/2025")
    with pytest.raises(CommandError, match="Bando 1999 inesistente"):
        run("run_graduatoria", "--bando", "1999")
