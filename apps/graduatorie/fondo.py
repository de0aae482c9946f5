"""The regional pools of a bando: `Graduatoria.budget − Graduatoria.assegnato`, with every movement in the
append-only `MovimentoFondo` ledger (apps.codici.models).

Invariant, per (bando, regione), to the cent (`verifica_fondi`, asserted by the tests after every job step):
    budget = Σ codes' assegnato + pool,   pool = Σ MovimentoFondo.delta,
and for every code the sums of its MovimentoCodice deltas equal its columns.

The publication writes the first rows: one DOTAZIONE (+budget) per region and one ASSEGNAZIONE (−amount)
per code, each as one INSERT … SELECT. From then on every job that moves funds writes its rows in the same
transaction as the codes' movements.

Lock order, for every writer: the region's Graduatoria row, then the codes (expiry, decadenza and
scorrimento lock the graduatorie first). The one exception, a release on a code that can no longer spend
(muovi_importi → aggiorna_assegnato), locks a scaduto/decaduto code that no job ever waits for.
"""

from decimal import Decimal

from django.db import connection
from django.db.models import F, Sum
from django.utils import timezone

from apps.codici.models import CodiceUnivoco, MovimentoFondo
from apps.domande.models import Bando, Domanda

from .models import Graduatoria


def aggiorna_assegnato(bando_id: int, regione_id: str, delta_fondo: Decimal) -> None:
    """The pool grows by `delta_fondo` (shrinks when negative): the region's `assegnato` moves the other way.
    The CheckConstraint `graduatoria_entro_budget` refuses a pool below zero."""
    Graduatoria.objects.filter(bando_id=bando_id, regione_id=regione_id).update(
        assegnato=F("assegnato") - delta_fondo
    )


def registra_pubblicazione(bando: Bando, riferimento: str) -> int:
    """The ledger's opening at publication: the regions' budgets in, the codes just created out."""
    f = MovimentoFondo._meta.db_table
    params = {
        "bando": bando.pk,
        "adesso": connection.ops.adapt_datetimefield_value(timezone.now()),
        "rif": riferimento,
        "dotazione": MovimentoFondo.Causale.DOTAZIONE.value,
        "assegnazione": MovimentoFondo.Causale.ASSEGNAZIONE.value,
    }
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {f} (bando_id, regione_id, delta, causale, codice_id, riferimento, creato_il)
                SELECT g.bando_id, g.regione_id, g.budget, %(dotazione)s, NULL, %(rif)s, %(adesso)s
                FROM {Graduatoria._meta.db_table} g WHERE g.bando_id = %(bando)s AND g.budget > 0""",
            params,
        )
        cursor.execute(
            f"""INSERT INTO {f} (bando_id, regione_id, delta, causale, codice_id, riferimento, creato_il)
                SELECT d.bando_id, d.regione_id, -c.assegnato, %(assegnazione)s, c.id, %(rif)s, %(adesso)s
                FROM {CodiceUnivoco._meta.db_table} c JOIN {Domanda._meta.db_table} d ON d.id = c.domanda_id
                WHERE d.bando_id = %(bando)s""",
            params,
        )
        return cursor.rowcount


def verifica_fondi(bando: Bando) -> list[str]:
    """Every broken invariant of the bando's pools and codes, in words; empty when all hold."""
    problemi = []
    codici = CodiceUnivoco.objects.filter(domanda__bando=bando)
    per_regione = dict(
        codici.values("domanda__regione_id")
        .annotate(s=Sum("assegnato"))
        .values_list("domanda__regione_id", "s")
    )
    fondo = dict(
        MovimentoFondo.objects.filter(bando=bando)
        .values("regione_id")
        .annotate(s=Sum("delta"))
        .values_list("regione_id", "s")
    )
    zero = Decimal("0.00")
    for g in Graduatoria.objects.filter(bando=bando, stato=Graduatoria.Stato.PUBBLICATA):
        assegnati = per_regione.get(g.regione_id) or zero
        if g.budget != assegnati + g.disponibile:
            problemi.append(f"{g.regione_id}: budget {g.budget} ≠ codici {assegnati} + fondo {g.disponibile}")
        if (fondo.get(g.regione_id) or zero) != g.disponibile:
            problemi.append(f"{g.regione_id}: registro del fondo {fondo.get(g.regione_id)} ≠ {g.disponibile}")
    sbagliati = (
        codici.annotate(
            ma=Sum("movimenti__delta_assegnato"),
            mp=Sum("movimenti__delta_prenotato"),
            mu=Sum("movimenti__delta_utilizzato"),
        )
        .exclude(ma=F("assegnato"), mp=F("prenotato"), mu=F("utilizzato"))
        .values_list("pk", flat=True)
    )
    problemi += [f"codice {pk}: movimenti ≠ colonne" for pk in sbagliati[:20]]
    negativi = codici.filter(assegnato__lt=F("prenotato") + F("utilizzato")).count()
    if negativi:
        problemi.append(f"{negativi} codici oltre l'assegnato")
    return problemi
