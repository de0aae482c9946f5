import pytest
from django.contrib.auth.models import Group

from apps.domande.reference import OPERATORE_GROUP
from tests.factories import CanaleFactory, ProfessionistaFactory, UserFactory

IBAN = "IT60X0542811101000000123456"


@pytest.fixture
def bob():
    """Bob, an adhering psychotherapist with a current IBAN (a module may define its own bob)."""
    professionista = ProfessionistaFactory(cognome="Neri", nome="Bob")
    CanaleFactory(professionista=professionista, iban=IBAN)
    return professionista


@pytest.fixture
def carol(reference_data):
    """Carol, an INPS operator in the "Operatore INPS" group (a module may define its own carol)."""
    user = UserFactory(nome="Carol", cognome="Operatrice", is_staff=True)
    user.groups.add(Group.objects.get(name=OPERATORE_GROUP))
    return user


@pytest.fixture
def client_carol(client, carol):
    client.force_login(carol)
    return client
