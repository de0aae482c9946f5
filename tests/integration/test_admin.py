"""The operators' portal (Django admin) as carol, a staff user in the "Operatore INPS" group."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from apps.codici.models import CodiceUnivoco
from apps.core.models import AuditEvent
from apps.domande.models import Bando
from apps.graduatorie.models import Esito, Graduatoria, Posizione
from tests.admin_search import cerca as _cerca
from tests.factories import (
    AttestazioneIseeFactory,
    BandoFactory,
    BudgetFactory,
    DomandaFactory,
    UserFactory,
    regione,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def bando():
    bando = BandoFactory(anno=2091)
    BudgetFactory(bando=bando, regione=regione("120"), importo=Decimal("2000.00"))
    return bando


def cerca(client, url, termine):
    return _cerca(client, url, termine)[1]


def msgs(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize(
    "name",
    [
        "domande_bando", "domande_domanda", "domande_attestazioneisee", "graduatorie_graduatoria",
        "graduatorie_posizione", "core_auditevent", "codici_codiceunivoco",
    ],
)  # fmt: skip
def test_list_pages_answer_200(client_carol, bando, name):
    DomandaFactory(bando=bando)
    AttestazioneIseeFactory()
    assert client_carol.get(reverse(f"admin:{name}_changelist")).status_code == 200


def test_a_citizen_cannot_open_the_admin(client, reference_data):
    client.force_login(UserFactory())
    response = client.get(reverse("admin:domande_domanda_changelist"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


class TestDomandaAdmin:
    def test_search_by_codice_fiscale_is_exact(self, client_carol, bando):
        alice = DomandaFactory(bando=bando, protocollo="P-ALICE")
        DomandaFactory(bando=bando, protocollo="P-BOB")
        url = reverse("admin:domande_domanda_changelist")
        response = cerca(client_carol, url, alice.cf_beneficiario)
        assert [d.protocollo for d in response.context["cl"].result_list] == ["P-ALICE"]
        response = cerca(client_carol, url, alice.cf_beneficiario[:10])
        assert list(response.context["cl"].result_list) == []

    def test_search_by_protocollo(self, client_carol, bando):
        DomandaFactory(bando=bando, protocollo="P-ALICE")
        DomandaFactory(bando=bando, protocollo="P-BOB")
        response = cerca(client_carol, reverse("admin:domande_domanda_changelist"), "P-BOB")
        assert [d.protocollo for d in response.context["cl"].result_list] == ["P-BOB"]

    def test_filters_by_bando_regione_and_canale(self, client_carol, bando):
        DomandaFactory(bando=bando, protocollo="P-WEB")
        DomandaFactory(bando=bando, protocollo="P-CC", canale="contact_center", regione=regione("150"))
        DomandaFactory(bando=BandoFactory(anno=2092), protocollo="P-ALTRO")
        url = reverse("admin:domande_domanda_changelist")
        r = client_carol.get(url, {"bando__id__exact": bando.pk})
        assert {d.protocollo for d in r.context["cl"].result_list} == {"P-WEB", "P-CC"}
        r = client_carol.get(url, {"canale__exact": "contact_center"})
        assert [d.protocollo for d in r.context["cl"].result_list] == ["P-CC"]
        r = client_carol.get(url, {"regione__codice__exact": "150"})
        assert [d.protocollo for d in r.context["cl"].result_list] == ["P-CC"]

    def test_viewing_a_domanda_writes_an_audit_event(self, client_carol, carol, bando):
        domanda = DomandaFactory(bando=bando)
        response = client_carol.get(reverse("admin:domande_domanda_change", args=[domanda.pk]))
        assert response.status_code == 200
        evento = AuditEvent.objects.get(azione="domanda.visualizzata")
        assert (evento.attore, evento.oggetto_tipo, evento.oggetto_id) == (
            carol,
            "domande.domanda",
            str(domanda.pk),
        )
        # The trail never holds the codice fiscale in clear.
        assert domanda.cf_beneficiario not in str(evento.dettagli)

    def test_a_domanda_is_read_only(self, client_carol, bando):
        domanda = DomandaFactory(bando=bando, isee=Decimal("1000.00"))
        url = reverse("admin:domande_domanda_change", args=[domanda.pk])
        response = client_carol.post(url, {"isee": "99.00"})
        assert response.status_code == 403
        assert client_carol.get(reverse("admin:domande_domanda_add")).status_code == 403
        domanda.refresh_from_db()
        assert domanda.isee == Decimal("1000.00")


def bando_post(**kw):
    data = {
        "anno": "2093", "nome": "Bando nuovo", "demo": "", "annunciato_il": "2030-01-01",
        "apertura": "2030-02-01", "chiusura": "2030-04-30",
        "soglia_fascia_a": "15000.00", "soglia_fascia_b": "30000.00", "isee_massimo": "50000.00",
        "importo_fascia_a": "1500.00", "importo_fascia_b": "1000.00", "importo_fascia_c": "500.00",
        "massimo_seduta": "50.00", "giorni_regolarizzazione": "15", "giorni_validita": "270",
        "giorni_prima_seduta": "60", "scorrimenti_massimi": "", "termine_fatturazione": "",
        "budget-TOTAL_FORMS": "1", "budget-INITIAL_FORMS": "0", "budget-MIN_NUM_FORMS": "0",
        "budget-MAX_NUM_FORMS": "1000", "budget-0-regione": "120", "budget-0-importo": "125000.00",
    }  # fmt: skip
    data.update(kw)
    return data


class TestBandoAdmin:
    url = staticmethod(lambda: reverse("admin:domande_bando_add"))

    def test_it_creates_a_bando_with_its_budget(self, client_carol):
        response = client_carol.post(self.url(), bando_post())
        assert response.status_code == 302, response.context["adminform"].form.errors
        bando = Bando.objects.get(anno=2093)
        assert bando.budget.get().importo == Decimal("125000.00")

    def test_it_requires_the_announcement_date(self, client_carol):
        response = client_carol.post(self.url(), bando_post(annunciato_il=""))
        assert response.status_code == 200
        assert "annunciato_il" in response.context["adminform"].form.errors
        assert not Bando.objects.filter(anno=2093).exists()

    def test_it_refuses_less_than_30_days_notice(self, client_carol):
        response = client_carol.post(self.url(), bando_post(annunciato_il="2030-01-03"))
        assert "apertura" in response.context["adminform"].form.errors
        assert not Bando.objects.filter(anno=2093).exists()

    def test_it_refuses_a_window_shorter_than_60_days(self, client_carol):
        response = client_carol.post(self.url(), bando_post(chiusura="2030-03-31"))
        assert "chiusura" in response.context["adminform"].form.errors
        assert not Bando.objects.filter(anno=2093).exists()


def run_action(client, action, bando):
    return client.post(
        reverse("admin:domande_bando_changelist"),
        {"action": action, "_selected_action": [bando.pk]},
        follow=True,
    )


class TestGraduatoriaActions:
    def test_calcola_then_pubblica(self, client_carol, carol, bando):
        DomandaFactory(bando=bando, protocollo="P-1", isee=Decimal("1000.00"))
        DomandaFactory(bando=bando, protocollo="P-2", isee=Decimal("20000.00"))
        response = run_action(client_carol, "calcola_graduatorie", bando)
        assert response.status_code == 200
        assert any("calcolate" in m for m in msgs(response))
        esiti = dict(
            Posizione.objects.filter(graduatoria__bando=bando).values_list("domanda__protocollo", "esito")
        )
        assert esiti == {"P-1": Esito.ACCOLTA, "P-2": Esito.PARZIALMENTE_ACCOLTA}
        assert AuditEvent.objects.get(azione="graduatoria.calcolata").attore == carol

        response = run_action(client_carol, "pubblica_graduatorie", bando)
        assert any("pubblicate" in m for m in msgs(response))
        assert CodiceUnivoco.objects.filter(domanda__bando=bando).count() == 2
        assert set(Graduatoria.objects.filter(bando=bando).values_list("stato", flat=True)) == {"pubblicata"}

    def test_errors_become_messages_not_500(self, client_carol, bando):
        DomandaFactory(bando=bando)
        response = run_action(client_carol, "pubblica_graduatorie", bando)
        assert response.status_code == 200
        assert any("Calcolare la graduatoria" in m for m in msgs(response))

        run_action(client_carol, "calcola_graduatorie", bando)
        run_action(client_carol, "pubblica_graduatorie", bando)
        response = run_action(client_carol, "calcola_graduatorie", bando)
        assert response.status_code == 200
        assert any("già pubblicata" in m for m in msgs(response))
        response = run_action(client_carol, "pubblica_graduatorie", bando)
        assert any("già pubblicata" in m for m in msgs(response))
        assert CodiceUnivoco.objects.filter(domanda__bando=bando).count() == 1


class TestGraduatoriaAdmin:
    def test_list_shows_the_regional_figures(self, client_carol, bando):
        DomandaFactory(bando=bando, isee=Decimal("1000.00"))
        run_action(client_carol, "calcola_graduatorie", bando)
        response = client_carol.get(
            reverse("admin:graduatorie_graduatoria_changelist"), {"bando__id__exact": bando.pk}
        )
        assert response.status_code == 200
        lazio = next(g for g in response.context["cl"].result_list if g.regione_id == "120")
        assert (lazio.budget, lazio.assegnato, lazio.disponibile) == (
            Decimal("2000.00"), Decimal("1500.00"), Decimal("500.00"),
        )  # fmt: skip
        assert "Vedi posizioni" in response.content.decode()

    def test_positions_of_one_graduatoria_in_order_without_n_plus_1(
        self, client_carol, bando, django_assert_max_num_queries
    ):
        for i in range(30):
            DomandaFactory(bando=bando, isee=Decimal(1000 * (30 - i)))
        DomandaFactory(bando=bando, regione=regione("150"))
        run_action(client_carol, "calcola_graduatorie", bando)
        lazio = Graduatoria.objects.get(bando=bando, regione_id="120")
        url = reverse("admin:graduatorie_posizione_changelist")
        with django_assert_max_num_queries(15):
            response = client_carol.get(url, {"graduatoria__id__exact": lazio.pk})
        assert response.status_code == 200
        posizioni = [p.posizione for p in response.context["cl"].result_list]
        assert posizioni == list(range(1, 31))
