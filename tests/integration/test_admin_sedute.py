"""Sedute in the operators' portal: carol (group "Operatore INPS") sees them read-only, the code masked,
and every detail she opens is audited."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from apps.core.models import AuditEvent
from apps.domande.reference import OPERATORE_GROUP
from tests.factories import ProfessionistaFactory, SedutaFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_carol(client, reference_data):
    carol = UserFactory(nome="Carol", cognome="Operatrice", is_staff=True)
    carol.groups.add(Group.objects.get(name=OPERATORE_GROUP))
    client.force_login(carol)
    return client


def test_operators_list_and_open_sedute_read_only_and_audited(client_carol):
    seduta = SedutaFactory()
    lista = client_carol.get(reverse("admin:sedute_seduta_changelist"))
    assert lista.status_code == 200 and seduta.numero in lista.content.decode()
    dettaglio = client_carol.get(reverse("admin:sedute_seduta_change", args=[seduta.pk]))
    html = dettaglio.content.decode()
    assert dettaglio.status_code == 200
    assert seduta.codice.codice not in html and seduta.codice.codice_mascherato in html
    assert AuditEvent.objects.filter(azione="seduta.visualizzata", oggetto_id=str(seduta.pk)).count() == 1
    assert client_carol.post(reverse("admin:sedute_seduta_delete", args=[seduta.pk])).status_code == 403


def test_operators_see_the_cnop_list(client_carol):
    ProfessionistaFactory(cognome="Galli", nome="Marco")
    lista = client_carol.get(reverse("admin:professionisti_professionista_changelist"))
    assert lista.status_code == 200 and "Galli Marco" in lista.content.decode()
