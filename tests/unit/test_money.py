"""parse_money: what every money input (imports, the professional's amount field) goes through."""

from decimal import Decimal

import pytest

from apps.core.money import euro
from apps.core.validators import parse_money


@pytest.mark.parametrize(
    "testo, atteso",
    [("0", Decimal("0.00")), ("50", Decimal("50.00")), (" 12.5 ", Decimal("12.50")),
     ("9999999999.99", Decimal("9999999999.99")), ("-0", Decimal("0.00"))],
)  # fmt: skip
def test_it_accepts_non_negative_amounts_that_fit_a_money_column(testo, atteso):
    assert parse_money(testo) == atteso


@pytest.mark.parametrize(
    "testo",
    ["", "abc", "-0.01", "10.001", "NaN", "Infinity", "1e999999", "-1e999999", "1" * 5000,
     "10000000000.00", "1e20"],
)  # fmt: skip
def test_it_refuses_everything_else_with_value_error(testo):
    with pytest.raises(ValueError):
        parse_money(testo)


@pytest.mark.parametrize(
    "importo, atteso",
    [(Decimal("1500"), "1.500,00 €"), (Decimal("0"), "0,00 €"), (Decimal("50.5"), "50,50 €"),
     (Decimal("250000.00"), "250.000,00 €"), (Decimal("9999999999.99"), "9.999.999.999,99 €"), (None, "")],
)  # fmt: skip
def test_euro_writes_amounts_as_italians_read_them(importo, atteso):
    assert euro(importo) == atteso


def test_the_euro_filter_is_a_template_builtin():
    from django.template import engines

    html = engines["django"].from_string("{{ x|euro }}").render({"x": Decimal("6500")})
    assert html == "6.500,00 €"


@pytest.mark.parametrize(
    ("lingua", "atteso"), [("it", "1.500,00 €"), ("de", "1.500,00 €"), ("en", "€1,500.00")]
)
def test_euro_follows_the_active_language(lingua, atteso):
    from django.utils import translation

    with translation.override(lingua):
        assert euro(Decimal("1500")) == atteso


def test_english_dates_are_day_first_with_a_24_hour_clock():
    import datetime as dt

    from django.utils import formats, translation

    with translation.override("en"):
        assert formats.date_format(dt.date(2026, 5, 3), "SHORT_DATE_FORMAT") == "03/05/2026"
        assert (
            formats.date_format(dt.datetime(2026, 5, 3, 22, 30), "SHORT_DATETIME_FORMAT")
            == "03/05/2026 22:30"
        )
