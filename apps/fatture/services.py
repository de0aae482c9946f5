"""Registering and withdrawing fatture; the payment states the monthly batch moves them through.

Every write on a Fattura goes through here. The payment-state functions below are set-based (a batch
moves thousands of fatture at once) and are called by `rimborsi` inside its own transaction; each
filters on the state it expects to leave, so a stale call changes nothing.
"""

import datetime as dt

from django.db.models import QuerySet

from apps.sedute import services as sedute

from .models import Fattura, SedutaFatturata

# --- Payment states (called by rimborsi) ------------------------------------------------------------


def segna_in_pagamento(fattura_ids) -> int:
    """da_pagare / sospesa → in_pagamento: the fatture entered a batch's rimborsi."""
    return Fattura.objects.filter(
        pk__in=fattura_ids, stato__in=[Fattura.Stato.DA_PAGARE, Fattura.Stato.SOSPESA]
    ).update(stato=Fattura.Stato.IN_PAGAMENTO)


def segna_sospese(fattura_ids) -> int:
    """da_pagare → sospesa: the batch found the region's funds short; the next batch tries again."""
    return Fattura.objects.filter(pk__in=fattura_ids, stato=Fattura.Stato.DA_PAGARE).update(
        stato=Fattura.Stato.SOSPESA
    )


def segna_rimborsate(fattura_ids, pagata_il: dt.date) -> int:
    """in_pagamento → rimborsata, and their sedute fatturata → rimborsata, with the payment date."""
    if not isinstance(fattura_ids, QuerySet):
        fattura_ids = list(fattura_ids)
    sedute.segna_sedute_rimborsate(
        SedutaFatturata.objects.filter(fattura_id__in=fattura_ids, attiva=True).values("seduta_id"), pagata_il
    )
    return Fattura.objects.filter(pk__in=fattura_ids, stato=Fattura.Stato.IN_PAGAMENTO).update(
        stato=Fattura.Stato.RIMBORSATA, rimborsata_il=pagata_il
    )


def segna_da_pagare(fattura_ids) -> int:
    """in_pagamento → da_pagare: the bank rejected the transfer; a later batch pays them."""
    return Fattura.objects.filter(pk__in=fattura_ids, stato=Fattura.Stato.IN_PAGAMENTO).update(
        stato=Fattura.Stato.DA_PAGARE
    )
