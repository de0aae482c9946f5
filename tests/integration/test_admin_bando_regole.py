"""A bando's rules in the operators' portal: every change of the bando or of a budget audited with old and
new values; after the publication of the graduatorie only the billing deadline may change, in the form and
in the service (even if the rest is POSTed)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.urls import reverse

from apps.core.exceptions import DomainError
from apps.core.models import AuditEvent
from apps.domande import services_bando
from apps.domande.models import Bando, BudgetRegionale
from tests.factories import BandoFactory, BudgetFactory, regione

pytestmark = pytest.mark.django_db


@pytest.fixture
def bando(reference_data):
    bando = BandoFactory(anno=2091, annunciato_il=dt.date(2000, 1, 1))
    BudgetFactory(bando=bando, regione=regione("120"), importo=Decimal("2000.00"))
    return bando


def pubblica(bando, data=dt.date(2091, 6, 1)):
    Bando.objects.filter(pk=bando.pk).update(graduatoria_pubblicata_il=data)
    bando.refresh_from_db()
    return bando


def post_modifica(bando, **kw):
    """The change form as the browser sends it, with `kw` changed."""
    budget = bando.budget.get()
    data = {
        "anno": bando.anno, "nome": bando.nome, "annunciato_il": bando.annunciato_il,
        "apertura": bando.apertura, "chiusura": bando.chiusura,
        "soglia_fascia_a": bando.soglia_fascia_a, "soglia_fascia_b": bando.soglia_fascia_b,
        "isee_massimo": bando.isee_massimo, "importo_fascia_a": bando.importo_fascia_a,
        "importo_fascia_b": bando.importo_fascia_b, "importo_fascia_c": bando.importo_fascia_c,
        "massimo_seduta": bando.massimo_seduta, "giorni_regolarizzazione": bando.giorni_regolarizzazione,
        "giorni_validita": bando.giorni_validita, "giorni_prima_seduta": bando.giorni_prima_seduta,
        "scorrimenti_massimi": "", "termine_fatturazione": "",
        "budget-TOTAL_FORMS": "1", "budget-INITIAL_FORMS": "1", "budget-MIN_NUM_FORMS": "0",
        "budget-MAX_NUM_FORMS": "1000", "budget-0-id": budget.pk, "budget-0-bando": bando.pk,
        "budget-0-regione": budget.regione_id, "budget-0-importo": budget.importo,
    }  # fmt: skip
    data.update(kw)
    return data


def change_url(bando):
    return reverse("admin:domande_bando_change", args=[bando.pk])


def msgs(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


class TestServizio:
    def test_a_change_is_audited_with_old_and_new_values(self, bando, carol):
        bando.importo_fascia_a = Decimal("1600.00")
        bando.giorni_validita = 300
        modifiche = services_bando.salva_bando(bando, carol)
        assert modifiche == {
            "importo_fascia_a": {"prima": "1500.00", "dopo": "1600.00"},
            "giorni_validita": {"prima": 270, "dopo": 300},
        }
        evento = AuditEvent.objects.get(azione="bando.modificato")
        assert (evento.attore, evento.oggetto_id, evento.dettagli["modifiche"]) == (
            carol, str(bando.pk), modifiche,
        )  # fmt: skip
        assert Bando.objects.get(pk=bando.pk).importo_fascia_a == Decimal("1600.00")

    def test_saving_without_changes_writes_no_event(self, bando, carol):
        assert services_bando.salva_bando(bando, carol) == {}
        assert not AuditEvent.objects.filter(azione="bando.modificato").exists()

    def test_it_never_overwrites_the_counters(self, bando, carol):
        Bando.objects.filter(pk=bando.pk).update(ultimo_protocollo=41)  # a domanda came in meanwhile
        bando.nome = "Nuovo nome"
        services_bando.salva_bando(bando, carol)
        assert Bando.objects.get(pk=bando.pk).ultimo_protocollo == 41

    def test_a_published_bando_refuses_a_rule_change(self, bando, carol):
        pubblica(bando)
        bando.importo_fascia_a = Decimal("1600.00")
        with pytest.raises(DomainError, match="pubblicate dal 01/06/2091"):
            services_bando.salva_bando(bando, carol)
        assert Bando.objects.get(pk=bando.pk).importo_fascia_a == Decimal("1500.00")
        assert not AuditEvent.objects.filter(azione="bando.modificato").exists()

    def test_a_published_bando_refuses_a_change_of_excluded_territories(self, bando, carol):
        pubblica(bando)
        with pytest.raises(DomainError):
            services_bando.salva_bando(bando, carol, territori_esclusi=[regione("042")])
        assert not bando.territori_esclusi.exists()

    def test_a_published_bando_accepts_the_billing_deadline(self, bando, carol):
        pubblica(bando)
        bando.termine_fatturazione = dt.date(2092, 3, 31)
        services_bando.salva_bando(bando, carol)
        assert Bando.objects.get(pk=bando.pk).termine_fatturazione == dt.date(2092, 3, 31)
        evento = AuditEvent.objects.get(azione="bando.modificato")
        assert evento.dettagli["modifiche"] == {"termine_fatturazione": {"prima": None, "dopo": "2092-03-31"}}

    def test_a_budget_change_is_audited_and_refused_after_publication(self, bando, carol):
        budget = bando.budget.get()
        budget.importo = Decimal("2500.00")
        services_bando.salva_budget(budget, carol)
        evento = AuditEvent.objects.get(azione="budget.modificato")
        assert evento.dettagli == {
            "regione": "120", "modifiche": {"importo": {"prima": "2000.00", "dopo": "2500.00"}},
        }  # fmt: skip
        pubblica(bando)
        budget.importo = Decimal("9999.00")
        with pytest.raises(DomainError):
            services_bando.salva_budget(budget, carol)
        with pytest.raises(DomainError):
            services_bando.salva_budget(
                BudgetRegionale(bando=bando, regione=regione("150"), importo=1), carol
            )
        with pytest.raises(DomainError):
            services_bando.elimina_budget(budget, carol)
        assert list(bando.budget.values_list("regione_id", "importo")) == [("120", Decimal("2500.00"))]


class TestAdmin:
    def test_a_change_in_the_admin_is_audited(self, client_carol, carol, bando):
        response = client_carol.post(
            change_url(bando),
            post_modifica(bando, importo_fascia_b="1100.00", **{"budget-0-importo": "3000.00"}),
        )
        assert response.status_code == 302, response.context["adminform"].form.errors
        bando_ev = AuditEvent.objects.get(azione="bando.modificato")
        assert bando_ev.attore == carol
        assert bando_ev.dettagli["modifiche"] == {"importo_fascia_b": {"prima": "1000.00", "dopo": "1100.00"}}
        budget_ev = AuditEvent.objects.get(azione="budget.modificato")
        assert budget_ev.dettagli["modifiche"] == {"importo": {"prima": "2000.00", "dopo": "3000.00"}}

    def test_a_new_budget_and_a_new_bando_are_audited(self, client_carol, carol, bando):
        data = post_modifica(bando, **{
            "budget-TOTAL_FORMS": "2", "budget-1-regione": "150", "budget-1-importo": "700.00",
            "budget-1-bando": bando.pk,
        })  # fmt: skip
        assert client_carol.post(change_url(bando), data).status_code == 302
        evento = AuditEvent.objects.get(azione="budget.creato")
        assert evento.dettagli["regione"] == "150"
        assert not AuditEvent.objects.filter(azione="bando.modificato").exists()

    def test_a_published_bando_shows_only_the_billing_deadline_editable(self, client_carol, bando):
        pubblica(bando)
        response = client_carol.get(change_url(bando))
        assert response.status_code == 200
        assert list(response.context["adminform"].form.fields) == ["termine_fatturazione"]
        inline = response.context["inline_admin_formsets"][0]
        assert not inline.has_add_permission and not inline.has_change_permission
        assert not inline.has_delete_permission

    def test_posting_rules_to_a_published_bando_changes_only_the_billing_deadline(
        self, client_carol, carol, bando
    ):
        pubblica(bando)
        data = post_modifica(
            bando, importo_fascia_a="9000.00", giorni_validita="999", termine_fatturazione="2092-03-31",
            **{"budget-0-importo": "999999.00"},
        )  # fmt: skip
        response = client_carol.post(change_url(bando), data)
        assert response.status_code == 302
        bando.refresh_from_db()
        assert (bando.importo_fascia_a, bando.giorni_validita) == (Decimal("1500.00"), 270)
        assert bando.termine_fatturazione == dt.date(2092, 3, 31)
        assert bando.budget.get().importo == Decimal("2000.00")
        assert list(AuditEvent.objects.filter(azione__startswith="b").values_list("azione", flat=True)) == [
            "bando.modificato"
        ]

    def test_a_form_opened_before_the_publication_is_refused_with_a_message(
        self, client_carol, bando, monkeypatch
    ):
        """The form let the rules through (opened before the publication): the service refuses them."""
        pubblica(bando)
        model_admin = admin.site._registry[Bando]
        monkeypatch.setattr(type(model_admin), "get_readonly_fields", lambda self, request, obj=None: [])
        response = client_carol.post(change_url(bando), post_modifica(bando, importo_fascia_a="9000.00"))
        assert response.status_code == 302 and response["Location"] == change_url(bando)
        assert any("le regole non si possono più modificare" in m for m in msgs(response))
        bando.refresh_from_db()
        assert bando.importo_fascia_a == Decimal("1500.00")
        assert not AuditEvent.objects.filter(azione="bando.modificato").exists()
