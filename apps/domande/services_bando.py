"""The operators' changes of a bando and of its regional budgets: every change audited with the old and
the new value of each field; once the graduatorie are published the rules are frozen, except the billing
deadline (`termine_fatturazione`), which INPS may set or move later.

Kept apart from services.py (the citizens' domande) because it is a different subject: the admin of the
bando calls these, nothing else writes a bando's rules."""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.core.exceptions import DomainError
from apps.core.locking import limita_attesa
from apps.core.services import audit

from .models import Bando, BudgetRegionale

MODIFICABILI_DOPO_PUBBLICAZIONE = frozenset({"termine_fatturazione"})


def _valore(v):
    """JSON for the audit trail: money and dates as text, a foreign key as its primary key."""
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v) if isinstance(v, Decimal) else v


def campi_regola() -> list:
    """The fields an operator edits (everything but the counters the services keep)."""
    return [f for f in Bando._meta.concrete_fields if f.editable and not f.primary_key]


def _blocca_bando(pk: int) -> Bando:
    # The row lock serialises a change with the publication (graduatorie.services.pubblica_graduatorie
    # locks the same row): whichever comes second sees the other's outcome, so no rule changes after
    # the publication has read it.
    limita_attesa()
    return Bando.objects.select_for_update().get(pk=pk)


def _rifiuta_se_pubblicato(attuale: Bando, campi: set[str]) -> None:
    vietati = sorted(campi - MODIFICABILI_DOPO_PUBBLICAZIONE)
    if attuale.graduatoria_pubblicata_il and vietati:
        raise DomainError(
            _(
                "Le graduatorie del bando %(anno)s sono pubblicate dal %(data)s: le regole non si possono "
                "più modificare (si può cambiare solo il termine per la fatturazione)."
            )
            % {
                "anno": attuale.anno,
                "data": date_format(attuale.graduatoria_pubblicata_il, "SHORT_DATE_FORMAT"),
            },
            field=vietati[0],
        )


@transaction.atomic
def salva_bando(bando: Bando, attore, territori_esclusi=None) -> dict:
    """Create `bando` or save the operator's changes to it; `territori_esclusi` (regions) when the form
    has them. Returns {field: {"prima", "dopo"}} of what changed, as audited."""
    if bando.pk is None:
        bando.save()
        if territori_esclusi is not None:
            bando.territori_esclusi.set(territori_esclusi)
        valori = {f.name: _valore(getattr(bando, f.attname)) for f in campi_regola()}
        audit(attore, "bando.creato", bando, valori=valori)
        return {}
    attuale = _blocca_bando(bando.pk)
    modifiche = {
        f.name: {"prima": _valore(getattr(attuale, f.attname)), "dopo": _valore(getattr(bando, f.attname))}
        for f in campi_regola()
        if getattr(attuale, f.attname) != getattr(bando, f.attname)
    }
    if territori_esclusi is not None:
        prima = sorted(attuale.territori_esclusi.values_list("pk", flat=True))
        dopo = sorted(t.pk for t in territori_esclusi)
        if prima != dopo:
            modifiche["territori_esclusi"] = {"prima": prima, "dopo": dopo}
    _rifiuta_se_pubblicato(attuale, set(modifiche))
    if not modifiche:
        return {}
    colonne = [nome for nome in modifiche if nome != "territori_esclusi"]
    if colonne:
        bando.save(update_fields=colonne)  # never the counters (ultimo_protocollo) or the publication date
    if "territori_esclusi" in modifiche:
        bando.territori_esclusi.set(territori_esclusi)
    audit(attore, "bando.modificato", bando, modifiche=modifiche)
    return modifiche


@transaction.atomic
def salva_budget(budget: BudgetRegionale, attore) -> None:
    """Create or change a region's budget of a bando not yet published; audited with old and new amount."""
    attuale = _blocca_bando(budget.bando_id)
    prima = BudgetRegionale.objects.filter(pk=budget.pk).first() if budget.pk else None
    cambiati = {
        campo: {
            "prima": _valore(getattr(prima, campo) if prima else None),
            "dopo": _valore(getattr(budget, campo)),
        }
        for campo in ("regione_id", "importo")
        if prima is None or getattr(prima, campo) != getattr(budget, campo)
    }
    if not cambiati:
        return
    _rifiuta_se_pubblicato(attuale, {"budget"})
    budget.save()
    azione = "budget.creato" if prima is None else "budget.modificato"
    audit(attore, azione, attuale, regione=budget.regione_id, modifiche=cambiati)


@transaction.atomic
def elimina_budget(budget: BudgetRegionale, attore) -> None:
    attuale = _blocca_bando(budget.bando_id)
    _rifiuta_se_pubblicato(attuale, {"budget"})
    audit(attore, "budget.eliminato", attuale, regione=budget.regione_id, importo=_valore(budget.importo))
    budget.delete()
