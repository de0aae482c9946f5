"""`monitoraggio --mese YYYY-MM`: the month's snapshot of every bando with codes, written once.

What a snapshot counts, at the end of month M (before 00:00 Europe/Rome of the 1st of M+1):
- beneficiaries: the codes issued by then (whatever their state since), by region, sex (from the codice
  fiscale, omocodic codes included), age band on the 1st of M (0–17, 18–35, 36–50, 51–65, 66+), ISEE band
  (A/B/C by the bando's thresholds) and province of residence;
- sedute held: confermate, fatturate or rimborsate that started by then, and their amount;
- payments: the fatture paid by then (their rimborso paid on or before the last day of M), count and amount
  per region, and the funds each region had transferred by then against what was paid.
A month not yet ended is refused; a snapshot already stored is returned unchanged (past snapshots never
change, even when later corrections would give other figures). The codes are read in one pass with
`.iterator()`: the sex and age decoding is per code, the rest are aggregate queries.
"""

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.codici.models import CodiceUnivoco
from apps.core.exceptions import DomainError
from apps.core.nascita import fascia_eta, sesso
from apps.core.services import audit
from apps.domande.models import Bando
from apps.rimborsi.models import Rimborso, TrasferimentoRisorse, VoceRimborso
from apps.rimborsi.services import fine_del_mese, mese_successivo
from apps.sedute.models import Seduta

from .models import Instantanea

SEDUTE_SVOLTE = [Seduta.Stato.CONFERMATA, Seduta.Stato.FATTURATA, Seduta.Stato.RIMBORSATA]


def _importo(valore) -> str:
    return f"{(valore or Decimal('0')):.2f}"


def calcola_dati(bando: Bando, mese: dt.date) -> dict:
    fine = fine_del_mese(mese)
    ultimo_giorno = mese_successivo(mese) - dt.timedelta(days=1)
    per_regione, per_sesso, per_eta, per_isee, per_provincia = (Counter() for _i in range(5))
    codici = CodiceUnivoco.objects.filter(domanda__bando=bando, creato_il__lt=fine).values_list(
        "domanda__cf_beneficiario", "domanda__regione_id", "domanda__provincia_id", "domanda__isee"
    )
    for cf, regione, provincia, isee in codici.iterator(chunk_size=2000):
        per_regione[regione] += 1
        per_sesso[sesso(cf) or "?"] += 1
        per_eta[fascia_eta(cf, mese) or "?"] += 1
        per_isee[bando.fascia(isee) or "?"] += 1
        per_provincia[provincia] += 1
    sedute = Seduta.objects.filter(
        codice__domanda__bando=bando, stato__in=SEDUTE_SVOLTE, inizio__lt=fine
    ).aggregate(n=Count("pk"), importo=Sum("importo"))
    pagate = (
        VoceRimborso.objects.filter(
            bando=bando,
            attiva=True,
            rimborso__stato=Rimborso.Stato.PAGATO,
            rimborso__pagato_il__lte=ultimo_giorno,
        )
        .values("regione_id")
        .annotate(n=Count("pk"), importo=Sum("importo"))
        .order_by("regione_id")
    )
    trasferito = (
        TrasferimentoRisorse.objects.filter(bando=bando, data__lte=ultimo_giorno)
        .values("regione_id")
        .annotate(importo=Sum("importo"))
        .order_by("regione_id")
    )
    fondi: dict = defaultdict(lambda: {"trasferito": "0.00", "pagato": "0.00"})
    for riga in trasferito:
        fondi[riga["regione_id"]]["trasferito"] = _importo(riga["importo"])
    pagamenti = {}
    for riga in pagate:
        pagamenti[riga["regione_id"]] = {"fatture": riga["n"], "importo": _importo(riga["importo"])}
        fondi[riga["regione_id"]]["pagato"] = _importo(riga["importo"])
    return {
        "beneficiari": {
            "totale": sum(per_regione.values()),
            "per_regione": dict(sorted(per_regione.items())),
            "per_sesso": dict(sorted(per_sesso.items())),
            "per_eta": dict(sorted(per_eta.items())),
            "per_isee": dict(sorted(per_isee.items())),
            "per_provincia": dict(sorted(per_provincia.items())),
        },
        "sedute": {"svolte": sedute["n"], "importo": _importo(sedute["importo"])},
        "pagamenti": pagamenti,
        "fondi": dict(sorted(fondi.items())),
    }


def genera_instantanee(mese: dt.date, utente=None, *, oggi: dt.date | None = None) -> list[Instantanea]:
    """The snapshots of month `mese` for every bando with a code issued by its end; stored ones unchanged."""
    mese = mese.replace(day=1)
    oggi = oggi or timezone.localdate()
    if mese_successivo(mese) > oggi:
        raise DomainError(
            _(
                "Il mese %(mese)s non è ancora finito: il monitoraggio si calcola dal primo giorno "
                "del mese successivo."
            )
            % {"mese": f"{mese:%m/%Y}"},
            "mese",
        )
    bandi = Bando.objects.filter(
        pk__in=CodiceUnivoco.objects.filter(creato_il__lt=fine_del_mese(mese)).values("domanda__bando_id")
    ).order_by("anno")
    risultato = []
    for bando in bandi:
        esistente = Instantanea.objects.filter(bando=bando, mese=mese).first()
        if esistente is None:
            dati = calcola_dati(bando, mese)
            try:
                with transaction.atomic():
                    esistente = Instantanea.objects.create(bando=bando, mese=mese, dati=dati)
                    audit(utente, "monitoraggio.instantanea", esistente, mese=mese.isoformat())
            except IntegrityError:  # a run at the same time stored it first: theirs stands
                esistente = Instantanea.objects.get(bando=bando, mese=mese)
        risultato.append(esistente)
    return risultato
