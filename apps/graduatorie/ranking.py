"""The ranking: one set-based SQL statement per bando (window functions), never a loop over domande.

For each region, eligible domande are ordered by ISEE ascending, then submission time, then
protocollo, and walked against the region's budget B with a running sum `cum` of the amounts:
    cum <= B                 → accolta for the full amount
    cum - amount < B < cum   → parzialmente_accolta for B - (cum - amount)  (only one per region)
    otherwise                → non_accolta_provvisoria
Because amounts never increase along the order (lower ISEE → higher band), this equals walking
the list and subtracting. Excluded domande get a row with no position: inammissibile (outside the
window, no DPR 445 declaration, ISEE above the maximum, excluded territory) or improcedibile
(difforme ISEE not regularised by the closing day + N days).
The SQL runs unchanged on PostgreSQL and on SQLite (the embedded `make run` default).
"""

from django.db import connection

from apps.domande.models import AttestazioneIsee, Bando, Domanda

from .models import Esito, Graduatoria, Posizione


def _sql() -> str:
    d = Domanda._meta.db_table
    g = Graduatoria._meta.db_table
    p = Posizione._meta.db_table
    esclusi = Bando.territori_esclusi.through._meta.db_table
    a = AttestazioneIsee._meta.db_table
    # A web domanda keeps a link to its DSU: a regularisation recorded on the DSU after the
    # submission counts as well as one imported with the domanda.
    regolarizzata = "COALESCE(d.isee_regolarizzato_il, a.regolarizzata_il)"
    # The protocollo tie-break compares code points, whatever the database's locale (SQLite's
    # default BINARY collation already does).
    protocollo = 'b.protocollo COLLATE "C"' if connection.vendor == "postgresql" else "b.protocollo"
    order = f"ORDER BY b.isee, b.presentata_il, {protocollo}"
    if connection.vendor == "postgresql":
        # Same order, cheaper comparisons for the sort of a whole bando: byte-wise region codes,
        # and the ISEE in integer cents (exact: the column has two decimals).
        regione = 'b.regione_id COLLATE "C"'
        order = f"ORDER BY (b.isee * 100)::bigint, b.presentata_il, {protocollo}"
    else:
        regione = "b.regione_id"
    return f"""
    INSERT INTO {p} (graduatoria_id, domanda_id, posizione, esito, importo_assegnato)
    WITH base AS (
        SELECT d.id, d.regione_id, d.isee, d.presentata_il, d.protocollo,
            CASE
                WHEN NOT d.dichiarazione_dpr445
                  OR d.presentata_il < %(inizio)s OR d.presentata_il >= %(fine)s
                  OR d.isee > CAST(%(isee_max)s AS NUMERIC)
                  OR d.regione_id IN (SELECT regione_id FROM {esclusi} WHERE bando_id = %(bando)s)
                THEN '{Esito.INAMMISSIBILE.value}'
                WHEN d.isee_difforme
                  AND ({regolarizzata} IS NULL OR {regolarizzata} > %(termine_reg)s)
                THEN '{Esito.IMPROCEDIBILE.value}'
            END AS escluso,
            CASE
                WHEN d.isee < CAST(%(soglia_a)s AS NUMERIC) THEN CAST(%(importo_a)s AS NUMERIC)
                WHEN d.isee <= CAST(%(soglia_b)s AS NUMERIC) THEN CAST(%(importo_b)s AS NUMERIC)
                ELSE CAST(%(importo_c)s AS NUMERIC)
            END AS importo
        FROM {d} d
        LEFT JOIN {a} a ON a.id = d.attestazione_id
        WHERE d.bando_id = %(bando)s
    ),
    ordinate AS (
        SELECT b.id, b.regione_id, b.importo,
            ROW_NUMBER() OVER w AS pos,
            SUM(b.importo) OVER w AS cum
        FROM base b
        WHERE b.escluso IS NULL
        -- One window for both (row_number ignores the frame): one sort, one pass.
        WINDOW w AS (PARTITION BY {regione} {order} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    )
    SELECT g.id, o.id, o.pos,
        CASE
            WHEN o.cum <= g.budget THEN '{Esito.ACCOLTA.value}'
            WHEN o.cum - o.importo < g.budget THEN '{Esito.PARZIALMENTE_ACCOLTA.value}'
            ELSE '{Esito.NON_ACCOLTA_PROVVISORIA.value}'
        END,
        CASE
            WHEN o.cum <= g.budget THEN o.importo
            WHEN o.cum - o.importo < g.budget THEN ROUND(g.budget - (o.cum - o.importo), 2)
            ELSE 0
        END
    FROM ordinate o
    JOIN {g} g ON g.bando_id = %(bando)s AND g.regione_id = o.regione_id
    UNION ALL
    SELECT g.id, b.id, NULL, b.escluso, 0
    FROM base b
    JOIN {g} g ON g.bando_id = %(bando)s AND g.regione_id = b.regione_id
    WHERE b.escluso IS NOT NULL
    """


def prepara_sessione() -> None:
    """PostgreSQL: fresh statistics (a bulk import may have just added most of the rows, and with
    stale ones the planner picks nested loops), and enough memory for the sort of a whole bando to
    stay in RAM, for this transaction only."""
    if connection.vendor != "postgresql":
        return
    tabella = Domanda._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_mod_since_analyze > 0.1 * greatest(n_live_tup, 1) "
            "FROM pg_stat_user_tables WHERE relid = %s::regclass",
            [tabella],
        )
        row = cursor.fetchone()
        if row is None or row[0]:  # import_domande analyses after loading; web submissions trickle in
            cursor.execute(f"ANALYZE {tabella}")
        cursor.execute("SET LOCAL work_mem = '256MB'")


def inserisci_posizioni(bando: Bando) -> int:
    ops = connection.ops
    money = {
        "isee_max": bando.isee_massimo,
        "soglia_a": bando.soglia_fascia_a,
        "soglia_b": bando.soglia_fascia_b,
        "importo_a": bando.importo_fascia_a,
        "importo_b": bando.importo_fascia_b,
        "importo_c": bando.importo_fascia_c,
    }
    params = {
        "bando": bando.pk,
        # adapt_* turns values into what each backend stores (UTC text on SQLite).
        "inizio": ops.adapt_datetimefield_value(bando.inizio_finestra),
        "fine": ops.adapt_datetimefield_value(bando.fine_finestra),
        "termine_reg": ops.adapt_datefield_value(bando.termine_regolarizzazione),
        **{k: ops.adapt_decimalfield_value(v, 12, 2) for k, v in money.items()},
    }
    with connection.cursor() as cursor:
        cursor.execute(_sql(), params)
        return cursor.rowcount
