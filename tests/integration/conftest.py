import pytest

from tests.factories import CanaleFactory, ProfessionistaFactory

IBAN = "IT60X0542811101000000123456"


@pytest.fixture
def bob():
    """Bob, an adhering psychotherapist with a current IBAN (a module may define its own bob)."""
    professionista = ProfessionistaFactory(cognome="Neri", nome="Bob")
    CanaleFactory(professionista=professionista, iban=IBAN)
    return professionista
