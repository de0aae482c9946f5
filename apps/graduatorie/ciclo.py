"""The code's lifecycle on schedule: expiry (`scadenza_codici`) and the first-seduta decadenza
(`decadenza_prima_seduta`). Both are set-based — a handful of statements per distinct deadline date,
whatever the number of codes — and idempotent: a second run on the same day finds nothing to change.

Expiry (decree 24/11/2023 art. 4.4, circ. 83/2022): a code whose `valido_fino_al` is before `oggi` becomes
scaduto. Its prenotate sedute not held within the validity (starting from 00:00 Europe/Rome of the day after
`valido_fino_al`: only a validity shortened by an operator leaves any) are cancelled ex officio; prenotate
sedute held within the validity stay, so the professional can still confirm them until the billing deadline.
Confirmed sedute stay payable. The residuo goes back to the region's pool (SCADENZA), and whatever is
released on the code later goes there too (apps.codici.services.muovi_importi).
30 days before `valido_fino_al` the applicant gets a reminder, once (the outbox's unique key).

Decadenza (circ. 124/2025 §6): a code with `prima_seduta_entro` = N becomes decaduto on a run after day N
unless a seduta held on or before day N was confirmed by the end of day N (Europe/Rome). Its sedute not
yet invoiced (prenotate, and any confermata: a late confirmation does not save the code) are cancelled ex
officio and everything not invoiced returns to the pool (DECADENZA).

Concurrency: each job locks the graduatorie of the bandi concerned first (the lock order of every pool
writer, apps.graduatorie.fondo), then the codes by updating their state. A booking in flight holds its
code: the update waits for it and then sees it (so it is cancelled if it falls after the validity, or
counted); a booking after the update waits for the code and then finds it scaduto or decaduto.
"""

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy, ngettext_lazy

from apps.codici.models import CodiceUnivoco, MovimentoCodice, MovimentoFondo
from apps.core.lingua import nella_lingua
from apps.core.models import Notifica
from apps.core.services import audit, queue_notifiche
from apps.domande.models import ROME, Domanda
from apps.professionisti.models import Professionista
from apps.sedute.models import Seduta

from .avvisi import accoda_avvisi
from .models import Graduatoria

SPENDIBILI = (CodiceUnivoco.Stato.ATTIVO.value, CodiceUnivoco.Stato.ESAURITO.value)
GIORNI_PROMEMORIA = 30

C = CodiceUnivoco._meta.db_table
S = Seduta._meta.db_table
M = MovimentoCodice._meta.db_table
F = MovimentoFondo._meta.db_table
D = Domanda._meta.db_table
G = Graduatoria._meta.db_table


def inizio_giorno(giorno: dt.date) -> dt.datetime:
    """00:00 Europe/Rome of `giorno`, whatever its UTC offset (DST included)."""
    return dt.datetime.combine(giorno, dt.time(), tzinfo=ROME)


def _data(giorno: dt.date):
    return lambda _lingua: formats.date_format(giorno, "SHORT_DATE_FORMAT")


def _sql_data(giorno: dt.date):
    return connection.ops.adapt_datefield_value(giorno)


def _numero_seduta() -> str:
    """SQL of Seduta.numero ("S" and eight digits) for `s.`."""
    if connection.vendor == "postgresql":
        return "'S' || lpad(CAST(s.id AS TEXT), 8, '0')"
    return "'S' || printf('%%08d', s.id)"


def _blocca_graduatorie(codici) -> None:
    bandi = codici.order_by().values_list("domanda__bando_id", flat=True).distinct()
    list(Graduatoria.objects.select_for_update().filter(bando_id__in=list(bandi)).order_by("pk").values("pk"))


def _annulla_sedute(codici_sql: str, sedute_sql: str, params: dict, adesso: dt.datetime) -> int:
    """Cancel ex officio the sedute `s.` of the codes `c.` matching the two conditions, releasing each amount
    from the code's prenotato (prenotata) or utilizzato (confermata) with its RILASCIO movement."""
    params = dict(params, adesso=connection.ops.adapt_datetimefield_value(adesso))
    pren = Seduta.Stato.PRENOTATA.value
    dove = f"s.codice_id IN (SELECT c.id FROM {C} c WHERE {codici_sql}) AND ({sedute_sql})"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {M} (codice_id, tipo, delta_assegnato, delta_prenotato, delta_utilizzato,
                    riferimento, creato_il)
                SELECT s.codice_id, '{MovimentoCodice.Tipo.RILASCIO.value}', 0,
                    CASE WHEN s.stato = '{pren}' THEN -s.importo ELSE 0 END,
                    CASE WHEN s.stato = '{pren}' THEN 0 ELSE -s.importo END,
                    {_numero_seduta()}, %(adesso)s
                FROM {S} s WHERE {dove}""",
            params,
        )
        for colonna, condizione in (
            ("prenotato", f"s.stato = '{pren}'"),
            ("utilizzato", f"s.stato <> '{pren}'"),
        ):
            cursor.execute(
                f"""UPDATE {C} SET {colonna} = {colonna} - (
                        SELECT COALESCE(SUM(s.importo), 0) FROM {S} s
                        WHERE s.codice_id = {C}.id AND ({sedute_sql}) AND {condizione})
                    WHERE id IN (SELECT s.codice_id FROM {S} s WHERE {dove} AND {condizione})""",
                params,
            )
        cursor.execute(
            f"""UPDATE {S} SET stato = '{Seduta.Stato.ANNULLATA.value}', annullata_il = %(adesso)s,
                    annullata_da = '{Seduta.AnnullataDa.UFFICIO.value}', revisione = revisione + 1
                WHERE id IN (SELECT s.id FROM {S} s WHERE {dove})""",
            params,
        )
        return cursor.rowcount


def _restituisci(stato: str, causale: str, adesso: dt.datetime) -> tuple[int, Decimal]:
    """The residuo of every code in `stato` back to its region's pool: RESTITUZIONE on the code,
    MovimentoFondo on the pool, Graduatoria.assegnato down, the code's assegnato down to what it holds."""
    params = {
        "stato": stato,
        "causale": causale,
        "adesso": connection.ops.adapt_datetimefield_value(adesso),
    }
    residuo = "(c.assegnato - c.prenotato - c.utilizzato)"
    dove = f"c.stato = %(stato)s AND {residuo} > 0"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), COALESCE(SUM({residuo}), 0) FROM {C} c WHERE {dove}", params)
        n, totale = cursor.fetchone()
        if not n:
            return 0, Decimal("0.00")
        cursor.execute(
            f"""INSERT INTO {M} (codice_id, tipo, delta_assegnato, delta_prenotato, delta_utilizzato,
                    riferimento, creato_il)
                SELECT c.id, '{MovimentoCodice.Tipo.RESTITUZIONE.value}', -{residuo}, 0, 0, %(causale)s,
                    %(adesso)s
                FROM {C} c WHERE {dove}""",
            params,
        )
        cursor.execute(
            f"""INSERT INTO {F} (bando_id, regione_id, delta, causale, codice_id, riferimento, creato_il)
                SELECT d.bando_id, d.regione_id, {residuo}, %(causale)s, c.id, '', %(adesso)s
                FROM {C} c JOIN {D} d ON d.id = c.domanda_id WHERE {dove}""",
            params,
        )
        # One sum per region, then one row per region (a correlated sum per graduatoria read every code
        # once per region: 20 s at 400 000 codes, bench/README.md).
        cursor.execute(
            f"""UPDATE {G} SET assegnato = {G}.assegnato - x.s
                FROM (SELECT d.bando_id, d.regione_id, SUM({residuo}) AS s
                      FROM {C} c JOIN {D} d ON d.id = c.domanda_id WHERE {dove}
                      GROUP BY d.bando_id, d.regione_id) x
                WHERE {G}.bando_id = x.bando_id AND {G}.regione_id = x.regione_id""",
            params,
        )
        # The same rows as `dove`, written on the table itself (no self-join).
        cursor.execute(
            f"""UPDATE {C} SET assegnato = prenotato + utilizzato
                WHERE stato = %(stato)s AND (assegnato - prenotato - utilizzato) > 0""",
            params,
        )
    return n, Decimal(totale).quantize(Decimal("0.01"))


def _scadi_restituendo(params: dict, adesso: dt.datetime) -> tuple[int, int, Decimal]:
    """PostgreSQL: one statement makes the day's codes scaduto and, for those without a booking after
    the validity to cancel (nearly all), also returns their residuo to the pool — code ledger, pool ledger
    and assegnato — instead of writing every code a second time in `_restituisci` (bench/README.md).
    The old assegnato comes from the subquery: only pool writers change it, and they wait on the
    graduatorie this job has locked. A booking in flight when the statement starts is waited for: the code
    row is re-read (its new prenotato kept out of the residuo) and, if the seduta falls after the validity,
    `_annulla_sedute` cancels it next and `_restituisci` returns what that frees. Returns (codes expired,
    codes whose residuo went back, the amount)."""
    params = dict(
        params,
        adesso=connection.ops.adapt_datetimefield_value(adesso),
        spendibili=list(SPENDIBILI),
        causale=MovimentoFondo.Causale.SCADENZA.value,
    )
    da_annullare = (
        f"EXISTS (SELECT 1 FROM {S} s WHERE s.codice_id = c.id"
        f" AND s.stato = '{Seduta.Stato.PRENOTATA.value}' AND s.inizio >= %(cutoff)s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH v AS (
                    SELECT id, assegnato AS vecchio FROM {C}
                    WHERE valido_fino_al = %(giorno)s AND stato = ANY(%(spendibili)s)),
                u AS (
                    UPDATE {C} c SET stato = %(scaduto)s,
                        assegnato = CASE WHEN {da_annullare} THEN c.assegnato
                                         ELSE c.prenotato + c.utilizzato END
                    FROM v WHERE c.id = v.id AND c.stato = ANY(%(spendibili)s)
                    RETURNING c.id, c.domanda_id, v.vecchio - c.assegnato AS r),
                m AS (
                    INSERT INTO {M} (codice_id, tipo, delta_assegnato, delta_prenotato, delta_utilizzato,
                        riferimento, creato_il)
                    SELECT id, '{MovimentoCodice.Tipo.RESTITUZIONE.value}', -r, 0, 0, %(causale)s, %(adesso)s
                    FROM u WHERE r > 0),
                f AS (
                    INSERT INTO {F} (bando_id, regione_id, delta, causale, codice_id, riferimento, creato_il)
                    SELECT d.bando_id, d.regione_id, u.r, %(causale)s, u.id, '', %(adesso)s
                    FROM u JOIN {D} d ON d.id = u.domanda_id WHERE u.r > 0)
                SELECT d.bando_id, d.regione_id, COUNT(*), COALESCE(SUM(u.r) FILTER (WHERE u.r > 0), 0),
                    COUNT(*) FILTER (WHERE u.r > 0)
                FROM u JOIN {D} d ON d.id = u.domanda_id GROUP BY d.bando_id, d.regione_id""",
            params,
        )
        righe = cursor.fetchall()
        for bando_id, regione_id, _n, somma, _r in righe:
            if somma:
                cursor.execute(
                    f"UPDATE {G} SET assegnato = assegnato - %s WHERE bando_id = %s AND regione_id = %s",
                    [somma, bando_id, regione_id],
                )
    totale = sum((Decimal(r[3]) for r in righe), Decimal("0"))
    return sum(r[2] for r in righe), sum(r[4] for r in righe), totale.quantize(Decimal("0.01"))


def _avvisa_professionisti(annullate: dict[int, int], prefisso: str, oggetto, testo, oggi: dt.date) -> int:
    """One e-mail per professional whose sedute a job cancelled (to the CNOP address, else the PEC)."""
    righe = []
    utenti = get_user_model().objects
    for professionista in Professionista.objects.filter(pk__in=annullate):
        destinatario = professionista.email or professionista.pec
        if not destinatario:
            continue
        with nella_lingua(utenti.filter(codice_fiscale=professionista.codice_fiscale).first()):
            n = annullate[professionista.pk]
            righe.append(
                Notifica(
                    chiave=f"{prefisso}:{professionista.pk}:{oggi.isoformat()}",
                    canale=Notifica.Canale.EMAIL,
                    destinatario=destinatario,
                    oggetto=str(oggetto),
                    testo=str(testo % {"n": n}),
                )
            )
    return queue_notifiche(righe)


def _annullate_per_professionista(adesso: dt.datetime, stato_codice: str) -> dict[int, int]:
    """How many sedute this run cancelled, per professional: one GROUP BY, not a row per seduta."""
    return dict(
        Seduta.objects.filter(
            annullata_il=adesso, annullata_da=Seduta.AnnullataDa.UFFICIO, codice__stato=stato_codice
        )
        .order_by()
        .values("professionista_id")
        .annotate(n=Count("pk"))
        .values_list("professionista_id", "n")
    )


OGGETTO_SCADUTO = gettext_lazy("Bonus psicologo: il codice univoco è scaduto")
TESTO_SCADUTO = gettext_lazy(
    "Il codice univoco della domanda %(protocollo)s era valido fino al %(data)s ed è scaduto. Le sedute "
    "confermate restano rimborsabili; l'importo non utilizzato torna ai fondi della regione."
)
OGGETTO_PROMEMORIA = gettext_lazy("Bonus psicologo: il codice univoco scade tra poco")
TESTO_PROMEMORIA = gettext_lazy(
    "Il codice univoco della domanda %(protocollo)s è valido fino al %(data)s. Dopo quella data l'importo "
    "non utilizzato non sarà più disponibile: prenota le sedute con il tuo psicoterapeuta."
)
OGGETTO_PROF_SCADUTO = gettext_lazy("Bonus psicologo: sedute annullate per la scadenza del codice")
TESTO_PROF_SCADUTO = ngettext_lazy(
    "%(n)s tua seduta prenotata dopo la scadenza del codice univoco del paziente è stata annullata "
    "d'ufficio.",
    "%(n)s tue sedute prenotate dopo la scadenza del codice univoco dei pazienti sono state annullate "
    "d'ufficio.",
    "n",
)


def scadenza_codici(oggi: dt.date, *, attore=None) -> dict:
    """Expire the codes past their validity, then queue the reminders of those expiring within 30 days."""
    adesso = timezone.now()
    risultato = {
        "oggi": oggi.isoformat(),
        "scaduti": 0,
        "sedute_annullate": 0,
        "restituiti": 0,
        "restituito": "0.00",
        "promemoria": 0,
        "notifiche": 0,
    }
    da_scadere = CodiceUnivoco.objects.filter(valido_fino_al__lt=oggi, stato__in=SPENDIBILI)
    with transaction.atomic():
        _blocca_graduatorie(da_scadere)
        scaduto = CodiceUnivoco.Stato.SCADUTO.value
        giorni = sorted(set(da_scadere.order_by().values_list("valido_fino_al", flat=True).distinct()))
        restituito = Decimal("0.00")
        for giorno in giorni:
            params = {
                "giorno": _sql_data(giorno),
                "cutoff": connection.ops.adapt_datetimefield_value(
                    inizio_giorno(giorno + dt.timedelta(days=1))
                ),
                "scaduto": scaduto,
            }
            if connection.vendor == "postgresql":
                n, restituiti, somma = _scadi_restituendo(params, adesso)
                risultato["scaduti"] += n
                risultato["restituiti"] += restituiti
                restituito += somma
            else:  # SQLite (make run): the state here, the residuo in _restituisci below
                risultato["scaduti"] += da_scadere.filter(valido_fino_al=giorno).update(stato=scaduto)
            risultato["sedute_annullate"] += _annulla_sedute(
                "c.stato = %(scaduto)s AND c.valido_fino_al = %(giorno)s",
                f"s.stato = '{Seduta.Stato.PRENOTATA.value}' AND s.inizio >= %(cutoff)s",
                params,
                adesso,
            )
            risultato["notifiche"] += accoda_avvisi(
                "scadenza",
                "c.stato = %(scaduto)s AND c.valido_fino_al = %(giorno)s",
                params,
                OGGETTO_SCADUTO,
                TESTO_SCADUTO,
                {"data": _data(giorno)},
            )
        n, totale = _restituisci(scaduto, MovimentoFondo.Causale.SCADENZA.value, adesso)
        risultato["restituiti"] += n
        risultato["restituito"] = f"{restituito + totale:.2f}"
        if risultato["sedute_annullate"]:
            risultato["notifiche"] += _avvisa_professionisti(
                _annullate_per_professionista(adesso, scaduto),
                "scadenza-sedute",
                OGGETTO_PROF_SCADUTO,
                TESTO_PROF_SCADUTO,
                oggi,
            )
    in_scadenza = CodiceUnivoco.objects.filter(
        stato=CodiceUnivoco.Stato.ATTIVO,
        valido_fino_al__gte=oggi,
        valido_fino_al__lte=oggi + dt.timedelta(days=GIORNI_PROMEMORIA),
    )
    for giorno in sorted(set(in_scadenza.order_by().values_list("valido_fino_al", flat=True).distinct())):
        with transaction.atomic():
            risultato["promemoria"] += accoda_avvisi(
                "promemoria-scadenza",
                "c.stato = %(attivo)s AND c.valido_fino_al = %(giorno)s"
                " AND c.assegnato > c.prenotato + c.utilizzato",
                {"attivo": CodiceUnivoco.Stato.ATTIVO.value, "giorno": _sql_data(giorno)},
                OGGETTO_PROMEMORIA,
                TESTO_PROMEMORIA,
                {"data": _data(giorno)},
            )
    if risultato["scaduti"] or risultato["restituiti"]:
        audit(attore, "codici.scadenza", None, **risultato)
    return risultato


OGGETTO_DECADUTO = gettext_lazy("Bonus psicologo: il codice univoco è decaduto")
TESTO_DECADUTO = gettext_lazy(
    "Per la domanda %(protocollo)s la prima seduta non è stata svolta e confermata entro il %(data)s: il "
    "codice univoco è decaduto e l'importo torna ai fondi della regione (circolare INPS 124/2025)."
)
OGGETTO_PROF_DECADUTO = gettext_lazy("Bonus psicologo: sedute annullate per decadenza del codice")
TESTO_PROF_DECADUTO = ngettext_lazy(
    "%(n)s tua seduta su un codice univoco decaduto (prima seduta non confermata entro il termine) è stata "
    "annullata d'ufficio.",
    "%(n)s tue sedute su codici univoci decaduti (prima seduta non confermata entro il termine) sono state "
    "annullate d'ufficio.",
    "n",
)
SVOLTE = (Seduta.Stato.CONFERMATA.value, Seduta.Stato.FATTURATA.value, Seduta.Stato.RIMBORSATA.value)


def decadenza_prima_seduta(oggi: dt.date, *, attore=None) -> dict:
    adesso = timezone.now()
    risultato = {
        "oggi": oggi.isoformat(),
        "decaduti": 0,
        "sedute_annullate": 0,
        "restituiti": 0,
        "restituito": "0.00",
        "notifiche": 0,
    }
    candidati = CodiceUnivoco.objects.filter(prima_seduta_entro__lt=oggi, stato__in=SPENDIBILI)
    decaduto = CodiceUnivoco.Stato.DECADUTO.value
    with transaction.atomic():
        _blocca_graduatorie(candidati)
        for giorno in sorted(
            set(candidati.order_by().values_list("prima_seduta_entro", flat=True).distinct())
        ):
            fine = inizio_giorno(giorno + dt.timedelta(days=1))
            in_tempo = Seduta.objects.filter(stato__in=SVOLTE, inizio__lt=fine, confermata_il__lt=fine)
            decadono = candidati.filter(prima_seduta_entro=giorno).exclude(
                pk__in=in_tempo.filter(codice__prima_seduta_entro=giorno).values("codice_id")
            )
            n = decadono.update(stato=decaduto)
            if not n:
                continue
            risultato["decaduti"] += n
            params = {"giorno": _sql_data(giorno), "decaduto": decaduto}
            # Codes that were already decaduto have nothing left to cancel: matching them again is harmless.
            risultato["sedute_annullate"] += _annulla_sedute(
                "c.stato = %(decaduto)s AND c.prima_seduta_entro = %(giorno)s",
                f"s.stato IN ('{Seduta.Stato.PRENOTATA.value}', '{Seduta.Stato.CONFERMATA.value}')",
                params,
                adesso,
            )
            risultato["notifiche"] += accoda_avvisi(
                "decadenza",
                "c.stato = %(decaduto)s AND c.prima_seduta_entro = %(giorno)s",
                params,
                OGGETTO_DECADUTO,
                TESTO_DECADUTO,
                {"data": _data(giorno)},
            )
        n, totale = _restituisci(decaduto, MovimentoFondo.Causale.DECADENZA.value, adesso)
        risultato["restituiti"], risultato["restituito"] = n, f"{totale:.2f}"
        if risultato["sedute_annullate"]:
            risultato["notifiche"] += _avvisa_professionisti(
                _annullate_per_professionista(adesso, decaduto),
                "decadenza-sedute",
                OGGETTO_PROF_DECADUTO,
                TESTO_PROF_DECADUTO,
                oggi,
            )
    if risultato["decaduti"] or risultato["restituiti"]:
        audit(attore, "codici.decadenza", None, **risultato)
    return risultato
