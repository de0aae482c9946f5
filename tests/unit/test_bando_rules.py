"""Rules of a Bando at their edges: ISEE bands and the submission window across the DST change."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from apps.domande.models import Bando

ROME = ZoneInfo("Europe/Rome")


def bando_2025_like(**kw) -> Bando:
    # Unsaved: the amount rules are pure functions of the instance.
    values = {
        "anno": 2999,
        "nome": "Bando di prova",
        "apertura": dt.date(2026, 3, 29),
        "chiusura": dt.date(2026, 10, 25),
        "importo_fascia_a": Decimal("1500.00"),
        "importo_fascia_b": Decimal("1000.00"),
        "importo_fascia_c": Decimal("500.00"),
        "giorni_regolarizzazione": 15,
        "giorni_validita": 270,
    }
    values.update(kw)
    return Bando(**values)


@pytest.mark.parametrize(
    ("isee", "fascia", "importo"),
    [
        ("0.00", "A", "1500.00"),
        ("14999.99", "A", "1500.00"),
        ("15000.00", "B", "1000.00"),
        ("30000.00", "B", "1000.00"),
        ("30000.01", "C", "500.00"),
        ("50000.00", "C", "500.00"),
        ("50000.01", None, "0.00"),
    ],
)
def test_isee_band_and_amount_at_each_edge(isee, fascia, importo):
    bando = bando_2025_like()
    assert bando.fascia(Decimal(isee)) == fascia
    assert bando.importo_per_isee(Decimal(isee)) == Decimal(importo)


def test_2022_amounts_follow_the_bando_data():
    bando = bando_2025_like(
        importo_fascia_a=Decimal("600.00"),
        importo_fascia_b=Decimal("400.00"),
        importo_fascia_c=Decimal("200.00"),
    )
    assert bando.importo_per_isee(Decimal("14999.99")) == Decimal("600.00")
    assert bando.importo_per_isee(Decimal("30000.00")) == Decimal("400.00")
    assert bando.importo_per_isee(Decimal("30000.01")) == Decimal("200.00")


class TestWindowAcrossDaylightSaving:
    """Apertura on the last Sunday of March (CET → CEST), chiusura on the last Sunday of October."""

    bando = bando_2025_like(apertura=dt.date(2026, 3, 29), chiusura=dt.date(2026, 10, 25))

    def test_midnight_of_the_opening_day_is_in(self):
        assert self.bando.in_finestra(dt.datetime(2026, 3, 29, 0, 0, 0, tzinfo=ROME))

    def test_one_microsecond_before_opening_is_out(self):
        assert not self.bando.in_finestra(dt.datetime(2026, 3, 28, 23, 59, 59, 999999, tzinfo=ROME))

    def test_opening_instant_in_utc_is_the_previous_evening(self):
        # 29 March 00:00 is still CET (+01:00): 23:00 UTC of the 28th.
        utc = dt.datetime(2026, 3, 28, 23, 0, tzinfo=dt.UTC)
        assert self.bando.in_finestra(utc)
        assert not self.bando.in_finestra(utc - dt.timedelta(microseconds=1))

    def test_last_second_of_the_closing_day_is_in(self):
        assert self.bando.in_finestra(dt.datetime(2026, 10, 25, 23, 59, 59, tzinfo=ROME))
        assert self.bando.in_finestra(dt.datetime(2026, 10, 25, 23, 59, 59, 999999, tzinfo=ROME))

    def test_midnight_after_the_closing_day_is_out(self):
        assert not self.bando.in_finestra(dt.datetime(2026, 10, 26, 0, 0, 0, tzinfo=ROME))

    def test_closing_instant_in_utc_uses_winter_time(self):
        # 26 October 00:00 is CET again (+01:00): 23:00 UTC of the 25th, not 22:00.
        fine = dt.datetime(2026, 10, 25, 23, 0, tzinfo=dt.UTC)
        assert self.bando.in_finestra(fine - dt.timedelta(microseconds=1))
        assert self.bando.in_finestra(dt.datetime(2026, 10, 25, 22, 30, tzinfo=dt.UTC))
        assert not self.bando.in_finestra(fine)


def test_termine_regolarizzazione_is_closing_day_plus_n():
    bando = bando_2025_like(chiusura=dt.date(2025, 11, 14), giorni_regolarizzazione=15)
    assert bando.termine_regolarizzazione == dt.date(2025, 11, 29)


class TestBandoClean:
    def test_it_accepts_30_days_notice_and_60_days_open(self):
        bando = bando_2025_like(
            annunciato_il=dt.date(2026, 1, 1), apertura=dt.date(2026, 1, 31), chiusura=dt.date(2026, 3, 31)
        )
        bando.clean()

    def test_it_refuses_29_days_notice(self):
        bando = bando_2025_like(
            annunciato_il=dt.date(2026, 1, 2), apertura=dt.date(2026, 1, 31), chiusura=dt.date(2026, 6, 30)
        )
        with pytest.raises(ValidationError) as exc:
            bando.clean()
        assert "apertura" in exc.value.message_dict

    def test_it_refuses_a_window_of_59_days(self):
        bando = bando_2025_like(
            annunciato_il=dt.date(2026, 1, 1), apertura=dt.date(2026, 2, 1), chiusura=dt.date(2026, 3, 31)
        )
        with pytest.raises(ValidationError) as exc:
            bando.clean()
        assert "chiusura" in exc.value.message_dict


@pytest.mark.parametrize(
    "massimo, valido", [("0.00", False), ("0.01", True), ("50.00", True), ("50.01", False)]
)
def test_a_bandos_maximum_per_seduta_may_be_lower_than_the_law_never_higher(massimo, valido):
    bando = bando_2025_like(
        annunciato_il=dt.date(2026, 1, 1), apertura=dt.date(2026, 1, 31), chiusura=dt.date(2026, 3, 31),
        massimo_seduta=Decimal(massimo),
    )  # fmt: skip
    if valido:
        bando.clean()
    else:
        with pytest.raises(ValidationError) as exc:
            bando.clean()
        assert "massimo_seduta" in exc.value.message_dict
