"""Ranking and publication of the regional graduatorie. Admin actions, commands and tasks call these."""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from apps.codici.services import crea_codici
from apps.core.exceptions import DomainError
from apps.core.locking import limita_attesa, servizio_occupato
from apps.core.models import Notifica, Regione
from apps.core.money import euro
from apps.core.services import audit, avvia_invio
from apps.domande.models import Bando, BudgetRegionale, Domanda

from . import ranking
from .fondo import registra_pubblicazione
from .models import ESITI_FINANZIATI, Esito, Graduatoria, Posizione

# Italian first: the fallback for a language not set or not known.
LINGUE_ESITO = [settings.LANGUAGE_CODE] + [c for c, _n in settings.LANGUAGES if c != settings.LANGUAGE_CODE]


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
        raise DomainError(
            _g("La graduatoria del bando %(anno)s è già pubblicata: non si ricalcola.") % {"anno": bando.anno}
        )
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


OGGETTO_ESITO = _("Esito della domanda – Bonus psicologo")
# Each esito its own text, with the amount where there is one. %(protocollo)s and %(importo)s are filled
# in by the database (accoda_esiti). The code itself is never in a message: it is read in the
# provvedimento, after login.
TESTO_ESITO = {
    "accolta": _(
        "La domanda %(protocollo)s per il Contributo sessioni di psicoterapia è stata accolta: importo "
        "assegnato %(importo)s. Il codice univoco è nel provvedimento, in Ricevute e provvedimenti sul "
        "portale."
    ),
    "parzialmente_accolta": _(
        "La domanda %(protocollo)s per il Contributo sessioni di psicoterapia è stata parzialmente accolta: "
        "i fondi della regione coprono %(importo)s, meno dell'importo spettante. Il codice univoco è nel "
        "provvedimento, in Ricevute e provvedimenti sul portale."
    ),
    "in_graduatoria": _(
        "La domanda %(protocollo)s per il Contributo sessioni di psicoterapia è in graduatoria ma non è "
        "stata finanziata con i fondi attuali: potrà esserlo per scorrimento se si rendono disponibili "
        "fondi. Posizione e dettagli in Ricevute e provvedimenti sul portale."
    ),
    "respinta": _(
        "La domanda %(protocollo)s per il Contributo sessioni di psicoterapia non è stata accolta. "
        "Il motivo è nel provvedimento, in Ricevute e provvedimenti sul portale."
    ),
}
_PROTOCOLLO, _IMPORTO = "\x01protocollo\x01", "\x01importo\x01"  # where the database puts its values


def _importo_sql(lingua: str) -> str:
    """SQL of Posizione.importo_assegnato (`p.`) written as apps.core.money.euro writes it in `lingua`."""
    from django.db import connection

    if connection.vendor == "postgresql":
        numero = "to_char(p.importo_assegnato, 'FM999,999,999,990.00')"  # 1,500.00
    else:  # SQLite (make run): whole euros with separators, then the cents ("%%" is a literal %)
        centesimi = "CAST(round(p.importo_assegnato * 100) AS INTEGER)"
        numero = f"(printf('%%,d', {centesimi} / 100) || '.' || printf('%%02d', {centesimi} %% 100))"
    with translation.override(lingua):
        campione = euro(Decimal("1500"))
    if campione.startswith("1.500,00"):  # Italian, German: the separators swapped, the symbol after
        return f"replace(replace(replace({numero}, ',', '#'), '.', ','), '#', '.') || ' €'"
    return f"'€' || {numero}"


def _testo_sql(canale: str) -> tuple[str, dict]:
    """The outcome's text as one SQL expression (a CASE over the applicant's language and the esito),
    with its parameters: each language's texts written with Django's translations, once."""
    finanziate = {Esito.ACCOLTA.value: "accolta", Esito.PARZIALMENTE_ACCOLTA.value: "parzialmente_accolta"}
    params, rami = {}, []
    for lingua in LINGUE_ESITO:
        with translation.override(lingua):
            testi = {
                k: str(v) % {"protocollo": _PROTOCOLLO, "importo": _IMPORTO} for k, v in TESTO_ESITO.items()
            }
            params[f"oggetto_{lingua}"] = str(OGGETTO_ESITO)
        for chiave, testo in testi.items():
            params[f"{lingua}_{chiave}"] = testo
        importo = _importo_sql(lingua)
        casi = " ".join(f"WHEN '{esito}' THEN %({lingua}_{chiave})s" for esito, chiave in finanziate.items())
        testo_sql = (
            f"CASE p.esito {casi} WHEN '{Esito.NON_ACCOLTA_PROVVISORIA.value}'"
            f" THEN %({lingua}_in_graduatoria)s ELSE %({lingua}_respinta)s END"
        )
        testo_sql = f"replace(replace({testo_sql}, '{_PROTOCOLLO}', d.protocollo), '{_IMPORTO}', {importo})"
        oggetto_sql = f"%(oggetto_{lingua})s" if canale == "email" else "''"
        rami.append((lingua, testo_sql, oggetto_sql))
    lingua_sql = "COALESCE(u.lingua, '')"
    testo = "CASE " + " ".join(f"WHEN {lingua_sql} = '{lg}' THEN {t}" for lg, t, _o in rami[1:])
    testo += f" ELSE {rami[0][1]} END"
    oggetto = "CASE " + " ".join(f"WHEN {lingua_sql} = '{lg}' THEN {o}" for lg, _t, o in rami[1:])
    oggetto += f" ELSE {rami[0][2]} END"
    return f"{oggetto}, {testo}", params


def accoda_esiti(bando: Bando, *, scorrimento=None) -> int:
    """Queue one e-mail and one SMS per applicant (where given), in two INSERT … SELECT: a bando
    has hundreds of thousands of applicants. With `scorrimento`, only to the applicants it funded or
    topped up (keys `scorrimento:N:…`, so each run's news goes out once). Each is written in the
    applicant's language (their `lingua`, Italian when none: a domanda of another channel has no
    user), with the esito's own text and the amount. The outbox's unique `chiave` makes a second run
    queue nothing (ON CONFLICT DO NOTHING). Returns how many rows were queued now."""
    from django.db import connection

    n = Notifica._meta.db_table
    p = Posizione._meta.db_table
    g = Graduatoria._meta.db_table
    d = Posizione._meta.get_field("domanda").related_model._meta.db_table
    u = get_user_model()._meta.db_table
    params = {
        "bando": bando.pk,
        "adesso": connection.ops.adapt_datetimefield_value(timezone.now()),
    }
    prefisso, filtro = "esito:", ""
    if scorrimento is not None:
        prefisso, filtro = f"scorrimento:{scorrimento.pk}:", "AND p.scorrimento_id = %(scorrimento)s"
        params["scorrimento"] = scorrimento.pk
    accodate = 0
    with connection.cursor() as cursor:
        for canale, colonna in (("email", "email"), ("sms", "cellulare")):
            oggetto_e_testo, testi = _testo_sql(canale)
            cursor.execute(
                f"""INSERT INTO {n} (chiave, canale, destinatario, oggetto, testo, stato, tentativi,
                        ultimo_errore, creata_il)
                    SELECT '{prefisso}' || d.id || ':{canale}', '{canale}', d.{colonna}, {oggetto_e_testo},
                        '{Notifica.Stato.IN_CODA.value}', 0, '', %(adesso)s
                    FROM {p} p
                    JOIN {g} g ON g.id = p.graduatoria_id
                    JOIN {d} d ON d.id = p.domanda_id
                    LEFT JOIN {u} u ON u.id = d.richiedente_id
                    WHERE g.bando_id = %(bando)s AND d.{colonna} <> '' {filtro}
                    ON CONFLICT (chiave) DO NOTHING""",
                params | testi,
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
        raise DomainError(
            _g("Calcolare la graduatoria del bando %(anno)s prima di pubblicarla.") % {"anno": bando.anno}
        )
    if any(g.stato == Graduatoria.Stato.PUBBLICATA for g in graduatorie):
        raise DomainError(_g("La graduatoria del bando %(anno)s è già pubblicata.") % {"anno": bando.anno})
    # Every domanda that committed before the lock must be ranked: one that arrived after the
    # calculation (the window may still be open) would otherwise never be.
    if Domanda.objects.filter(bando=bando, posizione__isnull=True).exists():
        raise DomainError(
            _g(
                "Sono arrivate domande per il bando %(anno)s dopo il calcolo della graduatoria: "
                "ricalcolarla prima di pubblicarla."
            )
            % {"anno": bando.anno}
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
    registra_pubblicazione(bando, f"graduatoria:{bando.anno}")
    Graduatoria.objects.filter(bando=bando).update(stato=Graduatoria.Stato.PUBBLICATA, pubblicata_il=data)
    Bando.objects.filter(pk=bando.pk).update(graduatoria_pubblicata_il=data)
    notifiche = accoda_esiti(bando)
    riepilogo = {"codici": codici, "notifiche": notifiche, "data": data.isoformat()}
    audit(attore, "graduatoria.pubblicata", bando, **riepilogo)
    return riepilogo
