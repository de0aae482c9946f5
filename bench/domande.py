"""Benchmark of "Presenta domanda": the citizen's three-request flow against a bare one, and the receipt PDF.

    .venv/bin/python bench/domande.py --secondi 20 [--conn-max-age 60] [--database-url postgres://…/bp_bench_domande]

World (bulk_create): --cittadini citizens, each with a valid ISEE attestation and a logged-in database
session (as the login leaves it), and an open bench-only bando 2097 without domande.
(a) The real flow, on gunicorn (sync workers, as docker-compose runs it) with DEBUG=False
(bench/domande_settings.py): GET the form, POST "riepilogo", POST "conferma" (302 to the receipt), each
flow by a citizen who never submitted before. (b) The bare flow (bench/domande_urls.py): GET a page with the
CSRF token and a key, POST answered "ok", POST doing one INSERT and redirecting; same middleware, same kind
of session. --client threads run one flow after the other for --secondi seconds, first (b), then (a):
flows/s, p50 and p95 of the requests and of the flows, and their ratio. Then every accepted domanda is
looked up: present exactly once, one per 302, protocols distinct.
(c) The receipt PDF in-process: `apps.core.pdf.pdf` against a bare WeasyPrint render of the same HTML
with a stylesheet parsed once, and (for reference) the per-request setup of before.
Targets: (a) ≥ 0.5 × (b) in flows/s with (a)'s request p95 < 300 ms; (c) ≤ 1.1 × bare. Loopback only;
the loops are bounded by time and by the citizens available. Figures in bench/README.md.
"""

import argparse
import datetime as dt
import gc
import http.client
import logging
import re
import statistics
import sys
import threading
import time
import urllib.parse
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graduatoria import cf_generator  # noqa: E402  (bench/ is this script's directory)
from sedute import Gunicorn, prepara_django  # noqa: E402

ANNO = 2097  # a bench-only bando, apart from graduatoria.py's 2099 and sedute.py's 2098
BATCH = 5000
TABELLA_NUDA = "bench_invio_nudo"
CSRF_RE = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
CHIAVE_RE = re.compile(rb'name="chiave_invio" value="([^"]+)"')
VERIFICA_RE = re.compile(rb'name="verifica" value="([^"]+)"')  # the riepilogo's token, as a browser posts it


def costruisci_mondo(n: int) -> tuple[int, list[tuple[str, str]]]:
    """Empty the bench database's citizens and domande; n citizens with ISEE and session; the bando.
    Returns the bando's pk and (session cookie, codice fiscale) per citizen."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from apps.accounts.models import User
    from apps.domande.models import AttestazioneIsee, Bando
    from apps.portale_professionista.context_processors import SESSIONE_PROFESSIONISTA

    with connection.cursor() as cur:  # a clean slate (bench database only)
        cur.execute(
            "TRUNCATE domande_domanda, domande_attestazioneisee, accounts_user, django_session CASCADE"
        )
        cur.execute(
            f"CREATE TABLE IF NOT EXISTS {TABELLA_NUDA} (id bigserial PRIMARY KEY, utente_id bigint, "
            "chiave uuid, creato_il timestamptz)"
        )
        cur.execute(f"TRUNCATE {TABELLA_NUDA}")
    oggi = timezone.localdate()
    bando, _ = Bando.objects.update_or_create(
        anno=ANNO,
        defaults={
            "nome": "Bando di benchmark (domande)", "apertura": oggi - dt.timedelta(days=10),
            "chiusura": oggi + dt.timedelta(days=60), "importo_fascia_a": Decimal("1500.00"),
            "importo_fascia_b": Decimal("1000.00"), "importo_fascia_c": Decimal("500.00"),
            "giorni_regolarizzazione": 15, "giorni_validita": 270, "giorni_prima_seduta": 60,
            "graduatoria_pubblicata_il": None,
        },
    )  # fmt: skip
    cf = cf_generator()
    password = make_password(None)
    utenti = User.objects.bulk_create(
        [
            User(codice_fiscale=cf(i), nome=f"Nome{i}", cognome=f"Cognome{i}", password=password)
            for i in range(n)
        ],
        batch_size=BATCH,
    )
    AttestazioneIsee.objects.bulk_create(
        [
            AttestazioneIsee(
                codice_fiscale=u.codice_fiscale,
                protocollo_dsu=f"BENCH-DSU-{i:08d}",
                valore=Decimal(1000 + (i * 37) % 48000),
                rilasciata_il=oggi - dt.timedelta(days=30),
                valida_fino_al=oggi + dt.timedelta(days=300),
            )  # fmt: skip
            for i, u in enumerate(utenti)
        ],
        batch_size=BATCH,
    )
    scadenza = timezone.now() + dt.timedelta(hours=2)
    sessioni, cittadini = [], []
    for u in utenti:
        chiave = get_random_string(32)
        dati = {
            SESSION_KEY: str(u.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: u.get_session_auth_hash(),
            SESSIONE_PROFESSIONISTA: [u.pk, False],  # as the login leaves it
        }
        sessioni.append(
            Session(session_key=chiave, session_data=SessionStore().encode(dati), expire_date=scadenza)
        )
        cittadini.append((f"{settings.SESSION_COOKIE_NAME}={chiave}", u.codice_fiscale))
    Session.objects.bulk_create(sessioni, batch_size=BATCH)
    with connection.cursor() as cur:
        for tabella in ["accounts_user", "domande_attestazioneisee", "django_session", "domande_domanda"]:
            cur.execute(f"VACUUM (ANALYZE) {tabella}")
    return bando.pk, cittadini


class Client:
    """One keep-alive-less HTTP client (sync workers close every connection; http.client reopens)."""

    def __init__(self, porta: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", porta, timeout=30)
        self.latenze: list[float] = []

    def __call__(self, metodo: str, percorso: str, cookie: str, corpo: dict | None = None):
        headers = {"Cookie": cookie}
        body = None
        if corpo is not None:
            body = urllib.parse.urlencode(corpo)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        t0 = time.perf_counter()
        self.conn.request(metodo, percorso, body=body, headers=headers)
        risposta = self.conn.getresponse()
        contenuto = risposta.read()
        self.latenze.append(time.perf_counter() - t0)
        return risposta, contenuto


def csrf_cookie(risposta) -> str:
    for valore in risposta.headers.get_all("Set-Cookie") or []:
        if valore.startswith("csrftoken="):
            return valore.split(";", 1)[0]
    raise AssertionError("no csrftoken cookie")


def flusso(client: Client, percorso: str, sessione: str, cf: str) -> int | None:
    """GET the form, POST riepilogo, POST conferma. Returns the domanda's pk from the redirect
    (the bare flow: 0), or None when a step did not answer as it should."""
    risposta, corpo = client("GET", percorso, sessione)
    token, chiave = CSRF_RE.search(corpo), CHIAVE_RE.search(corpo)
    if risposta.status != 200 or not token or not chiave:
        return None
    cookie = f"{sessione}; {csrf_cookie(risposta)}"
    dati = {
        "csrfmiddlewaretoken": token.group(1).decode(), "relazione": "se_stesso", "cf_beneficiario": cf,
        "provincia": "RM", "email": "bench@example.org", "cellulare": "", "dichiarazione": "on",
        "chiave_invio": chiave.group(1).decode(), "azione": "riepilogo",
    }  # fmt: skip
    risposta, corpo = client("POST", percorso, cookie, dati)
    if risposta.status != 200:
        return None
    verifica = VERIFICA_RE.search(corpo)  # the bare flow's "ok" has none; the riepilogo must have it
    if verifica:
        dati["verifica"] = verifica.group(1).decode()
    elif b"Conferma e invia" in corpo:
        return None
    risposta, _ = client("POST", percorso, cookie, dati | {"azione": "conferma"})
    if risposta.status != 302:
        return None
    trovato = re.search(r"/domande/(\d+)/", risposta.headers["Location"])
    return int(trovato.group(1)) if trovato else 0


def carico(porta: int, percorso: str, cittadini: list, client: int, secondi: float, avvisa=True) -> dict:
    """`client` threads, each one flow after the other, each flow with the next unused citizen."""
    prossimo = iter(cittadini)  # a shared iterator (alternati) goes on where the last round stopped
    presa = threading.Lock()
    via = threading.Barrier(client + 1)
    fine = [0.0]
    clients = [Client(porta) for _ in range(client)]
    flussi: list[list[float]] = [[] for _ in range(client)]
    accettate: list[list[int]] = [[] for _ in range(client)]
    errori = [0] * client
    finiti = [False]

    def lavora(n: int):
        via.wait()
        while time.perf_counter() < fine[0]:
            with presa:
                cittadino = next(prossimo, None)
            if cittadino is None:
                finiti[0] = True
                break
            t0 = time.perf_counter()
            try:
                esito = flusso(clients[n], percorso, *cittadino)
            except (OSError, http.client.HTTPException):
                esito = None
            if esito is None:
                errori[n] += 1
                continue
            flussi[n].append(time.perf_counter() - t0)
            accettate[n].append(esito)
        clients[n].conn.close()

    threads = [threading.Thread(target=lavora, args=(n,)) for n in range(client)]
    for t in threads:
        t.start()
    inizio = time.perf_counter()
    fine[0] = inizio + secondi
    via.wait()
    for t in threads:
        t.join()
    durata = time.perf_counter() - inizio
    tutti = sorted(x for lista in flussi for x in lista)
    richieste = sorted(x for c in clients for x in c.latenze)
    if finiti[0] and avvisa:
        print("attenzione: cittadini esauriti prima della fine, aumentare --cittadini")
    return riassunto(
        tutti, richieste, durata, sum(errori), [pk for lista in accettate for pk in lista], prossimo
    )


def riassunto(tutti, richieste, durata, errori, accettate, rimasti=None) -> dict:
    tutti, richieste = sorted(tutti), sorted(richieste)
    return {
        "flussi": len(tutti),
        "al_secondo": len(tutti) / durata,
        "p50_flusso": statistics.median(tutti) * 1000,
        "p95_flusso": tutti[int(len(tutti) * 0.95)] * 1000,
        "p50": statistics.median(richieste) * 1000,
        "p95": richieste[int(len(richieste) * 0.95)] * 1000,
        "errori": errori,
        "accettate": accettate,
        "_grezzi": (tutti, richieste, durata),
        "_rimasti": rimasti,
    }


def alternati(porta: int, percorsi: dict, cittadini: list, client: int, secondi: float, giri: int) -> dict:
    """`giri` rounds, each running every flow in turn for secondi / giri: the machine's drift (other work
    on a shared machine) then hits every flow alike. Every citizen is used at most once overall."""
    grezzi = {nome: ([], [], 0.0, 0, []) for nome in percorsi}
    rimasti = iter(cittadini)
    for _ in range(giri):
        for nome, percorso in percorsi.items():
            r = carico(porta, percorso, rimasti, client, secondi / giri)
            tutti, richieste, durata = r["_grezzi"]
            f, q, d, e, a = grezzi[nome]
            grezzi[nome] = (f + tutti, q + richieste, d + durata, e + r["errori"], a + r["accettate"])
    return {nome: riassunto(f, q, d, e, a) for nome, (f, q, d, e, a) in grezzi.items()}


def verifica_accettate(bando_id: int, accettate: list[int]) -> list[str]:
    """Every accepted domanda present exactly once; nothing else in the bando."""
    from django.db.models import Count

    from apps.domande.models import Domanda

    problemi = []
    domande = Domanda.objects.filter(bando_id=bando_id)
    if len(set(accettate)) != len(accettate):
        problemi.append(f"{len(accettate) - len(set(accettate))} redirect alla stessa domanda")
    presenti = set(domande.values_list("pk", flat=True))
    if presenti != set(accettate):
        problemi.append(
            f"{len(set(accettate) - presenti)} accettate assenti, {len(presenti - set(accettate))} in più"
        )
    doppie = domande.values("cf_beneficiario").annotate(n=Count("pk")).filter(n__gt=1).count()
    protocolli = domande.values("protocollo").distinct().count()
    if doppie or protocolli != len(presenti):
        problemi.append(f"{doppie} beneficiari doppi, {len(presenti) - protocolli} protocolli ripetuti")
    return problemi


def misura_pdf(bando_id: int, volte: int) -> dict:
    """Median ms of the portal's PDF, of a bare WeasyPrint render of the same HTML, and of the old
    per-request setup."""
    from django.conf import settings
    from django.template.loader import render_to_string
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from apps.core import pdf
    from apps.domande.models import Domanda

    domanda = (
        Domanda.objects.select_related("bando", "regione", "provincia").filter(bando_id=bando_id).first()
    )
    template, contesto = "cittadino/pdf/ricevuta.html", {"domanda": domanda}
    html = render_to_string(template, contesto)
    base = str(settings.BASE_DIR)
    fonts = FontConfiguration()
    nudo_pronto = {"foglio": CSS(filename=str(pdf.STAMPA_CSS), font_config=fonts), "fonts": fonts}
    del fonts

    def nudo():
        return HTML(string=html, base_url=base).write_pdf(
            stylesheets=[nudo_pronto["foglio"]], font_config=nudo_pronto["fonts"]
        )

    def prima():  # what apps.core.pdf did on every request before
        f = FontConfiguration()
        css = CSS(filename=str(pdf.STAMPA_CSS), font_config=f)
        return HTML(string=render_to_string(template, contesto), base_url=base).write_pdf(
            stylesheets=[css], font_config=f
        )

    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    misure = {"portale": [], "nudo": [], "prima": []}
    funzioni = {"portale": lambda: pdf.pdf(template, contesto), "nudo": nudo, "prima": prima}
    for fn in funzioni.values():  # warm-up: imports, the portal's one-time setup
        fn()
    for _ in range(volte):  # interleaved, so that the machine's drift hits all three alike
        for nome, fn in funzioni.items():
            t0 = time.perf_counter()
            documento = fn()
            misure[nome].append(time.perf_counter() - t0)
            assert documento.startswith(b"%PDF")
    nudo_pronto.clear()
    pdf._stampa = None  # its temporary folder removed now, not at interpreter exit
    gc.collect()
    return {nome: statistics.median(v) * 1000 for nome, v in misure.items()}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cittadini", type=int, default=10_000, help="citizens, one flow each at most")
    parser.add_argument("--secondi", type=float, default=20)
    parser.add_argument("--client", type=int, default=4, help="HTTP client threads (workers + 1: saturated)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers (docker-compose: 3)")
    parser.add_argument("--conn-max-age", type=int, default=60, help="CONN_MAX_AGE (persistent: 60)")
    parser.add_argument("--pdf", type=int, default=30, help="PDF renders per variant (0: skip)")
    parser.add_argument(
        "--giri", type=int, default=1,
        help="alternate the two flows in this many rounds of secondi/giri each (1: one after the other)",
    )  # fmt: skip
    parser.add_argument("--porta", type=int, default=8766)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/bp_bench_domande")
    args = parser.parse_args()

    prepara_django(args.database_url, args.conn_max_age, "bench.domande_settings")
    from django.urls import reverse

    t0 = time.perf_counter()
    bando_id, cittadini = costruisci_mondo(args.cittadini)
    durata = time.perf_counter() - t0
    print(f"mondo: {len(cittadini):,} cittadini con ISEE e sessione, bando {ANNO} in {durata:.1f} s")
    reale = reverse("cittadino:presenta", args=[bando_id])
    nudo = reverse("bench_domanda_nuda")

    # Warm-up citizens come from the end of the list; the measured flows take them from the start.
    riserva = max(50, args.client * 10)
    caldi, cittadini = cittadini[-riserva:], cittadini[:-riserva]
    with Gunicorn(args.porta, args.workers):
        carico(args.porta, nudo, caldi, args.client, 2, avvisa=False)  # warm-up: every worker, both flows
        carico(args.porta, reale, caldi, args.client, 2, avvisa=False)
        if args.giri <= 1:  # as before: the whole duration of one flow, then of the other
            risultati = {
                "nudo": carico(args.porta, nudo, cittadini, args.client, args.secondi),
                "reale": carico(args.porta, reale, cittadini, args.client, args.secondi),
            }
        else:
            risultati = alternati(
                args.porta, {"nudo": nudo, "reale": reale}, cittadini, args.client, args.secondi, args.giri
            )
    from apps.domande.models import Domanda

    riscaldamento = list(Domanda.objects.filter(bando_id=bando_id, cf_beneficiario__in=[c for _, c in caldi]))
    problemi = verifica_accettate(bando_id, risultati["reale"]["accettate"] + [d.pk for d in riscaldamento])

    print(f"\n{args.client} client HTTP, gunicorn {args.workers} worker sync, "
          f"CONN_MAX_AGE={args.conn_max_age}, {args.secondi:g} s per flusso, {args.giri} giri\n")  # fmt: skip
    print("| flusso (3 richieste) | flussi/s | flusso p50 / p95 ms | richiesta p50 / p95 ms | errori |")
    print("|---|---|---|---|---|")
    for chiave, etichetta in [("nudo", "nudo (`/bench/nudo/domanda/`)"), ("reale", "Presenta domanda")]:
        r = risultati[chiave]
        print(f"| {etichetta} | {r['al_secondo']:.1f} | {r['p50_flusso']:.0f} / {r['p95_flusso']:.0f} "
              f"| {r['p50']:.1f} / {r['p95']:.1f} | {r['errori']} |")  # fmt: skip
    rapporto = risultati["reale"]["al_secondo"] / risultati["nudo"]["al_secondo"]
    p95 = risultati["reale"]["p95"]
    print(f"\nreale / nudo = {rapporto:.2f}x (obiettivo >= 0.5: {'raggiunto' if rapporto >= 0.5 else 'NO'}); "
          f"p95 richieste {p95:.0f} ms (obiettivo < 300: {'raggiunto' if p95 < 300 else 'NO'})")  # fmt: skip
    accettate = len(risultati["reale"]["accettate"])
    print(f"domande accettate: {accettate}; " + ("; ".join(problemi) or "ognuna presente una volta sola"))

    if args.pdf:
        ms = misura_pdf(bando_id, args.pdf)
        print(f"\nricevuta PDF, mediana di {args.pdf}: portale {ms['portale']:.1f} ms, WeasyPrint nudo "
              f"{ms['nudo']:.1f} ms, come prima {ms['prima']:.1f} ms; portale / nudo = "
              f"{ms['portale'] / ms['nudo']:.2f}x (obiettivo <= 1.1: "
              f"{'raggiunto' if ms['portale'] / ms['nudo'] <= 1.1 else 'NO'})")  # fmt: skip
    if problemi:
        sys.exit(1)


if __name__ == "__main__":
    main()
