"""The bulk importer's codice fiscale check must agree with python-stdnum's validate, always."""

from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.exceptions import ValidationError
from stdnum.it import codicefiscale

from apps.core.validators import CodiceFiscaleChecker, is_valid_codice_fiscale

LETTERE = st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
CIFRE = st.sampled_from("0123456789LMNPQRSTUV")
MESI = st.sampled_from("ABCDEHLMPRST")


def stdnum_ok(cf: str) -> bool:
    try:
        codicefiscale.validate(cf)
    except ValidationError:
        return False
    return len(cf) == 16


@st.composite
def codici(draw):
    """Well-formed codes, with a correct check character most of the time and any birth segment."""
    base = "".join(
        [*(draw(LETTERE) for _ in range(6)), draw(CIFRE), draw(CIFRE), draw(MESI), draw(CIFRE), draw(CIFRE),
         draw(LETTERE), draw(CIFRE), draw(CIFRE), draw(CIFRE)]
    )  # fmt: skip
    controllo = codicefiscale.calc_check_digit(base) if draw(st.booleans()) else draw(LETTERE)
    return base + controllo


@settings(max_examples=500)
@given(codici())
def test_checker_agrees_with_stdnum_on_well_formed_codes(cf):
    assert CodiceFiscaleChecker()(cf) == stdnum_ok(cf) == is_valid_codice_fiscale(cf)


@settings(max_examples=300)
@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ", min_size=0, max_size=18))
def test_checker_agrees_with_stdnum_on_any_text(cf):
    assert CodiceFiscaleChecker()(cf) == stdnum_ok(cf)


def test_memoised_birth_segment_is_reused_but_check_character_is_not():
    check = CodiceFiscaleChecker()
    assert check("RSSMRA85M01H501Q")
    assert not check("RSSMRA85M01H501X")  # same birth segment, wrong check character
    assert not check("RSSMRA85M41H50")  # too short
    base = "RSSMRA85B30H501"  # 30 February
    assert not check(base + codicefiscale.calc_check_digit(base))
