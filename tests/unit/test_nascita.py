"""Birth date and age from the codice fiscale (apps.core.nascita), omocodic codes and the century."""

import datetime as dt

import pytest
from stdnum.it import codicefiscale

from apps.core.nascita import data_di_nascita, eta, fascia_eta, minorenne, sesso
from apps.core.validators import is_valid_codice_fiscale

MESI = "ABCDEHLMPRST"
OMOCODIA = dict(zip("0123456789", "LMNPQRSTUV", strict=True))
# Positions (0-based) of the seven digits, from the right: the place code first, then day and year.
CIFRE_DA_DESTRA = [14, 13, 12, 10, 9, 7, 6]


def cf(nato_il: dt.date, femmina=False, omocodie=0) -> str:
    giorno = nato_il.day + (40 if femmina else 0)
    base = list(f"RSSGLI{nato_il.year % 100:02d}{MESI[nato_il.month - 1]}{giorno:02d}H501")
    for posizione in CIFRE_DA_DESTRA[:omocodie]:
        base[posizione] = OMOCODIA[base[posizione]]
    base = "".join(base)
    return base + codicefiscale.calc_check_digit(base)


OGGI = dt.date(2026, 5, 4)


def test_a_plain_code():
    assert data_di_nascita(cf(dt.date(2015, 1, 1)), OGGI) == dt.date(2015, 1, 1)


def test_a_womans_day_has_40_added():
    assert data_di_nascita(cf(dt.date(2015, 1, 1), femmina=True), OGGI) == dt.date(2015, 1, 1)


@pytest.mark.parametrize("omocodie", range(1, 8))
def test_omocodic_codes_give_the_same_date(omocodie):
    codice = cf(dt.date(2012, 8, 27), femmina=True, omocodie=omocodie)
    assert is_valid_codice_fiscale(codice)
    assert any(c in "LMNPQRSTUV" for c in codice[6:15])
    assert data_di_nascita(codice, OGGI) == dt.date(2012, 8, 27)
    assert minorenne(codice, OGGI)


def test_a_fully_omocodic_code():
    codice = cf(dt.date(2015, 1, 1), omocodie=7)
    assert codice[:15] == "RSSGLIMRALMHRLM"
    assert data_di_nascita(codice, OGGI) == dt.date(2015, 1, 1)


class TestCentury:
    def test_a_year_not_after_today_is_this_century(self):
        assert data_di_nascita(cf(dt.date(2026, 5, 4)), OGGI) == dt.date(2026, 5, 4)  # born today
        assert eta(cf(dt.date(2026, 5, 4)), OGGI) == 0

    def test_a_date_later_than_today_is_the_century_before(self):
        assert data_di_nascita(cf(dt.date(2026, 5, 5)), OGGI) == dt.date(1926, 5, 5)
        assert data_di_nascita(cf(dt.date(2027, 1, 1)), OGGI) == dt.date(1927, 1, 1)
        assert not minorenne(cf(dt.date(2026, 5, 5)), OGGI)

    def test_the_century_follows_the_reference_day(self):
        codice = cf(dt.date(2000, 3, 1))
        assert data_di_nascita(codice, dt.date(1999, 12, 31)) == dt.date(1900, 3, 1)
        assert data_di_nascita(codice, dt.date(2000, 3, 1)) == dt.date(2000, 3, 1)

    def test_29_february_of_a_year_common_in_the_other_century(self):
        # "00B29": 2000 is a leap year, 1900 is not.
        codice = cf(dt.date(2000, 2, 29))
        assert data_di_nascita(codice, OGGI) == dt.date(2000, 2, 29)
        assert data_di_nascita(codice, dt.date(1999, 6, 1)) is None
        assert not minorenne(codice, dt.date(1999, 6, 1))


class TestMinorenne:
    NATO = dt.date(2008, 5, 4)

    @pytest.mark.parametrize(
        ("giorno", "atteso"),
        [(dt.date(2026, 5, 3), True), (dt.date(2026, 5, 4), False), (dt.date(2026, 5, 5), False)],
        ids=["vigilia-18-anni", "18-anni", "giorno-dopo"],
    )
    def test_the_18th_birthday_is_no_longer_a_minor(self, giorno, atteso):
        assert minorenne(cf(self.NATO), giorno) is atteso

    def test_age_in_completed_years(self):
        assert eta(cf(self.NATO), dt.date(2026, 5, 3)) == 17
        assert eta(cf(self.NATO), dt.date(2026, 5, 4)) == 18

    @pytest.mark.parametrize(
        ("giorno", "atteso"),
        [(dt.date(2026, 2, 28), True), (dt.date(2026, 3, 1), False)],
        ids=["28-febbraio", "1-marzo"],
    )
    def test_born_on_29_february_comes_of_age_on_1_march_of_a_common_year(self, giorno, atteso):
        assert minorenne(cf(dt.date(2008, 2, 29)), giorno) is atteso

    def test_born_on_29_february_is_a_year_older_on_29_february(self):
        codice = cf(dt.date(2012, 2, 29))
        assert eta(codice, dt.date(2016, 2, 28)) == 3
        assert eta(codice, dt.date(2016, 2, 29)) == 4

    def test_a_code_without_a_valid_date_is_not_a_minor(self):
        base = "RSSGLI15B30H501"  # 30 February
        assert data_di_nascita(base + codicefiscale.calc_check_digit(base), OGGI) is None
        assert not minorenne(base + codicefiscale.calc_check_digit(base), OGGI)


@pytest.mark.parametrize("omocodie", range(8))
@pytest.mark.parametrize("femmina", [False, True])
def test_sex_from_the_day_digits_omocodic_codes_included(femmina, omocodie):
    codice = cf(dt.date(1980, 3, 9), femmina=femmina, omocodie=omocodie)
    assert is_valid_codice_fiscale(codice)
    assert sesso(codice) == ("F" if femmina else "M")


def test_sex_where_stdnum_fails_on_an_omocodic_day():
    codice = cf(dt.date(1990, 12, 31), femmina=True, omocodie=5)  # day "71" written "TM"
    assert codice[9:11] == "TM"
    with pytest.raises(ValueError):  # stdnum reads the day as int("TM")
        codicefiscale.get_gender(codice)
    assert sesso(codice) == "F"


@pytest.mark.parametrize(
    "codice", ["", "12345678901", "RSSMRA80A00H501X", "RSSMRA80A35H501X", "RSSMRA80AXXH501X"]
)
def test_no_sex_for_what_is_not_a_persons_code(codice):
    assert sesso(codice) is None


@pytest.mark.parametrize(
    ("nato_il", "fascia"),
    [
        (dt.date(2008, 6, 1), "18-35"),  # 18 on the day itself
        (dt.date(2008, 6, 2), "0-17"),  # the day before the 18th birthday
        (dt.date(1990, 6, 1), "36-50"),  # 36 on the day
        (dt.date(1990, 6, 2), "18-35"),
        (dt.date(1975, 6, 1), "51-65"),
        (dt.date(1975, 6, 2), "36-50"),
        (dt.date(1960, 6, 1), "66+"),
        (dt.date(1960, 6, 2), "51-65"),
        (dt.date(2026, 5, 1), "0-17"),
    ],
)
def test_age_bands_at_the_first_day_of_the_month(nato_il, fascia):
    assert fascia_eta(cf(nato_il), dt.date(2026, 6, 1)) == fascia


def test_no_band_without_a_birth_date():
    assert fascia_eta("12345678901", dt.date(2026, 6, 1)) is None
