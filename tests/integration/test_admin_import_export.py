"""import_domande and export_graduatoria from the operators' portal, as carol the operator."""

import csv
import io

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.core.models import AuditEvent
from apps.domande.importer import INTESTAZIONE
from apps.domande.models import Domanda
from apps.domande.reference import OPERATORE_GROUP
from apps.graduatorie.export import INTESTAZIONE as INTESTAZIONE_EXPORT
from apps.graduatorie.services import calcola_graduatorie
from tests.factories import BandoFactory, DomandaFactory, UserFactory, make_cf

pytestmark = pytest.mark.django_db


@pytest.fixture
def carol(reference_data, client):
    user = UserFactory(nome="Carol", is_staff=True)
    user.groups.add(Group.objects.get(name=OPERATORE_GROUP))
    client.force_login(user)
    return user


@pytest.fixture
def bando():
    return BandoFactory(anno=2089)


def csv_file(*righe: str) -> SimpleUploadedFile:
    testo = ",".join(INTESTAZIONE) + "\n" + "".join(r + "\n" for r in righe)
    return SimpleUploadedFile("domande.csv", testo.encode(), content_type="text/csv")


def riga(n: int, provincia="RM", isee="1000.00") -> str:
    cf = make_cf(92000 + n)
    presentata = "2026-05-04T10:00:00+02:00"
    return f"IMP-{n},{cf},{cf},se_stesso,120,{provincia},{isee},ordinario,false,,{presentata},,,web"


def test_the_bando_page_links_to_the_import(client, carol, bando):
    response = client.get(reverse("admin:domande_bando_change", args=[bando.pk]))
    assert reverse("admin:domande_bando_importa", args=[bando.pk]) in response.content.decode()


def test_a_good_file_is_imported(client, carol, bando):
    url = reverse("admin:domande_bando_importa", args=[bando.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"file": csv_file(riga(1), riga(2))})
    assert response.status_code == 302
    assert Domanda.objects.filter(bando=bando).count() == 2
    assert AuditEvent.objects.filter(azione="domande.importate", attore=carol).exists()


def test_a_bad_file_lists_every_bad_line_and_imports_nothing(client, carol, bando):
    url = reverse("admin:domande_bando_importa", args=[bando.pk])
    response = client.post(url, {"file": csv_file(riga(1), riga(2, provincia="MI"), riga(3, isee="-5"))})
    assert response.status_code == 200
    errori = response.context["errori"]
    assert [e.split(":")[0] for e in errori] == ["riga 3", "riga 4"]
    assert not Domanda.objects.filter(bando=bando).exists()


def test_an_operator_without_the_permission_cannot_import(client, reference_data, bando):
    client.force_login(UserFactory(is_staff=True))
    response = client.get(reverse("admin:domande_bando_importa", args=[bando.pk]))
    assert response.status_code == 403


def test_the_export_action_downloads_the_csv(client, carol, bando):
    from tests.factories import BudgetFactory, regione

    BudgetFactory(bando=bando, regione=regione("120"))
    DomandaFactory(bando=bando, protocollo="E-1")
    calcola_graduatorie(bando)
    response = client.post(
        reverse("admin:domande_bando_changelist"),
        {"action": "esporta_graduatoria", "_selected_action": [bando.pk]},
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="graduatoria-2089.csv"')
    righe = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert righe[0] == INTESTAZIONE_EXPORT
    assert righe[1][2] == "E-1" and righe[1][6] == "accolta"
    assert AuditEvent.objects.filter(azione="graduatoria.esportata", attore=carol).exists()
