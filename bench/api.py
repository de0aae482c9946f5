"""Benchmark of the API for practice software: bookings per second through `POST /api/v1/sedute/` over
HTTP against the same bookings through the service layer, in one run.

    .venv/bin/python bench/api.py --codici 20000 --prenotazioni 2000 \
        [--database-url postgres://…/bp_bench_api]

World: bench/sedute.py's (`costruisci_mondo`, bulk-written codes of a bench-only bando 2098 and ~400
professionals), in its own scratch database. One professional books, one code per booking, distinct codes:
(a) in process, `sedute.services.prenota_seduta` one after the other (the pages' path without HTTP);
(b) over HTTP to gunicorn (sync workers, DEBUG=False, bench/sedute_settings.py), one client one request
    after the other, each `POST /api/v1/sedute/` with the professional's token (`Authorization: Bearer`),
    a fresh `Idempotency-Key` and a verification token made beforehand (signed as `POST /api/v1/verifiche/`
    signs it: the bench times the booking, not the verification); the throttle raised out of the way
    (API_RATE), the audit event of every call kept.
Fair turns: the world is VACUUM ANALYZEd first, each side makes --riscaldamento untimed bookings, then (a)
and (b) take turns in --blocchi blocks with gunicorn already up, so a busy database (autovacuum after the
bulk load, a cold cache) never falls on one side only. The first version ran all of (a), then all of (b).
Bookings per second, p50 and p99 of each; then every code's ledger against its columns (must be 0 off).
Target: (b) ≥ 0.5 × (a) in bookings per second, with (b)'s p99 < 100 ms. Figures in bench/README.md.
"""

import argparse
import datetime as dt
import http.client
import json
import os
import statistics
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sedute import Gunicorn, carica_mondo, costruisci_mondo, prepara_django, registro_coerente  # noqa: E402


def _statistiche(misure: list[tuple[list[float], float]]) -> dict:
    """Bookings per second and percentiles over all the blocks of one side: (latencies, seconds) each."""
    latenze = [x for blocco, _durata in misure for x in blocco]
    durata = sum(d for _blocco, d in misure)
    ordinate = sorted(latenze)
    return {
        "n": len(ordinate),
        "al_secondo": len(ordinate) / durata,
        "p50": statistics.median(ordinate) * 1000,
        "p99": ordinate[min(len(ordinate) - 1, int(len(ordinate) * 0.99))] * 1000,
    }


def _codici_liberi(n: int, escluso: int) -> list[tuple[int, str]]:
    """2 × n distinct codes with room for a booking, never Alice's (the demo's own code)."""
    from django.db.models import F

    from apps.codici.models import CodiceUnivoco

    righe = list(
        CodiceUnivoco.objects.filter(stato="attivo", assegnato__gte=F("prenotato") + F("utilizzato") + 40)
        .exclude(pk=escluso)
        .order_by("pk")
        .values_list("pk", "domanda__cf_beneficiario")[: 2 * n]
    )
    if len(righe) < 2 * n:
        sys.exit(f"servono {2 * n} codici liberi, ce ne sono {len(righe)}: aumentare --codici")
    return righe


def servizio(prof, utente, studio, codici, inizio) -> tuple[list[float], float]:
    from apps.sedute.services import prenota_seduta

    latenze = []
    t_inizio = time.perf_counter()
    for codice_id, cf in codici:
        t0 = time.perf_counter()
        prenota_seduta(
            utente, prof, codice_id=codice_id, codice_fiscale=cf, studio=studio, inizio=inizio,
            durata_minuti=50, importo=Decimal("40.00"), chiave_invio=uuid.uuid4(),
        )  # fmt: skip
        latenze.append(time.perf_counter() - t0)
    return latenze, time.perf_counter() - t_inizio


def api(porta: int, token: str, prof, studio, codici, inizio) -> tuple[list[float], float]:
    from django.core import signing

    from apps.api.views import SALE_VERIFICA

    corpi = [
        json.dumps(
            {
                "token_verifica": signing.dumps({"c": c, "cf": cf, "p": prof.pk}, salt=SALE_VERIFICA),
                "studio": studio.pk,
                "inizio": inizio.isoformat(),
                "durata_minuti": 50,
                "importo": "40.00",
            }  # fmt: skip
        )
        for c, cf in codici
    ]
    conn = http.client.HTTPConnection("127.0.0.1", porta, timeout=30)
    latenze, errori = [], []
    t_inizio = time.perf_counter()
    for corpo in corpi:
        t0 = time.perf_counter()
        conn.request(
            "POST", "/api/v1/sedute/", body=corpo,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                     "Idempotency-Key": uuid.uuid4().hex},
        )  # fmt: skip
        risposta = conn.getresponse()
        testo = risposta.read()
        latenze.append(time.perf_counter() - t0)
        if risposta.status != 201:
            errori.append((risposta.status, testo[:200]))
        if risposta.getheader("Connection", "").lower() == "close":
            conn.close()  # gunicorn's sync workers close it after each response: open it again
            conn = http.client.HTTPConnection("127.0.0.1", porta, timeout=30)
    conn.close()
    if errori:
        sys.exit(f"{len(errori)} prenotazioni rifiutate via API, la prima: {errori[0]}")
    return latenze, time.perf_counter() - t_inizio


def _blocchi(righe: list, k: int) -> list[list]:
    passo = -(-len(righe) // k)
    return [righe[i : i + passo] for i in range(0, len(righe), passo)]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--codici", type=int, default=20000)
    parser.add_argument("--prenotazioni", type=int, default=2000, help="bookings per side")
    parser.add_argument(
        "--blocchi", type=int, default=4,
        help="(a) and (b) take turns in this many blocks, so neither side alone meets a busy database",
    )  # fmt: skip
    parser.add_argument("--riscaldamento", type=int, default=50, help="untimed bookings per side first")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--porta", type=int, default=8765)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/bp_bench_api")
    args = parser.parse_args()

    os.environ["API_RATE"] = "100000000/min"  # the bench measures bookings, not the throttle's refusals
    prepara_django(args.database_url, conn_max_age=60, settings_module="bench.sedute_settings")
    from django.utils import timezone

    from apps.accounts.models import User
    from apps.professionisti.token_api import crea_token

    t, _r = time.perf_counter(), costruisci_mondo(args.codici)
    print(f"mondo: {args.codici} codici in {time.perf_counter() - t:.1f} s")
    mondo = carica_mondo()
    prof = mondo["professionisti"][-1]
    utente = User.objects.get(codice_fiscale=prof.codice_fiscale)
    studio = mondo["studio_di"][prof.pk]
    from django.db import connection

    with connection.cursor() as cursore:  # the freshly written world, analysed before either side runs
        cursore.execute("VACUUM (ANALYZE)")
    n, r = args.prenotazioni, args.riscaldamento
    codici = _codici_liberi(n + r, mondo["codice_alice"].pk)
    lato_a, lato_b = codici[: n + r], codici[n + r :]
    inizio = timezone.make_aware(
        dt.datetime.combine(timezone.localdate() + dt.timedelta(days=2), dt.time(10))
    )

    _token, chiaro = crea_token(utente, prof, nome="bench", ambiti=["lettura", "sedute"], giorni=30)
    misure_a, misure_b = [], []
    with Gunicorn(args.porta, args.workers):
        servizio(prof, utente, studio, lato_a[:r], inizio)
        api(args.porta, chiaro, prof, studio, lato_b[:r], inizio)
        for blocco_a, blocco_b in zip(
            _blocchi(lato_a[r:], args.blocchi), _blocchi(lato_b[r:], args.blocchi), strict=True
        ):
            misure_a.append(servizio(prof, utente, studio, blocco_a, inizio))
            misure_b.append(api(args.porta, chiaro, prof, studio, blocco_b, inizio))
    a, b = _statistiche(misure_a), _statistiche(misure_b)
    sbagliati = registro_coerente()

    print(f"\n{'':28}{'prenotazioni/s':>16}{'p50 ms':>10}{'p99 ms':>10}")
    for nome, r in (("(a) servizio, in processo", a), ("(b) API via HTTP", b)):
        print(f"{nome:28}{r['al_secondo']:16.1f}{r['p50']:10.1f}{r['p99']:10.1f}")
    rapporto = b["al_secondo"] / a["al_secondo"]
    print(f"\n(b)/(a) = {rapporto:.2f}× (obiettivo ≥ 0.5×), p99 API {b['p99']:.1f} ms (obiettivo < 100 ms)")
    print(f"codici col registro diverso dalle colonne: {sbagliati}")
    if sbagliati:
        sys.exit(1)


if __name__ == "__main__":
    main()
