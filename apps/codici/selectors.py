from django.db.models import Sum

from apps.domande.selectors import per_cittadino

from .models import CodiceUnivoco, MovimentoCodice


def codici_del_cittadino(user):
    """Codes whose beneficiary is the user, or whose domanda the user submitted (e.g. for a child)."""
    return (
        CodiceUnivoco.objects.filter(per_cittadino(user.codice_fiscale, prefisso="domanda__"))
        .select_related("domanda", "domanda__bando")
        .order_by("-valido_dal", "-pk")
    )


def saldi_dal_registro(codice: CodiceUnivoco) -> dict:
    """The balances recomputed from the ledger (used by tests and by the admin's consistency view)."""
    agg = MovimentoCodice.objects.filter(codice=codice).aggregate(
        assegnato=Sum("delta_assegnato"), prenotato=Sum("delta_prenotato"), utilizzato=Sum("delta_utilizzato")
    )
    return {k: v or 0 for k, v in agg.items()}
