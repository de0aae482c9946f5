"""Benchmark of the bulk channel and of the ranking against their plain-PostgreSQL floors.

    .venv/bin/python bench/graduatoria.py --n 1000000 [--database-url postgres://…/bp_bench]

(a) bare COPY of the generated CSV into a scratch table with the same columns, vs
(b) `import_domande` of the same file (a subprocess: its wall time includes Django's start-up; its
    peak RSS is the child's ru_maxrss);
(c) `run_graduatoria`, vs
(d) a plain window-function ranking of the same rows (CREATE TEMP TABLE AS SELECT … OVER …).
Targets at N = 1 000 000: (b) ≤ 10 × (a), (c) ≤ 2 × (d). See bench/README.md for recorded figures.
"""

import argparse
import datetime as dt
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ANNO = 2099  # a bench-only bando, so that the real ones stay untouched
# Rough population weights (millions) by Ministry of Health region code.
PESI = {
    "010": 4.2, "020": 0.12, "030": 10.0, "041": 0.53, "042": 0.54, "050": 4.8, "060": 1.2, "070": 1.5,
    "080": 4.4, "090": 3.6, "100": 0.86, "110": 1.5, "120": 5.7, "130": 1.3, "140": 0.29, "150": 5.6,
    "160": 3.9, "170": 0.54, "180": 1.8, "190": 4.8, "200": 1.6,
}  # fmt: skip
MESI = "ABCDEHLMPRST"
LETTERE = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def ensure_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    nome = parsed.path.lstrip("/")
    admin = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [nome]).fetchone():
            conn.execute(f'CREATE DATABASE "{nome}"')


def cf_generator():
    """Distinct valid codici fiscali: the counter spelled in base 26 in the six name letters."""
    from stdnum.it import codicefiscale

    def cf(n: int) -> str:
        lettere = []
        for _ in range(6):
            n, r = divmod(n, 26)
            lettere.append(LETTERE[r])
        base = f"{''.join(lettere)}{60 + n % 40:02d}{MESI[n % 12]}{1 + n % 28:02d}H501"
        return base + codicefiscale.calc_check_digit(base)

    return cf


def genera_csv(path: Path, n: int, province: dict[str, list[str]], seed: int = 20250915) -> None:
    from apps.domande.importer import INTESTAZIONE

    rnd = random.Random(seed)
    cf = cf_generator()
    regioni = list(PESI)
    pesi = list(PESI.values())
    inizio = dt.datetime(2099, 3, 1, 0, 0, tzinfo=dt.UTC)
    durata = 60 * 86400
    with open(path, "w", encoding="utf-8") as f:
        f.write(",".join(INTESTAZIONE) + "\n")
        regioni_scelte = rnd.choices(regioni, weights=pesi, k=n)
        for i in range(n):
            reg = regioni_scelte[i]
            prov = rnd.choice(province[reg])
            cfb = cf(i)
            if rnd.random() < 0.1:  # a parent files for a child; parents come from another range
                rel, cfr = "genitore", cf(50_000_000 + i // 2)
            else:
                rel, cfr = "se_stesso", cfb
            isee = f"{rnd.randint(0, 5_500_000) / 100:.2f}"
            difforme = rnd.random() < 0.03
            regol = f"2099-05-{rnd.randint(1, 28):02d}" if difforme and rnd.random() < 0.5 else ""
            secondi = rnd.randrange(durata) if rnd.random() > 0.01 else durata + rnd.randrange(86400 * 10)
            pres = (inizio + dt.timedelta(seconds=secondi)).isoformat()
            canale = "web" if rnd.random() < 0.9 else "contact_center"
            f.write(
                f"B-{i:09d},{cfb},{cfr},{rel},{reg},{prov},{isee},ordinario,"
                f"{'true' if difforme else 'false'},{regol},{pres},u{i}@example.org,+39333{i:07d},{canale}\n"
            )


def tempo(fn):
    t = time.perf_counter()
    result = fn()
    return time.perf_counter() - t, result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/bp_bench")
    args = parser.parse_args()

    ensure_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bonuspsi.settings")
    import django

    django.setup()
    from decimal import Decimal

    from django.core.management import call_command
    from django.db import connection

    from apps.core.models import Provincia, Regione
    from apps.domande.models import Bando, BudgetRegionale

    call_command("migrate", verbosity=0)
    call_command("load_reference_data", verbosity=0)
    with connection.cursor() as cur:  # a clean slate for the bench bando (bench database only)
        cur.execute("TRUNCATE domande_domanda, graduatorie_graduatoria CASCADE")
    bando, _ = Bando.objects.update_or_create(
        anno=ANNO,
        defaults={
            "nome": "Bando di benchmark", "apertura": dt.date(2099, 3, 1), "chiusura": dt.date(2099, 4, 29),
            "importo_fascia_a": Decimal("1500.00"), "importo_fascia_b": Decimal("1000.00"),
            "importo_fascia_c": Decimal("500.00"), "giorni_regolarizzazione": 15, "giorni_validita": 270,
        },
    )  # fmt: skip
    for codice in Regione.objects.values_list("codice", flat=True):
        # about a third of the region's domande can be funded at ~1 000 euro each
        importo = Decimal(int(args.n * PESI[codice] / sum(PESI.values()) / 3) * 1000)
        BudgetRegionale.objects.update_or_create(
            bando=bando, regione_id=codice, defaults={"importo": importo}
        )
    province: dict[str, list[str]] = {}
    for sigla, reg in Provincia.objects.values_list("sigla", "regione_id"):
        province.setdefault(reg, []).append(sigla)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "domande.csv"
        t_gen, _ = tempo(lambda: genera_csv(path, args.n, province))
        print(f"N = {args.n:,}: CSV generato in {t_gen:.1f} s ({path.stat().st_size / 1e6:.0f} MB)")

        def copy_nudo(temp: bool):
            import psycopg

            with psycopg.connect(args.database_url) as conn:
                conn.execute("DROP TABLE IF EXISTS bench_scratch")
                conn.execute(
                    f"CREATE {'TEMP' if temp else ''} TABLE bench_scratch (protocollo varchar(40), "
                    "cf_beneficiario varchar(16), "
                    "cf_richiedente varchar(16), relazione varchar(30), regione varchar(3), "
                    "provincia varchar(2), isee numeric(12,2), isee_tipo varchar(10), isee_difforme boolean, "
                    "isee_regolarizzato_il date, presentata_il timestamptz, email varchar(254), "
                    "cellulare varchar(20), canale varchar(20))"
                )
                sql = "COPY bench_scratch FROM STDIN WITH (FORMAT csv, HEADER true)"
                with conn.cursor().copy(sql) as cp, open(path, "rb") as f:
                    while chunk := f.read(1 << 20):
                        cp.write(chunk)
                conn.commit()
                conn.execute("DROP TABLE bench_scratch")
                conn.commit()

        # The baseline is a COPY into a plain table (logged, like domande_domanda, with no index, no
        # constraint, no validation). A TEMP table also skips the write-ahead log: shown for reference.
        t_copy, _ = tempo(lambda: copy_nudo(temp=False))
        t_copy_temp, _ = tempo(lambda: copy_nudo(temp=True))
        print(f"(a) COPY nudo:              {t_copy:7.2f} s  (tabella TEMP, senza WAL: {t_copy_temp:.2f} s)")

        cmd = [sys.executable, str(ROOT / "manage.py"), "import_domande", "--bando", str(ANNO), str(path)]
        t_imp, proc = tempo(lambda: subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True))  # noqa: S603
        if proc.returncode:
            print(proc.stdout, proc.stderr[:5000])
            sys.exit("import_domande fallito")
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"(b) import_domande:            {t_imp:7.2f} s  ({proc.stdout.strip().splitlines()[-1]})")
        print(f"    picco RSS dell'import:     {rss:7.0f} MB")

    # What autovacuum does after a bulk load, before either ranking is timed: otherwise the first
    # one to read the fresh rows pays for setting their hint bits and the second one does not.
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) domande_domanda")

    with open(os.devnull, "w") as devnull:
        t_run, _ = tempo(lambda: call_command("run_graduatoria", "--bando", str(ANNO), stdout=devnull))
    print(f"(c) run_graduatoria:           {t_run:7.2f} s")

    def plain(temp: bool):
        with connection.cursor() as cur:
            cur.execute(
                f"""CREATE {"TEMP" if temp else ""} TABLE bench_plain AS
                SELECT id, regione_id,
                    row_number() OVER w AS pos,
                    sum(CASE WHEN isee < 15000 THEN 1500 WHEN isee <= 30000 THEN 1000 ELSE 500 END)
                        OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum
                FROM domande_domanda WHERE bando_id = %s
                WINDOW w AS (PARTITION BY regione_id ORDER BY isee, presentata_il, protocollo)""",
                [bando.pk],
            )
            cur.execute("DROP TABLE bench_plain")

    # Like (a): the baseline writes a plain logged table, as run_graduatoria does; TEMP for reference.
    t_plain, _ = tempo(lambda: plain(temp=False))
    t_plain_temp, _ = tempo(lambda: plain(temp=True))
    print(f"(d) ranking SQL semplice:      {t_plain:7.2f} s  (in una tabella TEMP: {t_plain_temp:.2f} s)")
    print(f"rapporti: import/COPY = {t_imp / t_copy:.1f}x (obiettivo <= 10; "
          f"{t_imp / t_copy_temp:.1f}x su TEMP), run_graduatoria/SQL = {t_run / t_plain:.1f}x "
          f"(obiettivo <= 2; {t_run / t_plain_temp:.1f}x su TEMP)")  # fmt: skip


if __name__ == "__main__":
    main()
