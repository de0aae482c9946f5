"""Batches written directly, as genera_rimborsi leaves them: a LottoRimborsi, one Rimborso per
professional with its VoceRimborso rows, the fatture in_pagamento (apps.fatture.services)."""

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from apps.fatture import services as fatture
from apps.rimborsi.models import LottoRimborsi, Rimborso, VoceRimborso
from tests.factories import CanaleFactory, fattura_registrata

_numeri = itertools.count(1)


def crea_rimborso(lotto, fatture_rimborso, *, beneficiario=None, canale=None) -> Rimborso:
    professionista = fatture_rimborso[0].professionista
    canale = (
        canale
        or professionista.canali.filter(attuale=True).first()
        or CanaleFactory(professionista=professionista)
    )
    rimborso = Rimborso.objects.create(
        lotto=lotto,
        numero=f"BP{lotto.mese:%Y%m}-{next(_numeri):06d}",
        professionista=professionista,
        canale=canale,
        iban=canale.iban,
        beneficiario=beneficiario or professionista.nominativo,
        importo=sum((f.importo_bonus for f in fatture_rimborso), Decimal("0")),
    )
    VoceRimborso.objects.bulk_create(
        [
            VoceRimborso(
                rimborso=rimborso, fattura=f, bando=f.bando, regione=f.regione, importo=f.importo_bonus
            )
            for f in fatture_rimborso
        ]
    )
    fatture.segna_in_pagamento([f.pk for f in fatture_rimborso])
    LottoRimborsi.objects.filter(pk=lotto.pk).update(
        totale=sum(r.importo for r in lotto.rimborsi.all()), numero_rimborsi=lotto.rimborsi.count()
    )
    return rimborso


def crea_lotto(
    mese=dt.date(2026, 10, 1), *, professionisti=2, fatture_ciascuno=2, esportato_il=None
) -> LottoRimborsi:
    """A batch with `professionisti` rimborsi of `fatture_ciascuno` fatture each; `esportato_il` (a
    datetime) marks it esportato."""
    lotto = LottoRimborsi.objects.create(mese=mese)
    for _i in range(professionisti):
        primo = fattura_registrata()
        altre = [fattura_registrata(primo.professionista) for _j in range(fatture_ciascuno - 1)]
        crea_rimborso(lotto, [primo, *altre])
    if esportato_il is not None:
        LottoRimborsi.objects.filter(pk=lotto.pk).update(
            stato=LottoRimborsi.Stato.ESPORTATO, esportato_il=esportato_il
        )
    lotto.refresh_from_db()
    return lotto


def esportato(giorno: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(giorno, dt.time(9, 0)))
