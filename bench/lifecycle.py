"""Benchmark of the code's lifecycle jobs over a whole bando: expiry and scorrimento, each against a plain
SQL statement over the same rows in the same run.

    .venv/bin/python bench/lifecycle.py --codici 400000 --coda 200000 \
        [--database-url postgres://…/bp_bench_lifecycle]

World (SQL generate_series for the domande, sedute and professionals; the real services, untimed, for the
ranking and the publication): a bench-only bando 2099 over all 21 regions (weighted by population),
CODICI + CODA domande with ISEE uniform 0–50 000; each region's budget funds its first share of them in
graduatoria order and half of the next one (one parzialmente accolta per region), the rest (CODA) stay
non_accolta_provvisoria. `calcola_graduatorie` + `pubblica_graduatorie` issue the codes with their ledgers.
Every 10th code has a confermata seduta in its validity and a prenotata one after it (expiry cancels it);
every 10th + 5 a prenotata one inside its validity (it stays). Then, timed:
(a) a plain `UPDATE codici_codiceunivoco SET stato = 'scaduto'` of the same rows, rolled back, vs
(b) `manage.py scadenza_codici --oggi` (the day after the validity: every code expires) as a subprocess
    (wall time includes Django's start-up; peak RSS is the child's), then `verifica_fondi` == [];
(c) a plain SQL scorrimento, rolled back: the same running sum choosing the funded Posizioni, their UPDATE
    and an INSERT … SELECT of as many code rows into a scratch table, vs
(d) `manage.py scorrimento --bando 2099 --oggi` (subprocess), then `verifica_fondi` == [].
Target: (b) and (d) ≤ 60 s each, set-based. Figures in bench/README.md.
"""

import argparse
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graduatoria import ensure_database, tempo  # noqa: E402  (bench/ is this script's directory)

ANNO = 2099  # a bench-only bando
PUBBLICAZIONE = dt.date(2099, 6, 1)
GIORNI_VALIDITA = 270
FINE_VALIDITA = PUBBLICAZIONE + dt.timedelta(days=GIORNI_VALIDITA)  # 2100-02-26
OGGI = FINE_VALIDITA + dt.timedelta(days=1)  # every code expires; the scorrimento runs the same day
# Rough population weights (millions) by Ministry of Health region code (as bench/graduatoria.py).
PESI = {
    "010": 4.2, "020": 0.12, "030": 10.0, "041": 0.53, "042": 0.54, "050": 4.8, "060": 1.2, "070": 1.5,
    "080": 4.4, "090": 3.6, "100": 0.86, "110": 1.5, "120": 5.7, "130": 1.3, "140": 0.29, "150": 5.6,
    "160": 3.9, "170": 0.54, "180": 1.8, "190": 4.8, "200": 1.6,
}  # fmt: skip
PARZIALE = 250  # € of the next applicant's 500/1 000/1 500 each region's budget also covers


# The command runs under a small Python launcher that reports its child's peak RSS: a child forked from
# this process directly would inherit its peak (the publication runs in here), as ru_maxrss survives exec.
LANCIATORE = (
    "import resource, subprocess, sys; r = subprocess.run(sys.argv[2:]); "
    "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); "
    "sys.exit(r.returncode)"
)


def esegui(argomenti: list[str], env: dict) -> tuple[float, float, str]:
    """A manage.py command as a subprocess: wall time, its peak RSS (MB), its stdout."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        rss_file = Path(tmp) / "rss"
        cmd = [sys.executable, "-c", LANCIATORE, str(rss_file), sys.executable, str(ROOT / "manage.py")]
        t = time.perf_counter()
        proc = subprocess.run([*cmd, *argomenti], cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
        durata = time.perf_counter() - t
        if proc.returncode:
            print(proc.stdout, proc.stderr[-5000:])
            sys.exit(f"{argomenti[0]} fallito")
        return durata, int(rss_file.read_text()) / 1024, proc.stdout


def prepara(codici: int, coda: int, professionisti: int) -> int:
    """A clean bench world; returns the bando's pk."""
    from decimal import Decimal

    from django.core.management import call_command
    from django.db import connection

    from apps.domande.models import Bando, BudgetRegionale
    from apps.graduatorie.fondo import verifica_fondi
    from apps.graduatorie.services import calcola_graduatorie, pubblica_graduatorie

    call_command("migrate", verbosity=0)
    call_command("load_reference_data", verbosity=0)
    with connection.cursor() as cur:  # bench database only
        cur.execute(
            "TRUNCATE core_notifica, codici_movimentofondo, codici_movimentocodice, sedute_seduta, "
            "graduatorie_posizione, graduatorie_scorrimento, graduatorie_graduatoria, "
            "codici_codiceunivoco, professionisti_studio, professionisti_professionista, "
            "domande_domanda CASCADE"
        )
    bando, _ = Bando.objects.update_or_create(
        anno=ANNO,
        defaults={
            "nome": "Bando di benchmark", "apertura": dt.date(2099, 3, 1), "chiusura": dt.date(2099, 4, 29),
            "importo_fascia_a": Decimal("1500.00"), "importo_fascia_b": Decimal("1000.00"),
            "importo_fascia_c": Decimal("500.00"), "giorni_regolarizzazione": 15,
            "giorni_validita": GIORNI_VALIDITA, "giorni_prima_seduta": None, "scorrimenti_massimi": None,
            "termine_fatturazione": None, "graduatoria_pubblicata_il": None,
        },
    )  # fmt: skip
    n = codici + coda
    regioni = list(PESI)
    totale_pesi = sum(PESI.values())
    cumulati, s = [], 0.0
    for r in regioni:
        cumulati.append((r, s / totale_pesi, (s + PESI[r]) / totale_pesi))
        s += PESI[r]
    with connection.cursor() as cur:
        cur.execute("SELECT setseed(0.20990601)")
        cur.execute(
            """CREATE TEMP TABLE bench_regioni AS
            SELECT r.codice, r.da, r.a, (SELECT min(p.sigla) FROM core_provincia p
                WHERE p.regione_id = r.codice) AS provincia
            FROM unnest(%s::varchar[], %s::float8[], %s::float8[]) AS r(codice, da, a)""",
            [regioni, [c[1] for c in cumulati], [c[2] for c in cumulati]],
        )
        cur.execute(
            """INSERT INTO domande_domanda (bando_id, protocollo, richiedente_id, cf_richiedente,
                cf_beneficiario, relazione, regione_id, provincia_id, isee, isee_tipo, isee_difforme,
                isee_regolarizzato_il, attestazione_id, presentata_il, email, cellulare, canale,
                dichiarazione_dpr445, chiave_invio, creata_il)
            SELECT %(bando)s, 'L-' || lpad(x.i::text, 9, '0'), NULL, 'BNCLFC' || lpad(x.i::text, 10, '0'),
                'BNCLFC' || lpad(x.i::text, 10, '0'), 'se_stesso', r.codice, r.provincia,
                round((x.v * 5000000)::numeric) / 100, 'ordinario', false, NULL, NULL,
                timestamptz '2099-03-01 00:00:00+00' + x.w * interval '59 days',
                'u' || x.i || '@example.org', '+39333' || lpad(x.i::text, 7, '0'), 'web', true, NULL, now()
            FROM (SELECT i, random() AS u, random() AS v, random() AS w
                  FROM generate_series(1, %(n)s) i) x
            JOIN bench_regioni r ON x.u >= r.da AND (x.u < r.a OR r.a >= 1)""",
            {"bando": bando.pk, "n": n},
        )
        # Each region funds its first share (codici / n) of its domande in graduatoria order, plus
        # PARZIALE € of the next one: the ranking's own order (ranking._sql) and bands.
        cur.execute(
            """SELECT regione_id, sum(importo) FILTER (WHERE pos <= quota) + %(parziale)s
            FROM (SELECT d.regione_id,
                    CASE WHEN d.isee < 15000 THEN 1500 WHEN d.isee <= 30000 THEN 1000 ELSE 500 END AS importo,
                    row_number() OVER (PARTITION BY d.regione_id ORDER BY d.isee, d.presentata_il,
                        d.protocollo COLLATE "C") AS pos,
                    round(count(*) OVER (PARTITION BY d.regione_id) * %(quota)s) AS quota
                  FROM domande_domanda d WHERE d.bando_id = %(bando)s) x
            GROUP BY regione_id""",
            {"bando": bando.pk, "quota": codici / n, "parziale": PARZIALE},
        )
        budget = dict(cur.fetchall())
    BudgetRegionale.objects.filter(bando=bando).delete()
    BudgetRegionale.objects.bulk_create(
        [BudgetRegionale(bando=bando, regione_id=r, importo=Decimal(v)) for r, v in budget.items()]
    )
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) domande_domanda")
    t, _ = tempo(lambda: calcola_graduatorie(bando))
    print(f"  calcola_graduatorie: {t:.1f} s")
    t, pub = tempo(lambda: pubblica_graduatorie(bando, data=PUBBLICAZIONE))
    print(f"  pubblica_graduatorie: {t:.1f} s ({pub['codici']:,} codici, {pub['notifiche']:,} notifiche)")

    seduta_ok = dt.datetime(2099, 7, 1, 10, tzinfo=dt.UTC)  # held and confirmed within the validity
    dentro = dt.datetime(2100, 2, 20, 10, tzinfo=dt.UTC)  # booked within the validity: stays
    dopo = dt.datetime(2100, 3, 10, 10, tzinfo=dt.UTC)  # booked after it: expiry cancels it
    with connection.cursor() as cur:
        cur.execute(
            """INSERT INTO professionisti_professionista (codice_fiscale, cognome, nome, ordine,
                numero_iscrizione, data_iscrizione, psicoterapeuta, data_adesione, stato, in_lista,
                email, pec, aggiornato_il)
            SELECT 'BP' || lpad(i::text, 14, '0'), 'Cognome' || i, 'Nome', 'Lazio', i::text,
                '2010-01-01', true, '2022-09-01', 'aderente', true, 'p' || i || '@example.org', '', now()
            FROM generate_series(1, %s) i""",
            [professionisti],
        )
        cur.execute(
            """INSERT INTO professionisti_studio (professionista_id, indirizzo, comune, provincia_id, cap,
                da_cnop, creato_il)
            SELECT id, 'Via Roma 1', 'Roma', 'RM', '00100', true, now() FROM professionisti_professionista"""
        )
        cur.execute(
            "SELECT array_agg(professionista_id ORDER BY id), array_agg(id ORDER BY id) "
            "FROM professionisti_studio"
        )
        prof, studi = cur.fetchone()
        sedute = [
            # (which codes, stato, inizio, confermata)
            ("c.id %% 10 = 0", "confermata", seduta_ok),
            ("c.id %% 10 = 0", "prenotata", dopo),
            ("c.id %% 10 = 5", "prenotata", dentro),
        ]
        for filtro, stato, inizio in sedute:
            cur.execute(
                f"""INSERT INTO sedute_seduta (professionista_id, codice_id, studio_id, inizio, durata_minuti,
                    importo, stato, prenotata_il, modificata_il, confermata_il, annullata_il, rimborsata_il,
                    annullata_da, chiave_invio, revisione)
                SELECT p.ids[1 + c.id %% array_length(p.ids, 1)], c.id,
                    s.ids[1 + c.id %% array_length(s.ids, 1)], %(inizio)s, 50, 50.00, %(stato)s,
                    timestamptz '2099-06-15 09:00:00+00',
                    NULL, CASE WHEN %(stato)s = 'confermata' THEN %(inizio)s END, NULL, NULL, '', NULL, 0
                FROM codici_codiceunivoco c, (SELECT %(prof)s::bigint[] AS ids) p,
                    (SELECT %(studi)s::bigint[] AS ids) s
                WHERE {filtro}""",
                {"inizio": inizio, "stato": stato, "prof": prof, "studi": studi},
            )
        # The ledger of each booking and confirmation, then the codes' columns from it
        # (services.prenota_seduta and conferma_seduta write the same movements).
        cur.execute(
            """INSERT INTO codici_movimentocodice (codice_id, tipo, delta_assegnato, delta_prenotato,
                delta_utilizzato, riferimento, creato_il)
            SELECT s.codice_id, 'prenotazione', 0, s.importo, 0, 'S' || lpad(s.id::text, 8, '0'),
                s.prenotata_il
            FROM sedute_seduta s
            UNION ALL
            SELECT s.codice_id, 'utilizzo', 0, -s.importo, s.importo, 'S' || lpad(s.id::text, 8, '0'),
                s.confermata_il
            FROM sedute_seduta s WHERE s.stato = 'confermata'"""
        )
        cur.execute(
            """UPDATE codici_codiceunivoco c SET prenotato = x.p, utilizzato = x.u
            FROM (SELECT codice_id, sum(CASE WHEN stato = 'prenotata' THEN importo ELSE 0 END) AS p,
                    sum(CASE WHEN stato = 'confermata' THEN importo ELSE 0 END) AS u
                  FROM sedute_seduta GROUP BY codice_id) x
            WHERE x.codice_id = c.id"""
        )
        cur.execute("VACUUM (ANALYZE)")
    problemi = verifica_fondi(bando)
    assert problemi == [], problemi[:5]
    return bando.pk


def scadenza_nuda() -> int:
    """(a) The floor of expiry: the same rows' state in one UPDATE, rolled back."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "UPDATE codici_codiceunivoco SET stato = 'scaduto' "
            "WHERE valido_fino_al < %s AND stato IN ('attivo', 'esaurito')",
            [OGGI],
        )
        n = cur.rowcount
        transaction.set_rollback(True)
    return n


def scorrimento_nudo(bando_id: int) -> int:
    """(c) The floor of scorrimento, rolled back: the same running sum over each region's
    non_accolta_provvisoria Posizioni against its pool, their UPDATE, and as many code rows written by
    INSERT … SELECT into a plain scratch table (random codes, no ledger, no notices)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            """CREATE TEMP TABLE bench_scelti AS
            SELECT x.domanda_id, x.graduatoria_id,
                CASE WHEN x.cum <= x.fondo THEN x.importo ELSE x.fondo - (x.cum - x.importo) END AS importo
            FROM (SELECT p.domanda_id, p.graduatoria_id, g.budget - g.assegnato AS fondo,
                    CASE WHEN d.isee < 15000 THEN 1500 WHEN d.isee <= 30000 THEN 1000 ELSE 500 END AS importo,
                    sum(CASE WHEN d.isee < 15000 THEN 1500 WHEN d.isee <= 30000 THEN 1000 ELSE 500 END)
                        OVER (PARTITION BY p.graduatoria_id ORDER BY p.posizione ROWS UNBOUNDED PRECEDING)
                        AS cum
                  FROM graduatorie_posizione p
                  JOIN graduatorie_graduatoria g ON g.id = p.graduatoria_id
                  JOIN domande_domanda d ON d.id = p.domanda_id
                  WHERE g.bando_id = %s AND p.esito = 'non_accolta_provvisoria') x
            WHERE x.cum - x.importo < x.fondo""",
            [bando_id],
        )
        cur.execute(
            """UPDATE graduatorie_posizione p SET esito = 'accolta', importo_assegnato = s.importo
            FROM bench_scelti s WHERE p.domanda_id = s.domanda_id"""
        )
        n = cur.rowcount
        cur.execute(
            "CREATE TABLE bench_codici (codice varchar(12), domanda_id bigint, assegnato numeric(12, 2), "
            "valido_dal date, valido_fino_al date)"
        )
        cur.execute(
            """INSERT INTO bench_codici
            SELECT upper(substr(md5(random()::text), 1, 12)), domanda_id, importo, %s, %s
            FROM bench_scelti""",
            [OGGI, OGGI + dt.timedelta(days=GIORNI_VALIDITA)],
        )
        transaction.set_rollback(True)
    return n


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--codici", type=int, default=400_000, help="codes issued at publication")
    parser.add_argument("--coda", type=int, default=200_000, help="domande left non_accolta_provvisoria")
    parser.add_argument("--professionisti", type=int, default=2_000)
    parser.add_argument("--solo-mondo", action="store_true", help="generate the world and stop")
    parser.add_argument(
        "--riusa-mondo",
        action="store_true",
        help="time on the world already in the database (a fresh copy of a --solo-mondo one)",
    )
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/bp_bench_lifecycle")
    args = parser.parse_args()

    ensure_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bonuspsi.settings")
    # Notices are queued in the outbox (core_notifica) by the jobs, in their transaction; sending them is
    # the Celery worker's work. Without a broker Celery runs eager and would send every e-mail and SMS
    # inside the command (and inside the publication): an in-memory broker takes the task and no worker
    # runs it, as when the worker is busy elsewhere.
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.db import connection

    from apps.domande.models import Bando
    from apps.graduatorie.fondo import verifica_fondi

    def conta(sql: str, params=()) -> int:
        with connection.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchone()[0]

    if args.riusa_mondo:
        t_prep, bando_id = 0.0, Bando.objects.get(anno=ANNO).pk
    else:
        t_prep, bando_id = tempo(lambda: prepara(args.codici, args.coda, args.professionisti))
    if args.solo_mondo:
        print(f"mondo pronto in {t_prep:.1f} s")
        return
    bando = Bando.objects.get(pk=bando_id)
    n_codici = conta("SELECT count(*) FROM codici_codiceunivoco")
    n_coda = conta("SELECT count(*) FROM graduatorie_posizione WHERE esito = 'non_accolta_provvisoria'")
    n_pren = conta("SELECT count(*) FROM sedute_seduta WHERE stato = 'prenotata' AND inizio > %s", [OGGI])
    print(
        f"{n_codici:,} codici, {n_coda:,} in coda, {n_pren:,} sedute prenotate dopo la validità: "
        f"mondo pronto in {t_prep:.1f} s"
    )
    env = {**os.environ, "DATABASE_URL": args.database_url}

    t_a, n_a = tempo(scadenza_nuda)
    print(f"(a) UPDATE nudo (rollback):        {t_a:7.2f} s  ({n_a:,} righe)")
    t_b, rss_b, out = esegui(["scadenza_codici", "--oggi", OGGI.isoformat()], env)
    print(f"(b) scadenza_codici:               {t_b:7.2f} s  picco RSS {rss_b:.0f} MB")
    print("    " + out.strip().replace("\n", "\n    "))
    problemi = verifica_fondi(bando)
    assert problemi == [], problemi[:5]
    scaduti = conta("SELECT count(*) FROM codici_codiceunivoco WHERE stato = 'scaduto'")
    annullate = conta("SELECT count(*) FROM sedute_seduta WHERE annullata_da = 'ufficio'")
    assert scaduti == n_a == n_codici, (scaduti, n_a, n_codici)
    assert annullate == n_pren, (annullate, n_pren)
    print(f"    verifica_fondi: [] — {scaduti:,} scaduti, {annullate:,} sedute annullate")

    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE)")  # as autovacuum would after 400 000 updates, before either run
    t_c, n_c = tempo(lambda: scorrimento_nudo(bando_id))
    print(f"(c) scorrimento SQL nudo (rollback): {t_c:5.2f} s  ({n_c:,} posizioni e codici)")
    prima = n_codici
    t_d, rss_d, out = esegui(["scorrimento", "--bando", str(ANNO), "--oggi", OGGI.isoformat()], env)
    print(f"(d) scorrimento:                   {t_d:7.2f} s  picco RSS {rss_d:.0f} MB")
    print("    " + out.strip().splitlines()[0])
    problemi = verifica_fondi(bando)
    assert problemi == [], problemi[:5]
    nuovi = conta("SELECT count(*) FROM codici_codiceunivoco") - prima
    assert nuovi == n_c, (nuovi, n_c)
    print(f"    verifica_fondi: [] — {nuovi:,} nuovi codici")

    print()
    print("| passo | N | tempo | SQL nudo | rapporto | picco RSS | obiettivo ≤ 60 s |")
    print("|---|---|---|---|---|---|---|")
    for nome, n, t, nudo, rss in (
        ("scadenza_codici", n_a, t_b, t_a, rss_b),
        ("scorrimento", n_c, t_d, t_c, rss_d),
    ):
        esito = "sì" if t <= 60 else "no"
        print(f"| {nome} | {n:,} | {t:.2f} s | {nudo:.2f} s | {t / nudo:.1f}× | {rss:.0f} MB | {esito} |")


if __name__ == "__main__":
    main()
