"""The monthly batch: `genera_rimborsi(mese)` makes the LottoRimborsi of month M, paid during M+1.

Set-based from end to end (INSERT … SELECT with window functions, UPDATE … WHERE id IN (SELECT …)),
never a Python loop over fatture: 100 000 fatture take seconds (bench/rimborsi.py). The same SQL runs
on PostgreSQL and on SQLite ≥ 3.25 (`make run`); the vendor is checked only for the locks and for
zero-padding the rimborso's number.

Rules (DESIGN "Rimborsi", issue 9 §3):
- The batch of M takes every fattura da_pagare or sospesa registered before the first instant of M+1
  (Europe/Rome) that is not in an active VoceRimborso. Each is charged to the (bando, regione) it
  carries (copied from its code's domanda at registration).
- Per (bando, regione) the fatture are taken in registration order (registrata_il, pk) while the
  region's funds cover them: the running sum of their bonus shares ≤ the funds available (transfers −
  active voci, `selectors.fondi_disponibili`). Amounts are positive, so the covered ones are a prefix:
  the first that does not fit stops its region, and a fattura is paid whole or not at all.
- Covered → one VoceRimborso each (importo = importo_bonus) in one Rimborso per (professional, current
  CanaleAccredito), IBAN and beneficiary copied from the channel (the Ente's denominazione for an Ente's
  channel, else the professional's nominativo): a later change of IBAN does not alter it. Number =
  the SEPA EndToEndId `R{YYYYMM}-{n:06d}`. The fatture go in_pagamento.
- Not covered → FatturaSospesa(lotto, fattura), the fattura sospesa ("mancata trasmissione fondi da
  parte della Regione"); the next batch that runs after a transfer arrives takes it again.
- A professional with no current channel: their fatture stay as they are (da_pagare, or sospesa),
  out of the batch and out of the funds' running sum; counted as `in_attesa_iban` in the summary.
- A fattura whose last transfer the bank rejected (its last, inactive, voce went to channel X) is not
  batched again while the professional's current channel is still X: it enters the next batch after
  the professional changes IBAN. Counted as `in_attesa_iban` too.
- Idempotent: if the month's lotto exists it is returned and nothing changes. A month not yet ended
  is refused, and so is a month before the latest batch (that batch already took its fatture).

Concurrency: one transaction. Every batch generation is serialised by one lock (PostgreSQL: an
advisory transaction lock; SQLite: the database write lock, taken first), so two runs at once make ONE
lotto and never commit the same funds twice; the fatture taken are locked FOR UPDATE, as withdrawal
locks them, so a withdrawal in flight either finishes first (the fattura is no longer da_pagare) or
waits for the batch (and then finds it in_pagamento). No fattura is ever paid twice whatever the code
path: the partial unique constraint on VoceRimborso(fattura) WHERE attiva.
"""

import datetime as dt
import os
import sys
import time
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.exceptions import DomainError
from apps.core.locking import servizio_occupato
from apps.core.services import audit
from apps.fatture import services as fatture
from apps.fatture.models import Fattura
from apps.professionisti.models import CanaleAccredito, Professionista

from .models import FatturaSospesa, LottoRimborsi, Rimborso, TrasferimentoRisorse, VoceRimborso

# The advisory lock key of batch generation ("RIMB" in ASCII): any fixed number, used for this only.
CHIAVE_LOCK_LOTTI = 0x52494D42
# A second run waits for the first (a batch takes seconds, not the 3 s of a page's LOCK_TIMEOUT_MS).
ATTESA_LOTTO_MS = 120_000
# Test hook (killed-worker test): with GENERA_RIMBORSI_PAUSA=<fase> the run stops at that point inside
# its transaction, says so on stderr and sleeps, so that a test can SIGKILL it there.
PAUSA_ENV = "GENERA_RIMBORSI_PAUSA"
TMP = "rimborsi_lotto_tmp"
CENTESIMO = Decimal("0.01")


def primo_del_mese(giorno: dt.date) -> dt.date:
    return giorno.replace(day=1)


def mese_successivo(mese: dt.date) -> dt.date:
    return (mese.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def fine_del_mese(mese: dt.date) -> dt.datetime:
    """The first instant of M+1 in Europe/Rome: the batch of M takes what was registered before it."""
    successivo = mese_successivo(mese)
    return dt.datetime(successivo.year, successivo.month, 1, tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))


def punto_di_pausa(fase: str) -> None:
    """Where a test can stop a run (see PAUSA_ENV); nothing happens otherwise."""
    if os.environ.get(PAUSA_ENV) == fase:
        sys.stderr.write(f"PAUSA {fase}\n")
        sys.stderr.flush()
        time.sleep(600)


def blocca_generazione_lotti() -> None:
    """Serialise every batch generation (and whoever else calls this inside their transaction).

    PostgreSQL: an advisory lock held until the transaction ends; the wait is bounded by ATTESA_LOTTO_MS
    (then "servizio occupato"). SQLite has no row locks: a first (empty) write takes the database's
    write lock at once, so a concurrent run waits on it instead of both reading and then colliding."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f"SET LOCAL lock_timeout = '{int(ATTESA_LOTTO_MS)}ms'")
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [CHIAVE_LOCK_LOTTI])
        else:
            cur.execute(f"UPDATE {LottoRimborsi._meta.db_table} SET stato = stato WHERE 1 = 0")


def _verifica_mese(mese: dt.date, adesso: dt.datetime) -> None:
    if adesso < fine_del_mese(mese):
        raise DomainError(
            _("Il mese %(mese)s non è ancora finito: il suo lotto si genera dal primo del mese successivo.")
            % {"mese": mese.strftime("%m/%Y")},
            field="mese",
        )
    ultimo = LottoRimborsi.objects.filter(mese__gt=mese).order_by("-mese").first()
    if ultimo is not None:
        raise DomainError(
            _("Esiste già il lotto di %(ultimo)s, successivo: il lotto di %(mese)s non si genera più.")
            % {"ultimo": ultimo.mese.strftime("%m/%Y"), "mese": mese.strftime("%m/%Y")},
            field="mese",
        )


@servizio_occupato()
def genera_rimborsi(mese: dt.date, utente=None, *, adesso: dt.datetime | None = None) -> LottoRimborsi:
    """Make (or return, if it exists) the batch of the month of `mese`. See the module's docstring."""
    mese = primo_del_mese(mese)
    adesso = adesso or timezone.now()
    with transaction.atomic():
        blocca_generazione_lotti()
        esistente = LottoRimborsi.objects.filter(mese=mese).first()
        if esistente is not None:  # idempotent: the month's batch is made once
            esistente.creato_ora = False
            return esistente
        _verifica_mese(mese, adesso)
        punto_di_pausa("verificato")
        lotto = LottoRimborsi.objects.create(mese=mese)
        fine = fine_del_mese(mese)
        _blocca_fatture(fine)
        riepilogo = _componi_lotto(lotto, fine)
        audit(utente, "rimborsi.lotto_generato", lotto, mese=mese.isoformat(), **riepilogo)
    lotto.creato_ora = True
    lotto.in_attesa_iban = riepilogo["in_attesa_iban"]
    return lotto


def _blocca_fatture(fine: dt.datetime) -> None:
    """FOR UPDATE on every fattura the batch may take (a superset: all da_pagare/sospesa of the period),
    in one statement that returns one row. SQLite: already serialised by the database write lock."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT count(*) FROM (SELECT f.id FROM {Fattura._meta.db_table} f "
            "WHERE f.stato IN (%s, %s) AND f.registrata_il < %s FOR UPDATE) bloccate",
            [Fattura.Stato.DA_PAGARE, Fattura.Stato.SOSPESA, fine],
        )


def _componi_lotto(lotto: LottoRimborsi, fine: dt.datetime) -> dict:
    """The batch's rows, from one classification of the fatture held in a temporary table."""
    with connection.cursor() as cur:
        cur.execute(
            f"CREATE TEMP TABLE {TMP} (fattura_id bigint PRIMARY KEY, professionista_id bigint NOT NULL, "
            "canale_id bigint NOT NULL, importo numeric(12, 2) NOT NULL, coperta boolean NOT NULL)"
        )
        cur.execute(*_sql_classifica(fine))
        cur.execute(*_sql_rimborsi(lotto))
        cur.execute(*_sql_voci(lotto))
        punto_di_pausa("voci")
        cur.execute(
            f"INSERT INTO {FatturaSospesa._meta.db_table} (lotto_id, fattura_id) "
            f"SELECT %s, fattura_id FROM {TMP} WHERE NOT coperta",
            [lotto.pk],
        )
        cur.execute(f"DROP TABLE {TMP}")
    fatture.segna_in_pagamento(VoceRimborso.objects.filter(rimborso__lotto=lotto).values("fattura_id"))
    fatture.segna_sospese(FatturaSospesa.objects.filter(lotto=lotto).values("fattura_id"))
    totali = Rimborso.objects.filter(lotto=lotto).aggregate(n=Count("pk"), totale=Sum("importo"))
    lotto.totale = Decimal(totali["totale"] or 0).quantize(CENTESIMO)  # SQLite sums lose the scale
    lotto.numero_rimborsi = totali["n"]
    lotto.numero_sospese = FatturaSospesa.objects.filter(lotto=lotto).count()
    lotto.save(update_fields=["totale", "numero_rimborsi", "numero_sospese"])
    return {
        "rimborsi": lotto.numero_rimborsi,
        "fatture": VoceRimborso.objects.filter(rimborso__lotto=lotto).count(),
        "totale": str(lotto.totale),
        "sospese": lotto.numero_sospese,
        "in_attesa_iban": _in_attesa_iban(fine),
    }


def _tabelle() -> dict:
    return {
        "f": Fattura._meta.db_table,
        "c": CanaleAccredito._meta.db_table,
        "p": Professionista._meta.db_table,
        "t": TrasferimentoRisorse._meta.db_table,
        "v": VoceRimborso._meta.db_table,
        "r": Rimborso._meta.db_table,
    }


def _da_rimborsare(t: dict) -> str:
    """FROM … WHERE of the fatture of the period not in an active voce, with their professional's
    current channel `c` (none: not joined, so not taken)."""
    return f"""
        FROM {t["f"]} f
        JOIN {t["c"]} c ON c.professionista_id = f.professionista_id AND c.attuale = %(vero)s
        WHERE f.stato IN (%(da_pagare)s, %(sospesa)s) AND f.registrata_il < %(fine)s
          AND NOT EXISTS (SELECT 1 FROM {t["v"]} va WHERE va.fattura_id = f.id AND va.attiva = %(vero)s)"""


def _ultimo_canale_respinto(t: dict) -> str:
    """The channel of the fattura's last (inactive: rejected) voce, 0 if it never had one.

    `vr.id + 0`: ordered by the bare pk, PostgreSQL walks the whole pk index backwards looking for the
    fattura's voci (for every fattura that has none); the expression makes it use the fattura index."""
    return f"""COALESCE((SELECT r.canale_id FROM {t["v"]} vr JOIN {t["r"]} r ON r.id = vr.rimborso_id
                  WHERE vr.fattura_id = f.id ORDER BY vr.id + 0 DESC LIMIT 1), 0)"""


def _parametri(fine: dt.datetime) -> dict:
    return {
        "vero": True,
        "da_pagare": Fattura.Stato.DA_PAGARE.value,
        "sospesa": Fattura.Stato.SOSPESA.value,
        "fine": connection.ops.adapt_datetimefield_value(fine),
    }


def _sql_classifica(fine: dt.datetime) -> tuple[str, dict]:
    """Each fattura to take, covered or not: the running sum per region against its funds, in cents
    (exact on SQLite too, whose decimals are floating point)."""
    t = _tabelle()
    cent = "CAST(ROUND({} * 100) AS BIGINT)"
    return (
        f"""
        INSERT INTO {TMP} (fattura_id, professionista_id, canale_id, importo, coperta)
        WITH fondi AS (
            SELECT bando_id, regione_id, SUM(cent) AS disponibili FROM (
                SELECT bando_id, regione_id, {cent.format("importo")} AS cent FROM {t["t"]}
                UNION ALL
                SELECT bando_id, regione_id, -{cent.format("importo")} FROM {t["v"]} WHERE attiva = %(vero)s
            ) movimenti GROUP BY bando_id, regione_id
        ),
        candidate AS (
            SELECT f.id, f.professionista_id, c.id AS canale_id, f.bando_id, f.regione_id,
                f.importo_bonus, f.registrata_il
            {_da_rimborsare(t)}
              AND {_ultimo_canale_respinto(t)} <> c.id
        ),
        ordinate AS (
            SELECT k.*, SUM({cent.format("k.importo_bonus")}) OVER (
                PARTITION BY k.bando_id, k.regione_id ORDER BY k.registrata_il, k.id
                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cumulato
            FROM candidate k
        )
        SELECT o.id, o.professionista_id, o.canale_id, o.importo_bonus,
            o.cumulato <= COALESCE(fo.disponibili, 0)
        FROM ordinate o
        LEFT JOIN fondi fo ON fo.bando_id = o.bando_id AND fo.regione_id = o.regione_id""",
        _parametri(fine),
    )


def _numero_sql(n: str) -> str:
    """The rimborso's number `R{YYYYMM}-{n:06d}`, in SQL (≤ 35 characters: a SEPA EndToEndId)."""
    if connection.vendor == "postgresql":
        return f"lpad(CAST({n} AS text), GREATEST(6, length(CAST({n} AS text))), '0')"
    return f"printf('%%06d', {n})"


def _sql_rimborsi(lotto: LottoRimborsi) -> tuple[str, dict]:
    t = _tabelle()
    n = "ROW_NUMBER() OVER (ORDER BY x.professionista_id, x.canale_id)"
    return (
        f"""
        INSERT INTO {t["r"]} (lotto_id, numero, professionista_id, canale_id, iban, beneficiario, importo,
            stato, motivo_rifiuto)
        SELECT %(lotto)s, %(prefisso)s || {_numero_sql(n)}, x.professionista_id, x.canale_id, c.iban,
            SUBSTR(CASE WHEN c.tipo = %(ente)s THEN c.denominazione
                        ELSE TRIM(p.cognome || ' ' || p.nome) END, 1, 140),
            x.importo, %(stato)s, ''
        FROM (SELECT professionista_id, canale_id, SUM(importo) AS importo FROM {TMP}
              WHERE coperta = %(vero)s GROUP BY professionista_id, canale_id) x
        JOIN {t["c"]} c ON c.id = x.canale_id
        JOIN {t["p"]} p ON p.id = x.professionista_id""",
        {
            "lotto": lotto.pk,
            "prefisso": f"R{lotto.mese:%Y%m}-",
            "ente": CanaleAccredito.Tipo.ENTE.value,
            "stato": Rimborso.Stato.IN_PAGAMENTO.value,
            "vero": True,
        },
    )


def _sql_voci(lotto: LottoRimborsi) -> tuple[str, dict]:
    t = _tabelle()
    return (
        f"""
        INSERT INTO {t["v"]} (rimborso_id, fattura_id, bando_id, regione_id, importo, attiva)
        SELECT r.id, f.id, f.bando_id, f.regione_id, f.importo_bonus, %(vero)s
        FROM {TMP} x
        JOIN {t["f"]} f ON f.id = x.fattura_id
        JOIN {t["r"]} r ON r.lotto_id = %(lotto)s AND r.professionista_id = x.professionista_id
            AND r.canale_id = x.canale_id
        WHERE x.coperta = %(vero)s""",
        {"lotto": lotto.pk, "vero": True},
    )


def _in_attesa_iban(fine: dt.datetime) -> int:
    """Fatture of the period left out for their channel: no current one, or the one that rejected
    their last transfer."""
    t = _tabelle()
    with connection.cursor() as cur:
        cur.execute(
            f"""SELECT COUNT(*) FROM {t["f"]} f
            WHERE f.stato IN (%(da_pagare)s, %(sospesa)s) AND f.registrata_il < %(fine)s
              AND NOT EXISTS (SELECT 1 FROM {t["v"]} va WHERE va.fattura_id = f.id AND va.attiva = %(vero)s)
              AND NOT EXISTS (SELECT 1 FROM {t["c"]} c WHERE c.professionista_id = f.professionista_id
                    AND c.attuale = %(vero)s AND {_ultimo_canale_respinto(t)} <> c.id)""",
            _parametri(fine),
        )
        return cur.fetchone()[0]
