"""Ranking and publication of the regional graduatorie. Admin actions, commands and tasks call these."""

import datetime as dt

from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from apps.codici.services import crea_codici
from apps.core.exceptions import DomainError
from apps.core.locking import limita_attesa, servizio_occupato
from apps.core.models import Notifica, Regione
from apps.core.services import audit, avvia_invio
from apps.domande.models import Bando, BudgetRegionale, Domanda

from . import ranking
from .models import ESITI_FINANZIATI, Esito, Graduatoria, Posizione


def _lock_graduatorie(bando: Bando) -> list[Graduatoria]:
    """Lock (creating if needed) the bando's 21 regional graduatorie, refreshing unpublished budgets."""
    budget = dict(BudgetRegionale.objects.filter(bando=bando).values_list("regione_id", "importo"))
    esistenti = set(Graduatoria.objects.filter(bando=bando).values_list("regione_id", flat=True))
    Graduatoria.objects.bulk_create(
        [
            Graduatoria(bando=bando, regione_id=r, budget=budget.get(r, 0))
            for r in Regione.objects.values_list("codice", flat=True)
            if r not in esistenti
        ],
        ignore_conflicts=True,
    )
    graduatorie = list(Graduatoria.objects.select_for_update().filter(bando=bando).order_by("regione_id"))
    for g in graduatorie:
        if g.stato != Graduatoria.Stato.PUBBLICATA:
            g.budget = budget.get(g.regione_id, 0)
    return graduatorie


def _statistiche(graduatorie_ids: list[int]) -> dict[int, dict]:
    """Per graduatoria: amount assigned, ranked and funded domande, ISEE of the last funded one.

    Aggregates Posizione alone (no join over a million domande); the last funded applicant is the
    funded one with the highest position, so its ISEE is one indexed lookup per region."""
    stats = {
        row["graduatoria_id"]: row
        for row in Posizione.objects.filter(graduatoria_id__in=graduatorie_ids)
        .values("graduatoria_id")
        .annotate(
            assegnato=Sum("importo_assegnato"),
            in_graduatoria=Count("pk", filter=Q(posizione__isnull=False)),
            finanziate=Count("pk", filter=Q(esito__in=ESITI_FINANZIATI)),
            ultima_finanziata=Max("posizione", filter=Q(esito__in=ESITI_FINANZIATI)),
        )
    }
    ultime = Q(pk__in=[])
    for gid, row in stats.items():
        if row["ultima_finanziata"] is not None:
            ultime |= Q(graduatoria_id=gid, posizione=row["ultima_finanziata"])
    for gid, isee in Posizione.objects.filter(ultime).values_list("graduatoria_id", "domanda__isee"):
        stats[gid]["isee_ultimo"] = isee
    return stats


@servizio_occupato()
@transaction.atomic
def calcola_graduatorie(bando: Bando, attore=None) -> dict:
    """Compute (or recompute, while unpublished) every region's ranking of the bando."""
    # The bando and its graduatorie are locked for the whole run: a second run, or a publication,
    # waits at most LOCK_TIMEOUT_MS and is told the service is busy instead of hanging.
    limita_attesa()
    bando = Bando.objects.select_for_update().get(pk=bando.pk)
    graduatorie = _lock_graduatorie(bando)
    if any(g.stato == Graduatoria.Stato.PUBBLICATA for g in graduatorie):
        raise DomainError(f"La graduatoria del bando {bando.anno} è già pubblicata: non si ricalcola.")
    Posizione.objects.filter(graduatoria__bando=bando).delete()
    for g in graduatorie:
        # Reset with the budget: a lowered budget below the old `assegnato` would break the check.
        g.assegnato = 0
    Graduatoria.objects.bulk_update(graduatorie, ["budget", "assegnato"])
    ranking.prepara_sessione()
    inserite = ranking.inserisci_posizioni(bando)

    stats = _statistiche([g.pk for g in graduatorie])
    adesso = timezone.now()
    for g in graduatorie:
        s = stats.get(g.pk, {})
        g.assegnato = s.get("assegnato") or 0
        g.domande_in_graduatoria = s.get("in_graduatoria", 0)
        g.finanziate = s.get("finanziate", 0)
        g.isee_ultimo_finanziato = s.get("isee_ultimo")
        g.stato = Graduatoria.Stato.CALCOLATA
        g.calcolata_il = adesso
    Graduatoria.objects.bulk_update(
        graduatorie,
        [
            "assegnato",
            "domande_in_graduatoria",
            "finanziate",
            "isee_ultimo_finanziato",
            "stato",
            "calcolata_il",
        ],
    )
    riepilogo = {
        "domande": inserite,
        "finanziate": sum(g.finanziate for g in graduatorie),
        "assegnato": str(sum(g.assegnato for g in graduatorie)),
    }
    audit(attore, "graduatoria.calcolata", bando, **riepilogo)
    return riepilogo


OGGETTO_ESITO = "Esito della domanda – Bonus psicologo"
TESTO_ESITO = {
    "inizio": "La domanda ",
    "finanziata": (
        " per il Contributo sessioni di psicoterapia è stata accolta. "
        "Importo e codice univoco sono nel provvedimento, in Ricevute e provvedimenti sul portale."
    ),
    "in_graduatoria": (
        " per il Contributo sessioni di psicoterapia è in graduatoria ma non è "
        "stata finanziata con i fondi attuali. Posizione e dettagli in Ricevute e provvedimenti."
    ),
    "respinta": (
        " per il Contributo sessioni di psicoterapia non è stata accolta. "
        "Il provvedimento è in Ricevute e provvedimenti sul portale."
    ),
}  # The code itself is never in a message: it is read in the provvedimento, after login.


def _accoda_esiti(bando: Bando) -> int:
    """Queue one e-mail and one SMS per applicant (where given), in two INSERT … SELECT: a bando
    has hundreds of thousands of applicants. The outbox's unique `chiave` makes a second run queue
    nothing (ON CONFLICT DO NOTHING). Returns how many rows were queued now."""
    from django.db import connection

    n = Notifica._meta.db_table
    p = Posizione._meta.db_table
    g = Graduatoria._meta.db_table
    d = Posizione._meta.get_field("domanda").related_model._meta.db_table
    finanziate = ", ".join(f"'{e.value}'" for e in ESITI_FINANZIATI)
    params = {
        **TESTO_ESITO,
        "bando": bando.pk,
        "oggetto": OGGETTO_ESITO,
        "non_accolta": Esito.NON_ACCOLTA_PROVVISORIA.value,
        "adesso": connection.ops.adapt_datetimefield_value(timezone.now()),
    }
    accodate = 0
    with connection.cursor() as cursor:
        for canale, colonna, oggetto in (("email", "email", "%(oggetto)s"), ("sms", "cellulare", "''")):
            cursor.execute(
                f"""INSERT INTO {n} (chiave, canale, destinatario, oggetto, testo, stato, tentativi,
                        ultimo_errore, creata_il)
                    SELECT 'esito:' || d.id || ':{canale}', '{canale}', d.{colonna}, {oggetto},
                        %(inizio)s || d.protocollo || CASE
                            WHEN p.esito IN ({finanziate}) THEN %(finanziata)s
                            WHEN p.esito = %(non_accolta)s THEN %(in_graduatoria)s
                            ELSE %(respinta)s
                        END,
                        '{Notifica.Stato.IN_CODA.value}', 0, '', %(adesso)s
                    FROM {p} p
                    JOIN {g} g ON g.id = p.graduatoria_id
                    JOIN {d} d ON d.id = p.domanda_id
                    WHERE g.bando_id = %(bando)s AND d.{colonna} <> ''
                    ON CONFLICT (chiave) DO NOTHING""",
                params,
            )
            accodate += cursor.rowcount
    avvia_invio()
    return accodate


@servizio_occupato()
@transaction.atomic
def pubblica_graduatorie(bando: Bando, data: dt.date | None = None, attore=None) -> dict:
    """Freeze the bando's graduatorie, create one code per funded domanda, queue the outcomes."""
    data = data or timezone.localdate()
    # Same bounded wait as calcola_graduatorie: a publication racing a ranking gives up with a message.
    limita_attesa()
    # FOR UPDATE on the bando row waits for every web submission in flight (they hold it FOR SHARE until
    # commit) and makes the later ones read the bando as published: from here on no domanda joins it.
    bando = Bando.objects.select_for_update().get(pk=bando.pk)
    graduatorie = list(Graduatoria.objects.select_for_update().filter(bando=bando))
    if not graduatorie or any(g.stato == Graduatoria.Stato.DA_CALCOLARE for g in graduatorie):
        raise DomainError(f"Calcolare la graduatoria del bando {bando.anno} prima di pubblicarla.")
    if any(g.stato == Graduatoria.Stato.PUBBLICATA for g in graduatorie):
        raise DomainError(f"La graduatoria del bando {bando.anno} è già pubblicata.")
    # Every domanda that committed before the lock must be ranked: one that arrived after the
    # calculation (the window may still be open) would otherwise never be.
    if Domanda.objects.filter(bando=bando, posizione__isnull=True).exists():
        raise DomainError(
            f"Sono arrivate domande per il bando {bando.anno} dopo il calcolo della graduatoria: "
            "ricalcolarla prima di pubblicarla."
        )

    finanziate = Posizione.objects.filter(graduatoria__bando=bando, esito__in=ESITI_FINANZIATI).values_list(
        "domanda_id", "importo_assegnato"
    )
    prima_seduta = data + dt.timedelta(days=bando.giorni_prima_seduta) if bando.giorni_prima_seduta else None
    codici = crea_codici(
        finanziate.order_by("domanda_id"),
        valido_dal=data,
        # The term runs from the publication day, which is not counted (dies a quo non computatur).
        valido_fino_al=data + dt.timedelta(days=bando.giorni_validita),
        prima_seduta_entro=prima_seduta,
        riferimento=f"graduatoria:{bando.anno}",
    )
    Graduatoria.objects.filter(bando=bando).update(stato=Graduatoria.Stato.PUBBLICATA, pubblicata_il=data)
    Bando.objects.filter(pk=bando.pk).update(graduatoria_pubblicata_il=data)
    notifiche = _accoda_esiti(bando)
    riepilogo = {"codici": codici, "notifiche": notifiche, "data": data.isoformat()}
    audit(attore, "graduatoria.pubblicata", bando, **riepilogo)
    return riepilogo
