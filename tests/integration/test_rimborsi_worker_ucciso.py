"""A batch job killed with SIGKILL mid-way, then run again: nothing half-written, each fattura paid once.

The job is a real process (`manage.py genera_rimborsi`) on the test database. GENERA_RIMBORSI_PAUSA=voci
stops it inside its transaction right after it inserted the rimborsi and their voci; the test kills it
there. PostgreSQL rolls the open transaction back when the connection dies, so the re-run starts from
the same fatture; and whatever the code path, a fattura cannot be in two active voci: the partial unique
constraint `fattura_pagata_una_sola_volta` is the guarantee, checked at the end.
"""

import datetime as dt
import os
import signal
import subprocess
import sys
import zoneinfo
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction

from apps.fatture.models import Fattura
from apps.rimborsi.models import FatturaSospesa, LottoRimborsi, Rimborso, VoceRimborso
from apps.rimborsi.services import PAUSA_ENV
from tests.factories import (
    BandoFactory,
    CanaleFactory,
    CodiceFactory,
    ProfessionistaFactory,
    TrasferimentoFactory,
    fattura_registrata,
    regione,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("worker_ucciso")]

ROOT = Path(__file__).resolve().parents[2]
ROMA = zoneinfo.ZoneInfo("Europe/Rome")


@pytest.fixture(autouse=True)
def _solo_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the worker process shares the test database through PostgreSQL")


@pytest.fixture
def fatture():
    """Four fatture paid by the funds, one suspended (another region has no transfers)."""
    bando = BandoFactory(anno=2025)
    TrasferimentoFactory(bando=bando, regione=regione("120"), importo=Decimal("1000.00"))
    prof = ProfessionistaFactory()
    CanaleFactory(professionista=prof)
    risultato = []
    for giorno, cod in ((3, "120"), (4, "120"), (5, "120"), (6, "120"), (7, "030")):
        codice = CodiceFactory(domanda__bando=bando, domanda__regione=regione(cod))
        quando = dt.datetime(2025, 10, giorno, 10, tzinfo=ROMA)
        risultato.append(fattura_registrata(prof, codice, sedute=1, registrata_il=quando))
    return risultato


def _env(**extra) -> dict:
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", PAUSA_ENV)}
    env["DJANGO_SETTINGS_MODULE"] = "bonuspsi.settings"
    env["DATABASE_URL"] = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )
    return {**env, **extra}


def _comando(**extra) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "genera_rimborsi", "--mese", "2025-10"],
        cwd=ROOT, env=_env(**extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def uccidi_in_pausa(fase: str) -> None:
    proc = _comando(**{PAUSA_ENV: fase})
    try:
        letto = []  # blocks until the job reaches the pause point (or dies: then the stream ends)
        while (riga := proc.stderr.readline()) and riga.strip() != f"PAUSA {fase}":
            letto.append(riga)
        assert riga.strip() == f"PAUSA {fase}", letto
        # Inside the transaction, the rimborsi and voci are written but not committed: nobody sees them.
        assert not LottoRimborsi.objects.exists()
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL


def test_a_job_killed_after_writing_the_voci_leaves_nothing_and_the_rerun_pays_each_fattura_once(fatture):
    uccidi_in_pausa("voci")
    assert not LottoRimborsi.objects.exists()
    assert not Rimborso.objects.exists() and not VoceRimborso.objects.exists()
    assert not FatturaSospesa.objects.exists()
    assert set(Fattura.objects.values_list("stato", flat=True)) == {Fattura.Stato.DA_PAGARE}

    rerun = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "genera_rimborsi", "--mese", "2025-10"],
        cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert rerun.returncode == 0, rerun.stderr
    lotto = LottoRimborsi.objects.get()
    assert (lotto.numero_rimborsi, lotto.totale, lotto.numero_sospese) == (1, Decimal("200.00"), 1)
    pagate = fatture[:4]
    assert sorted(VoceRimborso.objects.filter(attiva=True).values_list("fattura_id", flat=True)) == sorted(
        f.pk for f in pagate
    )
    assert [Fattura.objects.get(pk=f.pk).stato for f in fatture] == ["in_pagamento"] * 4 + ["sospesa"]

    # A third run changes nothing…
    again = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "genera_rimborsi", "--mese", "2025-10"],
        cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert again.returncode == 0 and "già generato" in again.stdout
    assert VoceRimborso.objects.count() == 4
    # …and whatever code path tried, the database would refuse paying a fattura a second time.
    voce = VoceRimborso.objects.select_related("rimborso").first()
    with pytest.raises(IntegrityError, match="fattura_pagata_una_sola_volta"), transaction.atomic():
        VoceRimborso.objects.create(
            rimborso=voce.rimborso, fattura_id=voce.fattura_id, bando_id=voce.bando_id,
            regione_id=voce.regione_id, importo=voce.importo,
        )  # fmt: skip


def test_a_job_killed_right_after_its_checks_leaves_nothing_either(fatture):
    uccidi_in_pausa("verificato")
    assert not LottoRimborsi.objects.exists()
    assert set(Fattura.objects.values_list("stato", flat=True)) == {Fattura.Stato.DA_PAGARE}
