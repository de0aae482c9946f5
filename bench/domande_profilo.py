"""In-process timing (and optional profile) of "Presenta domanda"'s three requests against the bare ones.

    .venv/bin/python bench/domande_profilo.py --database-url postgres://…/bp_scratch [--volte 200]
        [--profilo pyinstrument|cprofile] [--passo get|riepilogo|conferma]

Same production settings and world as bench/domande.py (it **empties** the scratch database's domande,
ISEE attestations, users and sessions), one django.test.Client per citizen with the bench's logged-in
database session, persistent connection. Prints the median ms of each step, real and bare, interleaved so
that the machine's drift hits both alike; with --profilo, profiles --volte flows of the real one.
"""

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from domande import ANNO, CHIAVE_RE, CSRF_RE, VERIFICA_RE, costruisci_mondo  # noqa: E402
from sedute import prepara_django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--volte", type=int, default=200)
    parser.add_argument("--profilo", choices=["pyinstrument", "cprofile"], default=None)
    parser.add_argument("--passo", choices=["get", "riepilogo", "conferma"], default=None)
    args = parser.parse_args()
    prepara_django(args.database_url, 60, "bench.domande_settings")
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    bando_id, cittadini = costruisci_mondo(args.volte * 2 + 40)
    print(f"bando {ANNO}: {len(cittadini)} cittadini")
    reale = reverse("cittadino:presenta", args=[bando_id])
    nudo = reverse("bench_domanda_nuda")
    nome_cookie = settings.SESSION_COOKIE_NAME
    tempi = {(f, p): [] for f in ("reale", "nudo") for p in ("get", "riepilogo", "conferma")}
    query = {}

    c = Client()  # one: a test Client loads the middleware on its first request
    contatore = [0]

    def conta(execute, sql, params, many, context):
        contatore[0] += 1
        return execute(sql, params, many, context)

    def flusso(percorso, cittadino, chiave_flusso, profilatore=None):
        sessione, cf = cittadino
        c.cookies.clear()
        c.cookies[nome_cookie] = sessione.split("=", 1)[1]
        passi = []

        def passo(nome, fn):
            attivo = profilatore is not None and args.passo in (None, nome)
            n0 = contatore[0]
            if attivo:
                profilatore.enable() if hasattr(profilatore, "enable") else profilatore.start()
            t0 = time.perf_counter()
            r = fn()
            dt = time.perf_counter() - t0
            if attivo:
                profilatore.disable() if hasattr(profilatore, "enable") else profilatore.stop()
            tempi[(chiave_flusso, nome)].append(dt * 1000)
            query[(chiave_flusso, nome)] = contatore[0] - n0
            passi.append(r)
            return r

        r = passo("get", lambda: c.get(percorso))
        corpo = r.content
        dati = {
            "csrfmiddlewaretoken": CSRF_RE.search(corpo).group(1).decode(), "relazione": "se_stesso",
            "cf_beneficiario": cf, "provincia": "RM", "email": "bench@example.org", "cellulare": "",
            "dichiarazione": "on", "chiave_invio": CHIAVE_RE.search(corpo).group(1).decode(),
            "azione": "riepilogo",
        }  # fmt: skip
        r = passo("riepilogo", lambda: c.post(percorso, dati))
        assert r.status_code == 200, r.status_code
        v = VERIFICA_RE.search(r.content)
        if v:
            dati["verifica"] = v.group(1).decode()
        r = passo("conferma", lambda: c.post(percorso, dati | {"azione": "conferma"}))
        assert r.status_code == 302, (r.status_code, r.content[:3000])
        if chiave_flusso == "reale":
            assert re.search(r"/domande/\d+/", r["Location"]), r["Location"]

    connection.ensure_connection()
    connection.execute_wrappers.append(conta)
    for i in range(20):  # warm-up
        flusso(nudo, cittadini[-1 - i], "nudo")
        flusso(reale, cittadini[-21 - i], "reale")
    for k in tempi:
        tempi[k].clear()
    profilatore = None
    if args.profilo == "pyinstrument":
        from pyinstrument import Profiler

        profilatore = Profiler(interval=0.0002)
    elif args.profilo == "cprofile":
        import cProfile

        profilatore = cProfile.Profile()
    for i in range(args.volte):
        flusso(nudo, cittadini[2 * i], "nudo")
        flusso(reale, cittadini[2 * i + 1], "reale", profilatore)
    for passo in ("get", "riepilogo", "conferma"):
        r, n = statistics.median(tempi[("reale", passo)]), statistics.median(tempi[("nudo", passo)])
        print(f"{passo:10s} reale {r:6.2f} ms ({query[('reale', passo)]} query)   "
              f"nudo {n:6.2f} ms ({query[('nudo', passo)]} query)")  # fmt: skip
    tr = sum(statistics.median(tempi[("reale", p)]) for p in ("get", "riepilogo", "conferma"))
    tn = sum(statistics.median(tempi[("nudo", p)]) for p in ("get", "riepilogo", "conferma"))
    print(f"flusso     reale {tr:6.2f} ms   nudo {tn:6.2f} ms   nudo / reale = {tn / tr:.2f}")
    if args.profilo == "pyinstrument":
        print(profilatore.output_text(unicode=True, color=False, show_all=False))
    elif args.profilo == "cprofile":
        import pstats

        pstats.Stats(profilatore).sort_stats(os.environ.get("ORDINE", "cumulative")).print_stats(60)


if __name__ == "__main__":
    main()
