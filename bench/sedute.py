"""Benchmark of the sedute: bookings per second, and the citizen's balance page against a bare view.

    .venv/bin/python bench/sedute.py --codici 20000 --secondi 20 [--database-url postgres://…/bp_bench]

World (bulk_create, never one ORM save per row): --codici codes of a bench-only bando 2098, each with
0–6 sedute (prenotate, confermate with their UTILIZZO, annullate with their RILASCIO; the ledger exact),
booked with ~400 professionals; one citizen, alice, whose code carries 30 sedute with 8 professionals.
(a) The balance page `cittadino:codice` of alice's code and (b) a bare view (`HttpResponse("ok")`,
bench/sedute_urls.py) are served by the same gunicorn (sync workers, as docker-compose runs it) with
DEBUG=False (bench/sedute_settings.py), the same middleware and the same session cookie; --client
threads (default 4: one more than the workers, so the two cores are saturated without a deep queue in
front of the sync workers, whose latency then grows by one service time per extra client) request one view
for --secondi seconds, then the other: requests/s, p50 and p99 of each and their ratio. Before that,
the queries each view makes are listed (test client, CaptureQueriesContext).
(c) --prenotatori threads, one connection each, call `prenota_seduta` on distinct codes for --secondi
seconds: bookings/s, p50, p99; then the ledger of every code is checked against its columns.
Target: (a) ≥ 0.3 × (b) in requests/s, with (a)'s p99 < 100 ms. See bench/README.md for the figures.
"""

import argparse
import datetime as dt
import http.client
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graduatoria import cf_generator, ensure_database  # noqa: E402  (bench/ is this script's directory)

ANNO = 2098  # a bench-only bando, apart from graduatoria.py's 2099
SEDUTE_DI_ALICE = 30
PROFESSIONISTI_DI_ALICE = 8
IMPORTI = [Decimal("50.00"), Decimal("45.00"), Decimal("40.00"), Decimal("35.00")]
BATCH = 5000
TABELLE = [
    "accounts_user", "domande_domanda", "codici_codiceunivoco", "codici_movimentocodice", "sedute_seduta",
    "professionisti_professionista", "professionisti_studio",
]  # fmt: skip


def tempo(fn):
    t = time.perf_counter()
    result = fn()
    return time.perf_counter() - t, result


def costruisci_mondo(n_codici: int, seed: int = 20260301) -> dict:
    """Empty the bench database's citizens, codes, sedute and professionals, and write a new world."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone

    from apps.accounts.models import User
    from apps.codici.models import CodiceUnivoco, MovimentoCodice
    from apps.codici.services import genera_codice
    from apps.core.models import Provincia
    from apps.domande.models import Bando, Domanda
    from apps.professionisti.models import Professionista, Studio
    from apps.sedute.models import Seduta

    rnd = random.Random(seed)
    cf = cf_generator()
    with connection.cursor() as cur:  # a clean slate (bench database only)
        cur.execute(
            "TRUNCATE domande_domanda, professionisti_professionista, accounts_user, django_session CASCADE"
        )
    bando, _ = Bando.objects.update_or_create(
        anno=ANNO,
        defaults={
            "nome": "Bando di benchmark (sedute)", "apertura": dt.date(2025, 9, 15),
            "chiusura": dt.date(2025, 11, 14), "importo_fascia_a": Decimal("1500.00"),
            "importo_fascia_b": Decimal("1000.00"), "importo_fascia_c": Decimal("500.00"),
            "giorni_regolarizzazione": 15, "giorni_validita": 270, "giorni_prima_seduta": 60,
        },
    )  # fmt: skip
    province = list(Provincia.objects.values_list("sigla", "regione_id"))
    adesso = timezone.now()
    oggi = timezone.localdate(adesso)
    valido_dal, valido_fino_al = oggi - dt.timedelta(days=40), oggi + dt.timedelta(days=230)
    password = make_password(None)  # unusable: people log in through SPID/CIE

    n_prof = max(50, n_codici // 50)
    professionisti = Professionista.objects.bulk_create(
        [
            Professionista(
                codice_fiscale=cf(90_000_000 + i),
                cognome=f"Terapeuta{i:05d}",
                nome="Bench",
                ordine="Lazio",
                numero_iscrizione=f"B{i:06d}",
                data_iscrizione=dt.date(2010, 5, 1),
                data_adesione=dt.date(2022, 9, 1),
            )  # fmt: skip
            for i in range(n_prof)
        ],
        batch_size=BATCH,
    )
    studi = Studio.objects.bulk_create(
        [
            Studio(
                professionista=p,
                indirizzo=f"Via dei Bench {i}",
                comune="Roma",
                provincia_id=rnd.choice(province)[0],
                cap="00100",
                da_cnop=True,
            )  # fmt: skip
            for i, p in enumerate(professionisti)
        ],
        batch_size=BATCH,
    )
    studio_di = {s.professionista_id: s for s in studi}
    cittadini = [(cf(i), f"Nome{i}", f"Cognome{i}") for i in range(n_codici)]
    cittadini[0] = (cittadini[0][0], "Alice", "Russo")
    User.objects.bulk_create(
        [User(codice_fiscale=c, nome=n, cognome=s, password=password) for c, n, s in cittadini]
        + [User(codice_fiscale=p.codice_fiscale, nome=p.nome, cognome=p.cognome, password=password)
           for p in professionisti],
        batch_size=BATCH,
    )  # fmt: skip

    domande = []
    for i, (cf_b, _, _) in enumerate(cittadini):
        sigla, regione = rnd.choice(province)
        genitore = i > 0 and rnd.random() < 0.1  # a parent files for a child
        domande.append(
            Domanda(
                bando=bando,
                protocollo=f"S-{i:09d}",
                cf_beneficiario=cf_b,
                cf_richiedente=cf(50_000_000 + i // 2) if genitore else cf_b,
                relazione="genitore" if genitore else "se_stesso",
                regione_id=regione,
                provincia_id=sigla,
                isee=Decimal(rnd.randint(0, 5_000_000)) / 100,
                presentata_il=bando.inizio_finestra + dt.timedelta(seconds=rnd.randrange(60 * 86400)),
            )  # fmt: skip
        )
    domande[0].isee = Decimal("9000.00")  # alice: band A, 1 500.00
    Domanda.objects.bulk_create(domande, batch_size=BATCH)

    stringhe: set[str] = set()
    while len(stringhe) < n_codici:
        stringhe.add(genera_codice())
    codici, piani = [], []
    for domanda, stringa in zip(domande, stringhe, strict=True):
        assegnato = bando.importo_per_isee(domanda.isee)
        alice = domanda.protocollo == "S-000000000"
        n_sedute = SEDUTE_DI_ALICE if alice else rnd.choice([0, 1, 2, 3, 3, 4, 5, 6])
        chi = professionisti[:PROFESSIONISTI_DI_ALICE] if alice else rnd.sample(professionisti, 2)
        piano = []
        for _ in range(n_sedute):
            giorno = valido_dal + dt.timedelta(days=rnd.randrange((oggi - valido_dal).days + 60))
            inizio = timezone.make_aware(dt.datetime.combine(giorno, dt.time(rnd.randint(8, 19))))
            if inizio < adesso:
                stato = rnd.choices(["confermata", "prenotata", "annullata"], [70, 20, 10])[0]
            else:
                stato = rnd.choices(["prenotata", "annullata"], [85, 15])[0]
            piano.append((rnd.choice(chi), inizio, rnd.choice(IMPORTI), stato))
        prenotato = sum((imp for _, _, imp, st in piano if st == "prenotata"), Decimal("0.00"))
        utilizzato = sum((imp for _, _, imp, st in piano if st == "confermata"), Decimal("0.00"))
        residuo = assegnato - prenotato - utilizzato
        codici.append(
            CodiceUnivoco(
                codice=stringa,
                domanda=domanda,
                assegnato=assegnato,
                prenotato=prenotato,
                utilizzato=utilizzato,
                stato="esaurito" if residuo == 0 else "attivo",
                valido_dal=valido_dal,
                valido_fino_al=valido_fino_al,
                prima_seduta_entro=valido_dal + dt.timedelta(days=60),
            )  # fmt: skip
        )
        piani.append(piano)
    CodiceUnivoco.objects.bulk_create(codici, batch_size=BATCH)

    sedute = []
    for codice, piano in zip(codici, piani, strict=True):
        for prof, inizio, importo, stato in piano:
            seduta = Seduta(
                professionista=prof, codice=codice, studio=studio_di[prof.pk], inizio=inizio,
                durata_minuti=50, importo=importo, stato=stato,
            )  # fmt: skip
            if stato == "confermata":
                seduta.confermata_il = inizio + dt.timedelta(hours=1)
            elif stato == "annullata":
                seduta.annullata_il, seduta.annullata_da = inizio - dt.timedelta(days=1), "professionista"
            sedute.append(seduta)
    Seduta.objects.bulk_create(sedute, batch_size=BATCH)

    movimenti = [
        MovimentoCodice(
            codice=c, tipo="assegnazione", delta_assegnato=c.assegnato, riferimento=f"bench:{ANNO}"
        )
        for c in codici
    ]
    for s in sedute:
        movimenti.append(
            MovimentoCodice(
                codice=s.codice, tipo="prenotazione", delta_prenotato=s.importo, riferimento=s.numero
            )
        )
        if s.stato == "confermata":
            movimenti.append(
                MovimentoCodice(
                    codice=s.codice,
                    tipo="utilizzo",
                    delta_prenotato=-s.importo,
                    delta_utilizzato=s.importo,
                    riferimento=s.numero,
                )  # fmt: skip
            )
        elif s.stato == "annullata":
            movimenti.append(
                MovimentoCodice(
                    codice=s.codice, tipo="rilascio", delta_prenotato=-s.importo, riferimento=s.numero
                )
            )
    MovimentoCodice.objects.bulk_create(movimenti, batch_size=BATCH)
    with connection.cursor() as cur:  # what autovacuum does after a bulk load
        for tabella in TABELLE:
            cur.execute(f"VACUUM (ANALYZE) {tabella}")
    return {"codici": len(codici), "sedute": len(sedute), "movimenti": len(movimenti)}


def carica_mondo() -> dict:
    """What the measures need from the bench world: alice, her code, the professionals and their studi."""
    from apps.accounts.models import User
    from apps.codici.models import CodiceUnivoco
    from apps.professionisti.models import Professionista, Studio

    codice_alice = CodiceUnivoco.objects.select_related("domanda").get(domanda__protocollo="S-000000000")
    return {
        "alice": User.objects.get(codice_fiscale=codice_alice.domanda.cf_beneficiario),
        "codice_alice": codice_alice,
        "professionisti": list(
            Professionista.objects.filter(cognome__startswith="Terapeuta").order_by("cognome")
        ),
        "studio_di": {s.professionista_id: s for s in Studio.objects.filter(da_cnop=True)},
    }


def cookie_di_sessione(user) -> str:
    """A logged-in session as the identity adapter leaves it (ModelBackend), sent as a cookie."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    sessione = SessionStore()
    sessione[SESSION_KEY] = str(user.pk)
    sessione[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    sessione[HASH_SESSION_KEY] = user.get_session_auth_hash()
    sessione.create()
    return f"{settings.SESSION_COOKIE_NAME}={sessione.session_key}"


def query_di(user, percorso: str) -> list[str]:
    """The SQL one request makes, through the same middleware (test client, in process)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as catturate:
        risposta = client.get(percorso)
    assert risposta.status_code == 200, risposta.status_code
    return [q["sql"] for q in catturate.captured_queries]


class Gunicorn:
    """The portal under gunicorn, started and stopped by this script only (its own process id)."""

    def __init__(self, porta: int, workers: int):
        self.porta, self.workers = porta, workers
        self.log = tempfile.TemporaryFile()  # noqa: SIM115  (closed in __exit__)

    def __enter__(self):
        cmd = [
            sys.executable, "-m", "gunicorn", "bonuspsi.wsgi:application", "--chdir", str(ROOT),
            "--bind", f"127.0.0.1:{self.porta}", "--workers", str(self.workers), "--log-level", "warning",
        ]  # fmt: skip
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=self.log, stderr=self.log)  # noqa: S603
        scadenza = time.monotonic() + 30
        while time.monotonic() < scadenza:
            try:
                stato, _ = richiesta(self.porta, "/bench/nudo/", "")
                if stato == 200:
                    return self
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        sys.exit("gunicorn non risponde")

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(timeout=30)
        if self.proc.returncode not in (0, -15):
            self.log.seek(0)
            print(self.log.read().decode()[-3000:])
        self.log.close()


def richiesta(porta: int, percorso: str, cookie: str, conn=None) -> tuple[int, bytes]:
    conn = conn or http.client.HTTPConnection("127.0.0.1", porta, timeout=10)
    conn.request("GET", percorso, headers={"Cookie": cookie} if cookie else {})
    risposta = conn.getresponse()
    return risposta.status, risposta.read()


def carico(porta: int, percorso: str, cookie: str, client: int, secondi: float) -> dict:
    """`client` threads, each one request after the other, for `secondi` seconds."""
    latenze: list[list[float]] = [[] for _ in range(client)]
    errori: list[int] = [0] * client
    via = threading.Barrier(client + 1)
    fine = [0.0]

    def lavora(n: int):
        # gunicorn's sync workers close the connection after each response; http.client reopens it.
        conn = http.client.HTTPConnection("127.0.0.1", porta, timeout=10)
        via.wait()
        while (t0 := time.perf_counter()) < fine[0]:
            stato, _ = richiesta(porta, percorso, cookie, conn)
            latenze[n].append(time.perf_counter() - t0)
            errori[n] += stato != 200
        conn.close()

    threads = [threading.Thread(target=lavora, args=(n,)) for n in range(client)]
    for t in threads:
        t.start()
    cpu = time.process_time()  # this process only runs the client while gunicorn serves
    inizio = time.perf_counter()
    fine[0] = inizio + secondi
    via.wait()
    for t in threads:
        t.join()
    durata = time.perf_counter() - inizio
    tutte = sorted(x for lista in latenze for x in lista)
    return {
        "n": len(tutte),
        "al_secondo": len(tutte) / durata,
        "p50": statistics.median(tutte) * 1000,
        "p99": tutte[int(len(tutte) * 0.99)] * 1000,
        "errori": sum(errori),
        "cpu_client_ms": (time.process_time() - cpu) / len(tutte) * 1000,
    }


def prenotazioni(mondo: dict, thread: int, secondi: float) -> dict:
    """`thread` threads, one connection each, booking 50.00 on distinct codes for `secondi` seconds."""
    from django.db import connection
    from django.db.models import F
    from django.utils import timezone

    from apps.accounts.models import User
    from apps.codici.models import CodiceUnivoco
    from apps.core.exceptions import DomainError as SedutaError
    from apps.sedute.services import prenota_seduta

    codici = list(
        CodiceUnivoco.objects.filter(stato="attivo", assegnato__gte=F("prenotato") + F("utilizzato") + 50)
        .exclude(pk=mondo["codice_alice"].pk)
        .values_list("pk", "domanda__cf_beneficiario")
    )
    random.Random(7).shuffle(codici)
    professionisti = mondo["professionisti"][PROFESSIONISTI_DI_ALICE:]
    utenti = {
        u.codice_fiscale: u
        for u in User.objects.filter(codice_fiscale__in=[p.codice_fiscale for p in professionisti])
    }
    inizio_seduta = timezone.make_aware(
        dt.datetime.combine(timezone.localdate() + dt.timedelta(days=2), dt.time(10))
    )
    latenze: list[list[float]] = [[] for _ in range(thread)]
    errori: list[list[str]] = [[] for _ in range(thread)]
    esauriti: list[int] = []
    via = threading.Barrier(thread + 1)
    fine = [0.0]

    def lavora(n: int):
        try:
            connection.ensure_connection()
            via.wait()
            for i, (codice_id, cf) in enumerate(codici[n::thread]):
                t0 = time.perf_counter()
                if t0 >= fine[0]:
                    break
                prof = professionisti[(n + i * thread) % len(professionisti)]
                try:
                    prenota_seduta(
                        utenti[prof.codice_fiscale], prof, codice_id=codice_id, codice_fiscale=cf,
                        studio=mondo["studio_di"][prof.pk],
                        inizio=inizio_seduta, durata_minuti=50, importo=Decimal("50.00"),
                    )  # fmt: skip
                    latenze[n].append(time.perf_counter() - t0)
                except SedutaError as exc:
                    errori[n].append(exc.message)
            else:
                esauriti.append(n)
        finally:
            connection.close()

    threads = [threading.Thread(target=lavora, args=(n,)) for n in range(thread)]
    for t in threads:
        t.start()
    inizio = time.perf_counter()
    fine[0] = inizio + secondi
    via.wait()
    for t in threads:
        t.join()
    durata = time.perf_counter() - inizio
    tutte = sorted(x for lista in latenze for x in lista)
    if esauriti:
        print("attenzione: codici esauriti prima della fine, aumentare --codici")
    return {
        "n": len(tutte),
        "al_secondo": len(tutte) / durata,
        "p50": statistics.median(tutte) * 1000,
        "p99": tutte[int(len(tutte) * 0.99)] * 1000,
        "errori": sum(len(e) for e in errori),
    }


def registro_coerente() -> int:
    """How many codes' columns differ from the sums of their ledger (must be 0)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            """SELECT count(*) FROM codici_codiceunivoco c JOIN (
                   SELECT codice_id, sum(delta_assegnato) a, sum(delta_prenotato) p, sum(delta_utilizzato) u
                   FROM codici_movimentocodice GROUP BY codice_id) m ON m.codice_id = c.id
               WHERE (c.assegnato, c.prenotato, c.utilizzato) IS DISTINCT FROM (m.a, m.p, m.u)"""
        )
        return cur.fetchone()[0]


def prepara_django(database_url: str, conn_max_age: int, settings_module: str) -> None:
    """Point Django (and the gunicorn it starts, which inherits the environment) at the scratch database
    with production settings, then migrate, load the reference data and collect the static files."""
    ensure_database(database_url)
    os.environ["DATABASE_URL"] = database_url
    os.environ["CONN_MAX_AGE"] = str(conn_max_age)
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    assert not settings.DEBUG, "the bench must run with DEBUG=False"
    call_command("migrate", verbosity=0)
    call_command("load_reference_data", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--codici", type=int, default=20_000)
    parser.add_argument("--secondi", type=float, default=20)
    parser.add_argument("--client", type=int, default=4, help="HTTP client threads (workers + 1: saturated)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers (docker-compose: 3)")
    parser.add_argument("--prenotatori", type=int, default=8, help="booking threads")
    parser.add_argument("--conn-max-age", type=int, default=0, help="CONN_MAX_AGE (production default: 0)")
    parser.add_argument("--porta", type=int, default=8765)
    parser.add_argument(
        "--riusa-mondo", action="store_true", help="skip building the world: reuse the last one"
    )
    parser.add_argument("--solo-http", action="store_true", help="skip the bookings (they change the world)")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/bp_bench")
    args = parser.parse_args()

    prepara_django(args.database_url, args.conn_max_age, "bench.sedute_settings")
    from django.urls import reverse

    if args.riusa_mondo:
        print("mondo: quello già nel database (--riusa-mondo)")
    else:
        t_mondo, righe = tempo(lambda: costruisci_mondo(args.codici))
        print(f"mondo: {righe['codici']:,} codici, {righe['sedute']:,} sedute, {righe['movimenti']:,} "
              f"movimenti in {t_mondo:.1f} s")  # fmt: skip
    mondo = carica_mondo()
    alice = mondo["alice"]
    pagina = reverse("cittadino:codice", args=[mondo["codice_alice"].pk])
    nudo = reverse("bench_nudo")
    for nome, percorso in [("vista nuda", nudo), ("pagina del saldo", pagina)]:
        sql = query_di(alice, percorso)
        print(f"\n{nome} {percorso}: {len(sql)} query")
        for q in sql:
            print(f"  - {q[:200]}{'…' if len(q) > 200 else ''}")

    cookie = cookie_di_sessione(alice)
    with Gunicorn(args.porta, args.workers):
        stato, corpo = richiesta(args.porta, pagina, cookie)
        assert stato == 200, stato
        assert corpo.count(b"<tr>") == SEDUTE_DI_ALICE + 1, "the page must list alice's sedute"
        carico(args.porta, nudo, cookie, args.client, 2)  # warm-up: every worker, both views
        carico(args.porta, pagina, cookie, args.client, 2)
        risultati = {
            "nuda": carico(args.porta, nudo, cookie, args.client, args.secondi),
            "pagina": carico(args.porta, pagina, cookie, args.client, args.secondi),
        }
    if not args.solo_http:
        risultati["prenota"] = prenotazioni(mondo, args.prenotatori, args.secondi)
    divergenti = registro_coerente()

    print(f"\n{args.client} client HTTP, gunicorn {args.workers} worker sync, "
          f"CONN_MAX_AGE={args.conn_max_age}, {args.prenotatori} thread di prenotazione, "
          f"{args.secondi:g} s ciascuno\n")  # fmt: skip
    print("| misura | al secondo | p50 ms | p99 ms | errori |")
    print("|---|---|---|---|---|")
    etichette = {
        "nuda": "vista nuda `/bench/nudo/`",
        "pagina": f"pagina del saldo ({SEDUTE_DI_ALICE} sedute)",
        "prenota": "prenotazioni (`prenota_seduta`)",
    }
    for chiave, etichetta in etichette.items():
        if chiave not in risultati:
            continue
        r = risultati[chiave]
        print(f"| {etichetta} | {r['al_secondo']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['errori']} |")
    print(f"\nCPU del client per richiesta: {risultati['nuda']['cpu_client_ms']:.2f} ms (vista nuda), "
          f"{risultati['pagina']['cpu_client_ms']:.2f} ms (pagina)")  # fmt: skip
    rapporto = risultati["pagina"]["al_secondo"] / risultati["nuda"]["al_secondo"]
    p99 = risultati["pagina"]["p99"]
    print(f"\npagina / vista nuda = {rapporto:.2f}x "
          f"(obiettivo >= 0.3: {'raggiunto' if rapporto >= 0.3 else 'NO'}); "
          f"p99 pagina {p99:.1f} ms (obiettivo < 100: {'raggiunto' if p99 < 100 else 'NO'})")  # fmt: skip
    print(f"registro: {divergenti} codici con colonne diverse dalla somma dei movimenti (deve essere 0)")


if __name__ == "__main__":
    main()
