"""`scorrimento --bando ANNO --oggi`: the regions' pools reassigned in graduatoria order (DESIGN
"Graduatoria"; decree 24/11/2023 art. 4.3–4.4; circ. 124/2025 §6).

Per region, under the lock of its Graduatoria row (the lock order of every pool writer), the spendable
funds go first to the top-up of the partially funded applicant whose code can still be spent (its
`assegnato` grows by an INTEGRAZIONE movement; fully topped up, the esito becomes accolta), then to the
next `non_accolta_provvisoria` applicants in order, each for the amount of their ISEE band, the last one
partially. Each gets a new code valid from `oggi` (validity and first-seduta deadline counted from it),
the provvedimento of "Ricevute e provvedimenti" (which names the scorrimento) and an e-mail/SMS.
The choice of who is funded is one SQL statement with a running sum (window function); codes, ledgers and
esiti are written in bulk.

What is spendable: the pool, less the funds freed by decadenza once the bando has used its scorrimenti
for them (`Bando.scorrimenti_massimi`, 1 for 2025: "la graduatoria scorre una sola volta"). The run that
spends decadenza funds is recorded `usa_decadenza` with the last ledger row it could see; decadenza funds
returned after the last allowed run stay in the pool. Funds freed by expiry or by later releases are
reassigned while the graduatoria is valid: until the bando's `termine_fatturazione` (decision: a code
given after it could never be invoiced), with no end when none is set.

A second run, or two at once (the second waits for the first's locks), finds the pool spent and changes
nothing.
"""

import datetime as dt
from contextlib import contextmanager
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.codici.models import CodiceUnivoco, MovimentoCodice, MovimentoFondo
from apps.codici.services import blocca_codice, crea_codici, crea_codici_da_sql, muovi_fondo, muovi_importi
from apps.core.exceptions import DomainError
from apps.core.services import audit
from apps.domande.models import Bando, Domanda

from . import services
from .fondo import aggiorna_assegnato
from .models import Esito, Graduatoria, Posizione, Scorrimento

P = Posizione._meta.db_table
D = Domanda._meta.db_table


def _importo_sql(bando: Bando) -> tuple[str, dict]:
    return (
        """CASE WHEN d.isee < CAST(%(soglia_a)s AS NUMERIC) THEN CAST(%(importo_a)s AS NUMERIC)
                WHEN d.isee <= CAST(%(soglia_b)s AS NUMERIC) THEN CAST(%(importo_b)s AS NUMERIC)
                ELSE CAST(%(importo_c)s AS NUMERIC) END""",
        {
            "soglia_a": bando.soglia_fascia_a,
            "soglia_b": bando.soglia_fascia_b,
            "importo_a": bando.importo_fascia_a,
            "importo_b": bando.importo_fascia_b,
            "importo_c": bando.importo_fascia_c,
        },
    )


def _bloccati(bando: Bando) -> tuple[dict[str, Decimal], bool]:
    """Per region, the decadenza funds no scorrimento may spend any more; and whether this run may spend
    the decadenza funds returned since the last run that did."""
    precedenti = Scorrimento.objects.filter(bando=bando, usa_decadenza=True)
    limite = bando.scorrimenti_massimi
    decadenze = MovimentoFondo.objects.filter(bando=bando, causale=MovimentoFondo.Causale.DECADENZA)
    if limite is None or precedenti.count() < limite:
        return {}, True
    taglio = precedenti.aggregate(m=Max("ultimo_movimento"))["m"] or 0
    righe = decadenze.filter(pk__gt=taglio).values("regione_id").annotate(s=Sum("delta"))
    return {r["regione_id"]: r["s"] for r in righe}, False


def _decadenze_nuove(bando: Bando) -> bool:
    taglio = (
        Scorrimento.objects.filter(bando=bando, usa_decadenza=True).aggregate(m=Max("ultimo_movimento"))["m"]
        or 0
    )
    return MovimentoFondo.objects.filter(
        bando=bando, causale=MovimentoFondo.Causale.DECADENZA, pk__gt=taglio
    ).exists()


def _integra(g: Graduatoria, bando: Bando, disponibile: Decimal, scorrimento) -> Decimal:
    """Top up the partially funded applicant of the region; returns the amount used."""
    # The region's partial applicants first (one, in practice), then their codes: joined in one query the
    # planner started from the codes' state index, whose statistics do not know the codes this very run
    # has just created in the regions before (2 s per region at 200 000 new codes, bench/README.md).
    parziali = list(
        Posizione.objects.filter(graduatoria=g, esito=Esito.PARZIALMENTE_ACCOLTA)
        .select_related("domanda")
        .order_by("posizione")
    )
    spendibili = set(
        CodiceUnivoco.objects.filter(
            domanda_id__in=[p.domanda_id for p in parziali],
            stato__in=[CodiceUnivoco.Stato.ATTIVO, CodiceUnivoco.Stato.ESAURITO],
        ).values_list("domanda_id", flat=True)
    )
    posizione = next((p for p in parziali if p.domanda_id in spendibili), None)
    if posizione is None:
        return Decimal("0.00")
    manca = posizione.domanda.importo_spettante - posizione.importo_assegnato
    importo = min(manca, disponibile)
    if importo <= 0:
        return Decimal("0.00")
    codice = blocca_codice(posizione.domanda.codice.pk)
    riferimento = f"scorrimento:{scorrimento().pk}"
    muovi_importi(codice, MovimentoCodice.Tipo.INTEGRAZIONE, assegnato=importo, riferimento=riferimento)
    muovi_fondo(codice, -importo, MovimentoFondo.Causale.INTEGRAZIONE, riferimento)
    Posizione.objects.filter(pk=posizione.pk).update(
        importo_assegnato=posizione.importo_assegnato + importo,
        esito=Esito.ACCOLTA if importo == manca else Esito.PARZIALMENTE_ACCOLTA,
        scorrimento=scorrimento(),
    )
    return importo


@contextmanager
def _scelti_sql(scelta: str, params: dict, disponibile: Decimal):
    """PostgreSQL: who `scelta` funds, kept in a temporary table; what `_nuovi` needs of them in one
    aggregate, and their codes written by the database (crea_codici_da_sql). No row comes to Python."""
    assegnato = "CASE WHEN cum <= %(s)s THEN importo ELSE %(s)s - (cum - importo) END"
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS scorrimento_scelti")
        cursor.execute(f"CREATE TEMP TABLE scorrimento_scelti ON COMMIT DROP AS {scelta}", params)
        cursor.execute(
            f"""SELECT count(*), COALESCE(max(posizione) FILTER (WHERE cum <= %(s)s), 0),
                    COALESCE(sum({assegnato}), 0)
                FROM scorrimento_scelti""",
            params,
        )
        n, ultima_intera, totale = cursor.fetchone()
        ultima = None
        if n:
            cursor.execute(
                f"""SELECT domanda_id, {assegnato}, cum > %(s)s, isee FROM scorrimento_scelti
                    ORDER BY posizione DESC LIMIT 1""",
                params,
            )
            ultima = cursor.fetchone()

    def assegnazioni(**kwargs) -> int:
        return crea_codici_da_sql(
            f"SELECT domanda_id, {assegnato} FROM scorrimento_scelti ORDER BY posizione", params, **kwargs
        )

    yield n, ultima_intera, ultima, Decimal(totale), assegnazioni
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS scorrimento_scelti")


@contextmanager
def _scelti_python(scelta: str, params: dict, disponibile: Decimal):
    """Elsewhere (SQLite, `make run`): the chosen rows read into Python, amounts as Decimal."""
    with connection.cursor() as cursor:
        cursor.execute(f"{scelta} ORDER BY posizione", params)
        righe = cursor.fetchall()
    if not righe:
        yield 0, 0, None, Decimal("0.00"), None
        return
    assegnazioni = []
    for domanda_id, _pos, spettante, cum, _isee in righe:
        spettante, cum = Decimal(spettante), Decimal(cum)
        assegnazioni.append(
            (domanda_id, spettante if cum <= disponibile else disponibile - (cum - spettante))
        )
    ultima_intera = max((pos for _d, pos, imp, cum, _i in righe if Decimal(cum) <= disponibile), default=0)
    ultima = (*assegnazioni[-1], Decimal(righe[-1][3]) > disponibile, righe[-1][4])
    totale = sum((a for _d, a in assegnazioni), Decimal("0.00"))
    yield len(righe), ultima_intera, ultima, totale, lambda **kwargs: crea_codici(assegnazioni, **kwargs)


def _nuovi(
    g: Graduatoria, bando: Bando, disponibile: Decimal, scorrimento, oggi: dt.date
) -> tuple[int, Decimal]:
    """Fund the next applicants in order with `disponibile`; returns how many and how much."""
    importo, params = _importo_sql(bando)
    params |= {"g": g.pk, "s": disponibile, "na": Esito.NON_ACCOLTA_PROVVISORIA.value}
    scelta = f"""SELECT domanda_id, posizione, importo, cum, isee FROM (
                    SELECT p.domanda_id, p.posizione, d.isee, {importo} AS importo,
                        SUM({importo}) OVER (ORDER BY p.posizione ROWS UNBOUNDED PRECEDING) AS cum
                    FROM {P} p JOIN {D} d ON d.id = p.domanda_id
                    WHERE p.graduatoria_id = %(g)s AND p.esito = %(na)s) x
                WHERE cum - importo < %(s)s"""
    scelti = _scelti_sql if connection.vendor == "postgresql" else _scelti_python
    with scelti(scelta, params, disponibile) as (n, ultima_intera, ultima, totale, assegnazioni):
        if not n:
            return 0, Decimal("0.00")
        s = scorrimento()
        with connection.cursor() as cursor:
            cursor.execute(
                f"""UPDATE {P} SET esito = %(accolta)s, scorrimento_id = %(scorrimento)s,
                        importo_assegnato = (SELECT {importo} FROM {D} d WHERE d.id = {P}.domanda_id)
                    WHERE graduatoria_id = %(g)s AND esito = %(na)s AND posizione <= %(ultima)s""",
                params | {"accolta": Esito.ACCOLTA.value, "scorrimento": s.pk, "ultima": ultima_intera},
            )
        domanda_id, ultimo_importo, parziale, isee_ultimo = ultima
        if parziale:
            Posizione.objects.filter(pk=domanda_id).update(
                esito=Esito.PARZIALMENTE_ACCOLTA, importo_assegnato=ultimo_importo, scorrimento=s
            )
        riferimento = f"scorrimento:{s.pk}"
        giorni_prima = bando.giorni_prima_seduta
        creati = assegnazioni(
            valido_dal=oggi,
            valido_fino_al=oggi + dt.timedelta(days=bando.giorni_validita),
            prima_seduta_entro=oggi + dt.timedelta(days=giorni_prima) if giorni_prima else None,
            riferimento=riferimento,
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {MovimentoFondo._meta.db_table}
                    (bando_id, regione_id, delta, causale, codice_id, riferimento, creato_il)
                SELECT d.bando_id, d.regione_id, -c.assegnato, %(causale)s, c.id, %(rif)s, %(adesso)s
                FROM {CodiceUnivoco._meta.db_table} c JOIN {D} d ON d.id = c.domanda_id
                JOIN {P} p ON p.domanda_id = d.id
                WHERE p.graduatoria_id = %(g)s AND p.scorrimento_id = %(scorrimento)s
                    AND c.valido_dal = %(oggi)s
                    AND c.id IN (SELECT m.codice_id FROM {MovimentoCodice._meta.db_table} m
                        WHERE m.riferimento = %(rif)s AND m.tipo = %(assegnazione)s)""",
            {
                "causale": MovimentoFondo.Causale.SCORRIMENTO.value,
                "rif": riferimento,
                "adesso": connection.ops.adapt_datetimefield_value(timezone.now()),
                "g": g.pk,
                "scorrimento": s.pk,
                "oggi": connection.ops.adapt_datefield_value(oggi),
                "assegnazione": MovimentoCodice.Tipo.ASSEGNAZIONE.value,
            },
        )
    aggiorna_assegnato(bando.pk, g.regione_id, -totale)
    Graduatoria.objects.filter(pk=g.pk).update(
        finanziate=g.finanziate + creati, isee_ultimo_finanziato=isee_ultimo
    )
    return creati, totale


def scorri(bando: Bando, oggi: dt.date, *, attore=None) -> dict:
    """Reassign the bando's spendable pools; returns what moved, per region and in total."""
    risultato = {
        "bando": bando.anno,
        "oggi": oggi.isoformat(),
        "integrazioni": 0,
        "nuovi_codici": 0,
        "assegnato": "0.00",
        "notifiche": 0,
        "regioni": {},
    }
    bando = Bando.objects.get(pk=bando.pk)  # the rules as they are now
    if bando.graduatoria_pubblicata_il is None:
        raise DomainError(_("La graduatoria del bando %(anno)s non è pubblicata.") % {"anno": bando.anno})
    if bando.termine_fatturazione is not None and oggi > bando.termine_fatturazione:
        risultato["motivo"] = "termine_fatturazione"
        return risultato
    with transaction.atomic():
        graduatorie = list(
            Graduatoria.objects.select_for_update()
            .filter(bando=bando, stato=Graduatoria.Stato.PUBBLICATA)
            .order_by("pk")
        )
        bloccati, con_decadenze = _bloccati(bando)
        usa_decadenza = con_decadenze and _decadenze_nuove(bando)
        ultimo = MovimentoFondo.objects.aggregate(m=Max("pk"))["m"] or 0
        record: list[Scorrimento] = []

        def scorrimento() -> Scorrimento:  # created on first use: a run that funds no one leaves no record
            if not record:
                record.append(
                    Scorrimento.objects.create(
                        bando=bando,
                        data=oggi,
                        eseguito_il=timezone.now(),
                        usa_decadenza=usa_decadenza,
                        ultimo_movimento=ultimo,
                    )
                )
            return record[0]

        totale = Decimal("0.00")
        for g in graduatorie:
            disponibile = g.disponibile - (bloccati.get(g.regione_id) or Decimal("0.00"))
            if disponibile <= 0:
                continue
            integrato = _integra(g, bando, disponibile, scorrimento)
            nuovi, assegnato = _nuovi(g, bando, disponibile - integrato, scorrimento, oggi)
            if integrato or nuovi:
                risultato["regioni"][g.regione_id] = {
                    "integrato": f"{integrato:.2f}",
                    "nuovi_codici": nuovi,
                    "assegnato": f"{assegnato:.2f}",
                }
                risultato["integrazioni"] += 1 if integrato else 0
                risultato["nuovi_codici"] += nuovi
                totale += integrato + assegnato
        risultato["assegnato"] = f"{totale:.2f}"
        if record:
            risultato["scorrimento"] = record[0].pk
            risultato["notifiche"] = services.accoda_esiti(bando, scorrimento=record[0])
            Scorrimento.objects.filter(pk=record[0].pk).update(riepilogo=risultato)
            audit(attore, "graduatoria.scorrimento", bando, **risultato)
    return risultato
