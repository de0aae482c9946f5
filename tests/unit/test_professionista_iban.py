"""validate_iban names the part of the IBAN that is wrong (issue 8 §4: a wrong check digit in a
27-character IBAN was reported as a length problem), in the person's language."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from stdnum import iban as std_iban

from apps.core.validators import validate_iban

GIUSTO = "IT60X0542811101000000123456"


def _errore(valore: str) -> ValidationError:
    with pytest.raises(ValidationError) as exc:
        validate_iban(valore)
    return exc.value


def _con_cifre_di_controllo(paese: str, bban: str) -> str:
    """An IBAN whose two check digits are right for its characters (stdnum computes them)."""
    return paese + std_iban.calc_check_digits(paese + "00" + bban) + bban


@pytest.mark.parametrize("valore", [GIUSTO, "IT60 X054 2811 1010 0000 0123 456", "DE89370400440532013000"])
def test_a_right_iban_passes(valore):
    validate_iban(valore)


def test_a_wrong_check_digit_in_27_characters_is_a_check_digit_problem_not_a_length_one():
    errore = _errore("IT60X0542811101000000123457")
    assert errore.code == "iban_controllo"
    assert "cifre di controllo" in errore.messages[0] and "27" not in errore.messages[0]


def test_two_swapped_characters_are_a_check_digit_problem():
    assert _errore("IT60X0542811101000000123465").code == "iban_controllo"


@pytest.mark.parametrize("valore, trovati", [("IT60X054281110100000012345", 26), (GIUSTO + "7", 28)])
def test_a_wrong_length_says_how_many_characters_the_country_wants_and_how_many_there_are(valore, trovati):
    errore = _errore(valore)
    assert errore.code == "iban_lunghezza"
    assert "IT ha 27 caratteri" in errore.messages[0] and f"ne ha {trovati}" in errore.messages[0]


def test_the_length_is_the_countrys_own():
    errore = _errore("DE8937040044053201300")
    assert errore.code == "iban_lunghezza" and "DE ha 22 caratteri" in errore.messages[0]


def test_an_unknown_country_is_a_country_problem():
    errore = _errore("XX60X0542811101000000123456")
    assert errore.code == "iban_paese" and "XX" in errore.messages[0]


@pytest.mark.parametrize("valore", ["60X0542811101000000123456", "IT6OX0542811101000000123456"])
def test_an_iban_not_opening_with_country_and_two_digits_says_so(valore):
    assert _errore(valore).code == "iban_formato"


def test_symbols_are_a_character_problem():
    assert _errore("IT60X05428111010000001234-6").code == "iban_caratteri"


def test_letters_and_digits_out_of_place_with_right_check_digits_are_a_layout_problem():
    # Italian BBAN: one letter (CIN), then digits; a digit where the CIN goes, check digits computed.
    valore = _con_cifre_di_controllo("IT", "10542811101000000123456")
    assert len(valore) == 27
    assert _errore(valore).code == "iban_struttura"


@pytest.mark.parametrize(
    "lingua, testo",
    [("en", "check digits"), ("de", "Prüfziffern")],
)
def test_the_message_is_in_the_active_language(lingua, testo):
    with translation.override(lingua):
        assert testo in _errore("IT60X0542811101000000123457").messages[0]
