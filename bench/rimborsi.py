"""Benchmark of the monthly batch (and of the SEPA export, when `esporta_sepa` exists).

    .venv/bin/python bench/rimborsi.py --fatture 100000 --professionisti 5000 \
        [--database-url postgres://…/bp_bench_rimborsi]

Data are generated with SQL (generate_series), not the ORM: N fatture of month 2024-10 over P
professionals (one current channel each, 2 % of them an Ente's) and all 21 regions, one code per region;
each region's transfers cover about 90 % of its fatture, so the batch also suspends some. Then:
(a) a bare `INSERT … SELECT` of the same grouping (running sum per region against its funds, then one
    row per professional and channel) into a plain table, vs
(b) `manage.py genera_rimborsi --mese 2024-10` as a subprocess (wall time includes Django's start-up;
    peak RSS is the child's ru_maxrss), then
(c) `manage.py esporta_sepa --mese 2024-10 --output FILE.xml`, if the command exists.
Target: (b) + (c) ≤ 30 s, memory bounded. Figures in bench/README.md.
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ANNO = 2099  # a bench-only bando
MESE = "2024-10"  # a month already ended; the bando is the bench's 2099


def ensure_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    nome = parsed.path.lstrip("/")
    admin = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [nome]).fetchone():
            conn.execute(f'CREATE DATABASE "{nome}"')


def tempo(fn):
    t = time.perf_counter()
    result = fn()
    return time.perf_counter() - t, result


def prepara(n: int, professionisti: int) -> int:
    """A clean bench world; returns the bando's pk."""
    import datetime as dt
    from decimal import Decimal

    from django.core.management import call_command
    from django.db import connection

    from apps.codici.models import CodiceUnivoco
    from apps.core.models import Provincia, Regione
    from apps.domande.models import Bando, Domanda

    call_command("migrate", verbosity=0)
    call_command("load_reference_data", verbosity=0)
    with connection.cursor() as cur:  # bench database only
        cur.execute(
            "TRUNCATE rimborsi_vocerimborso, rimborsi_fatturasospesa, rimborsi_rimborso, "
            "rimborsi_lottorimborsi, rimborsi_trasferimentorisorse, fatture_sedutafatturata, "
            "fatture_fattura, codici_movimentocodice, sedute_seduta, codici_codiceunivoco, "
            "professionisti_canaleaccredito, professionisti_studio, "
            "professionisti_professionista, domande_domanda CASCADE"
        )
    bando, _ = Bando.objects.update_or_create(
        anno=ANNO,
        defaults={
            "nome": "Bando di benchmark", "apertura": dt.date(2099, 3, 1), "chiusura": dt.date(2099, 4, 29),
            "importo_fascia_a": Decimal("1500.00"), "importo_fascia_b": Decimal("1000.00"),
            "importo_fascia_c": Decimal("500.00"), "giorni_regolarizzazione": 15, "giorni_validita": 270,
        },
    )  # fmt: skip
    regioni = list(Regione.objects.order_by("codice").values_list("codice", flat=True))
    provincia = {r: p for p, r in Provincia.objects.values_list("sigla", "regione_id")}
    codici = []
    for i, reg in enumerate(regioni):
        domanda = Domanda.objects.create(
            bando=bando, protocollo=f"BENCH-{i:03d}", cf_beneficiario=f"BNCBNC80A01H5{i:02d}X",
            cf_richiedente=f"BNCBNC80A01H5{i:02d}X", regione_id=reg, provincia_id=provincia[reg],
            isee=Decimal("10000.00"), presentata_il=dt.datetime(2099, 3, 2, tzinfo=dt.UTC),
        )  # fmt: skip
        codici.append(
            CodiceUnivoco.objects.create(
                codice=f"BENCH{i:07d}"[:12],
                domanda=domanda,
                assegnato=Decimal("1500.00"),
                valido_dal=dt.date(2099, 5, 1),
                valido_fino_al=dt.date(2100, 1, 31),
            )  # fmt: skip
        )
    with connection.cursor() as cur:
        cur.execute(
            """INSERT INTO professionisti_professionista (codice_fiscale, cognome, nome, ordine,
                numero_iscrizione, data_iscrizione, psicoterapeuta, data_adesione, stato, in_lista,
                email, pec,
                aggiornato_il)
            SELECT 'BP' || lpad(i::text, 14, '0'), 'Cognome' || i, 'Nome', 'Lazio', i::text,
                '2010-01-01', true,
                '2022-09-01', 'aderente', true, '', '', now()
            FROM generate_series(1, %s) i""",
            [professionisti],
        )
        cur.execute(
            """INSERT INTO professionisti_canaleaccredito (professionista_id, tipo, iban, partita_iva,
                denominazione, attuale, creato_il)
            SELECT id, CASE WHEN id % 50 = 0 THEN 'ente' ELSE 'personale' END,
                'IT60X05428111010' || lpad(id::text, 11, '0'),
                CASE WHEN id % 50 = 0 THEN '01234567897' ELSE '' END,
                CASE WHEN id % 50 = 0 THEN 'Studio associato ' || id ELSE '' END, true, now()
            FROM professionisti_professionista"""
        )
        cur.execute("SELECT array_agg(id ORDER BY id) FROM professionisti_professionista")
        prof_ids = cur.fetchone()[0]
        cur.execute(
            """INSERT INTO fatture_fattura (professionista_id, codice_id, bando_id, regione_id, emittente,
                numero,
                data, anno, totale, importo_bonus, stato, registrata_il)
            SELECT p.ids[1 + i %% array_length(p.ids, 1)], c.ids[1 + (i * 7) %% 21], %s,
                r.ids[1 + (i * 7) %% 21], 'Emittente', i::text, '2024-10-01', 2024,
                50 * (1 + i %% 4) + 10, 50 * (1 + i %% 4), 'da_pagare',
                timestamptz '2024-10-01 00:00:00+02' + (i * interval '26 seconds')
            FROM generate_series(1, %s) i,
                (SELECT %s::bigint[] AS ids) p, (SELECT %s::bigint[] AS ids) c,
                (SELECT %s::varchar[] AS ids) r""",
            [bando.pk, n, prof_ids, [c.pk for c in codici], regioni],
        )
        # Each region's transfers cover ~90 % of its fatture.
        cur.execute(
            """INSERT INTO rimborsi_trasferimentorisorse (bando_id, regione_id, data, importo, riferimento,
                registrato_il)
            SELECT bando_id, regione_id, '2024-09-15', round(sum(importo_bonus) * 0.9, 2),
                'BENCH-' || regione_id,
                now()
            FROM fatture_fattura WHERE bando_id = %s GROUP BY bando_id, regione_id""",
            [bando.pk],
        )
        cur.execute("ANALYZE")
    return bando.pk


def inserimento_nudo() -> None:
    """The floor: the same classification and grouping in one bare INSERT … SELECT into a plain table."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_plain")
        cur.execute(
            "CREATE TABLE bench_plain "
            "(professionista_id bigint, canale_id bigint, importo numeric(12,2), n int)"
        )
        cur.execute(
            """INSERT INTO bench_plain
            WITH fondi AS (SELECT bando_id, regione_id, sum(importo) AS disp
                           FROM rimborsi_trasferimentorisorse
                           GROUP BY bando_id, regione_id),
            ordinate AS (
                SELECT f.professionista_id, c.id AS canale_id, f.bando_id, f.regione_id, f.importo_bonus,
                    sum(f.importo_bonus) OVER (PARTITION BY f.bando_id, f.regione_id
                        ORDER BY f.registrata_il, f.id ROWS UNBOUNDED PRECEDING) AS cum
                FROM fatture_fattura f
                JOIN professionisti_canaleaccredito c
                    ON c.professionista_id = f.professionista_id AND c.attuale
                WHERE f.stato IN ('da_pagare', 'sospesa') AND f.registrata_il < '2024-11-01 00:00:00+01')
            SELECT o.professionista_id, o.canale_id, sum(o.importo_bonus), count(*)
            FROM ordinate o JOIN fondi fo ON fo.bando_id = o.bando_id AND fo.regione_id = o.regione_id
            WHERE o.cum <= fo.disp GROUP BY o.professionista_id, o.canale_id"""
        )
        cur.execute("DROP TABLE bench_plain")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--fatture", type=int, default=100_000)
    parser.add_argument("--professionisti", type=int, default=5_000)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/bp_bench_rimborsi")
    args = parser.parse_args()

    ensure_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bonuspsi.settings")
    import django

    django.setup()
    from django.core.management import get_commands
    from django.db import connection

    t_prep, _ = tempo(lambda: prepara(args.fatture, args.professionisti))
    print(
        f"{args.fatture:,} fatture, {args.professionisti:,} professionisti: dati generati in {t_prep:.1f} s"
    )

    t_nudo, _ = tempo(inserimento_nudo)
    print(f"(a) INSERT … SELECT nudo:      {t_nudo:7.2f} s")

    env = {**os.environ, "DATABASE_URL": args.database_url}
    env.pop("REDIS_URL", None)
    cmd = [sys.executable, str(ROOT / "manage.py"), "genera_rimborsi", "--mese", MESE]
    t_gen, proc = tempo(lambda: subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True))  # noqa: S603
    if proc.returncode:
        print(proc.stdout, proc.stderr[:5000])
        sys.exit("genera_rimborsi fallito")
    rss_gen = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"(b) genera_rimborsi:           {t_gen:7.2f} s  ({proc.stdout.strip().splitlines()[-1]})")
    print(f"    picco RSS:                 {rss_gen:7.0f} MB")
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM rimborsi_vocerimborso")
        print(f"    voci: {cur.fetchone()[0]:,}")

    t_sepa = 0.0
    if "esporta_sepa" in get_commands():
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "sepa.xml"
            cmd = [
                sys.executable,
                str(ROOT / "manage.py"),
                "esporta_sepa",
                "--mese",
                MESE,
                "--output",
                str(out),
            ]
            t_sepa, proc = tempo(
                lambda: subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
            )  # noqa: S603
            if proc.returncode:
                print(proc.stdout, proc.stderr[:5000])
                sys.exit("esporta_sepa fallito")
            rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            print(f"(c) esporta_sepa:              {t_sepa:7.2f} s  ({out.stat().st_size / 1e6:.1f} MB XML)")
            print(f"    picco RSS (massimo dei processi figli): {rss:7.0f} MB")
    else:
        print("(c) esporta_sepa: comando non presente, saltato")
    totale = t_gen + t_sepa
    print(
        f"totale (b)+(c) = {totale:.1f} s (obiettivo <= 30 s); "
        f"genera_rimborsi / SQL nudo = {t_gen / t_nudo:.1f}x"
    )


if __name__ == "__main__":
    main()
