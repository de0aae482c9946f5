"""The payment states a batch moves fatture through, and the database guarantees behind them."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from apps.fatture import services
from apps.fatture.models import Fattura, SedutaFatturata
from apps.rimborsi.models import LottoRimborsi, Rimborso, VoceRimborso
from apps.rimborsi.selectors import fondi_disponibili, fondi_per_regione, pagamento_fattura, pagamento_seduta
from apps.sedute.models import Seduta
from tests.factories import CanaleFactory, TrasferimentoFactory, fattura_registrata, seduta_confermata

pytestmark = pytest.mark.django_db


def _voce(fattura, lotto=None, **kw):
    canale = CanaleFactory(professionista=fattura.professionista)
    lotto = lotto or LottoRimborsi.objects.create(mese=dt.date(2026, 10, 1))
    rimborso = Rimborso.objects.create(
        lotto=lotto,
        numero=f"R-{fattura.pk}",
        professionista=fattura.professionista,
        canale=canale,
        iban=canale.iban,
        beneficiario="X",
        importo=fattura.importo_bonus,
        **kw,
    )
    return VoceRimborso.objects.create(
        rimborso=rimborso,
        fattura=fattura,
        bando=fattura.bando,
        regione=fattura.regione,
        importo=fattura.importo_bonus,
    )


def test_paid_fattura_and_its_sedute_become_rimborsate_with_the_date():
    fattura = fattura_registrata(sedute=2)
    assert services.segna_in_pagamento([fattura.pk]) == 1
    assert services.segna_rimborsate([fattura.pk], dt.date(2026, 11, 5)) == 1
    fattura.refresh_from_db()
    assert (fattura.stato, fattura.rimborsata_il) == (Fattura.Stato.RIMBORSATA, dt.date(2026, 11, 5))
    sedute = Seduta.objects.filter(pk__in=SedutaFatturata.objects.filter(fattura=fattura).values("seduta"))
    assert {(s.stato, s.rimborsata_il) for s in sedute} == {(Seduta.Stato.RIMBORSATA, dt.date(2026, 11, 5))}


def test_state_changes_leave_other_states_alone():
    fattura = fattura_registrata()
    assert services.segna_rimborsate([fattura.pk], dt.date(2026, 11, 5)) == 0  # not in a batch
    assert services.segna_da_pagare([fattura.pk]) == 0
    assert services.segna_sospese([fattura.pk]) == 1
    assert services.segna_sospese([fattura.pk]) == 0
    assert services.segna_in_pagamento([fattura.pk]) == 1
    assert services.segna_da_pagare([fattura.pk]) == 1


def test_a_fattura_is_in_one_active_voce_only():
    fattura = fattura_registrata()
    _voce(fattura)
    with pytest.raises(IntegrityError), transaction.atomic():
        _voce(fattura, lotto=LottoRimborsi.objects.create(mese=dt.date(2026, 11, 1)))


def test_a_seduta_is_on_one_active_fattura_only():
    fattura = fattura_registrata(sedute=1)
    riga = fattura.righe.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        SedutaFatturata.objects.create(fattura=fattura_registrata(), seduta=riga.seduta, importo=riga.importo)


def test_invoice_number_unique_per_professional_and_year_unless_withdrawn():
    fattura = fattura_registrata(numero="7", data=dt.date(2026, 3, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        fattura_registrata(fattura.professionista, numero="7", data=dt.date(2026, 9, 1))
    fattura_registrata(fattura.professionista, numero="7", data=dt.date(2027, 1, 1))  # next year: allowed
    Fattura.objects.filter(pk=fattura.pk).update(stato=Fattura.Stato.RITIRATA)
    fattura_registrata(fattura.professionista, numero="7", data=dt.date(2026, 9, 1))


def test_total_below_the_bonus_share_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        fattura_registrata(sedute=2, totale=Decimal("99.99"))


def test_funds_are_transfers_less_active_voci():
    fattura = fattura_registrata(sedute=2)  # 100.00
    TrasferimentoFactory(bando=fattura.bando, regione=fattura.regione, importo=Decimal("150.00"))
    assert fondi_disponibili(fattura.bando_id, fattura.regione_id) == Decimal("150.00")
    voce = _voce(fattura)
    assert fondi_disponibili(fattura.bando_id, fattura.regione_id) == Decimal("50.00")
    riga = next(r for r in fondi_per_regione(fattura.bando) if r["regione"].pk == fattura.regione_id)
    assert (riga["trasferito"], riga["impegnato"], riga["pagato"], riga["disponibile"]) == (
        Decimal("150.00"),
        Decimal("100.00"),
        Decimal("0"),
        Decimal("50.00"),
    )
    VoceRimborso.objects.filter(pk=voce.pk).update(attiva=False)  # the transfer was rejected
    assert fondi_disponibili(fattura.bando_id, fattura.regione_id) == Decimal("150.00")


def test_payment_detail_of_fattura_and_seduta():
    fattura = fattura_registrata(sedute=1)
    assert pagamento_fattura(fattura).stato == Fattura.Stato.DA_PAGARE
    voce = _voce(fattura)
    services.segna_in_pagamento([fattura.pk])
    Rimborso.objects.filter(pk=voce.rimborso_id).update(
        stato=Rimborso.Stato.PAGATO, pagato_il=dt.date(2026, 11, 4)
    )
    services.segna_rimborsate([fattura.pk], dt.date(2026, 11, 4))
    fattura.refresh_from_db()
    pagamento = pagamento_seduta(fattura.righe.get().seduta)
    assert pagamento.mese_lotto == dt.date(2026, 10, 1)
    assert pagamento.pagato_il == dt.date(2026, 11, 4)
    assert pagamento.iban_mascherato.startswith("IT60") and "•" in pagamento.iban_mascherato
    assert pagamento_seduta(seduta_confermata()) is None
