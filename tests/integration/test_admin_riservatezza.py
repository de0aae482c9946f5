"""Citizens' data in the operators' portal: searches by POST (no codice fiscale or code in any URL),
each audited with its count; the code masked, revealed only by an audited POST; the Posizione's and the
code's pages audited; every staff login, failure and logout in the audit trail."""

import re
from html import unescape

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from apps.codici.models import CodiceUnivoco
from apps.core.admin import RicercaRiservataMixin
from apps.core.models import AuditEvent
from apps.domande.models import Domanda
from apps.domande.reference import OPERATORE_GROUP
from apps.graduatorie.models import Esito, Graduatoria, Posizione
from tests.admin_search import cerca
from tests.factories import BandoFactory, CodiceFactory, DomandaFactory, UserFactory, make_cf, regione

pytestmark = pytest.mark.django_db

PASSWORD = "una-password-lunga-2026"


@pytest.fixture
def carol(reference_data):
    user = UserFactory(nome="Carol", cognome="Operatrice", is_staff=True)
    user.set_password(PASSWORD)
    user.save()
    user.groups.add(Group.objects.get(name=OPERATORE_GROUP))
    return user


@pytest.fixture
def client_carol(client, carol):
    client.force_login(carol)
    return client


def msgs(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def urls_in(response) -> list[str]:
    html = response.content.decode()
    return [unescape(u) for u in re.findall(r'(?:href|action|src)="([^"]*)"', html)]


def risultati(response):
    return list(response.context["cl"].result_list)


class TestRicercaPerPost:
    url = staticmethod(lambda: reverse("admin:domande_domanda_changelist"))

    def test_it_finds_by_codice_fiscale_with_a_token_in_the_url(self, client_carol, carol):
        alice = DomandaFactory(protocollo="P-ALICE")
        DomandaFactory(protocollo="P-BOB")
        redirect, page = cerca(client_carol, self.url(), alice.cf_beneficiario.lower())
        assert alice.cf_beneficiario not in redirect["Location"].upper()
        assert re.search(r"\?ricerca=[\w-]{20,}$", redirect["Location"])
        assert [d.protocollo for d in risultati(page)] == ["P-ALICE"]
        assert "1 risultato" in page.content.decode()

    def test_a_prefix_of_a_codice_fiscale_finds_nothing(self, client_carol):
        alice = DomandaFactory()
        _, page = cerca(client_carol, self.url(), alice.cf_beneficiario[:10])
        assert risultati(page) == []

    def test_each_search_is_audited_with_its_count_not_its_terms(self, client_carol, carol):
        bando = BandoFactory(anno=2091)
        cf = make_cf(4242)
        for _figlio in range(3):  # a parent who applied for three children
            DomandaFactory(bando=bando, cf_richiedente=cf)
        DomandaFactory(bando=bando)
        redirect, _ = cerca(client_carol, self.url(), cf)
        evento = AuditEvent.objects.get(azione="ricerca.operatore")
        assert evento.attore == carol
        assert evento.dettagli["modello"] == "domande.domanda"
        assert evento.dettagli["risultati"] == 3
        assert cf not in str(evento.dettagli) and cf not in evento.oggetto_id

    def test_a_get_with_q_does_not_search_and_drops_the_term(self, client_carol):
        alice = DomandaFactory()
        DomandaFactory()
        response = client_carol.get(self.url(), {"q": alice.cf_beneficiario, "canale__exact": "web"})
        assert response.status_code == 302
        assert alice.cf_beneficiario not in response["Location"]
        assert "canale__exact=web" in response["Location"]
        page = client_carol.get(response["Location"])
        assert len(risultati(page)) == 2  # not searched
        assert not AuditEvent.objects.filter(azione="ricerca.operatore").exists()

    def test_no_url_of_the_results_page_holds_the_term(self, client_carol, monkeypatch):
        """Pagination, filters, sorting, change links (their preserved filters) keep the token only."""
        cf = make_cf(4343)
        for anno in (2091, 2092, 2093):
            DomandaFactory(bando=BandoFactory(anno=anno), cf_richiedente=cf)
        monkeypatch.setattr(admin.site._registry[Domanda], "list_per_page", 2)
        redirect, page = cerca(client_carol, self.url(), cf)
        token = redirect["Location"].split("ricerca=")[1]
        urls = urls_in(page)
        assert not [u for u in urls if cf in u.upper()]
        assert any("p=2" in u and f"ricerca={token}" in u for u in urls), "pagination keeps the token"
        assert any("bando__id__exact" in u and f"ricerca={token}" in u for u in urls), "filters keep it"
        assert any("_changelist_filters=ricerca" in u for u in urls), "change links preserve it"
        seconda = client_carol.get(self.url(), {"ricerca": token, "p": "2"})
        assert len(risultati(seconda)) == 1
        assert not [u for u in urls_in(seconda) if cf in u.upper()]

    def test_a_new_search_from_a_filtered_page_keeps_the_filter_and_drops_the_page(self, client_carol):
        DomandaFactory(protocollo="P-WEB")
        DomandaFactory(protocollo="P-CC", canale="contact_center")
        redirect, page = cerca(client_carol, self.url(), "P-CC", canale__exact="web", p="2")
        assert "canale__exact=web" in redirect["Location"] and "p=2" not in redirect["Location"]
        assert risultati(page) == []

    def test_an_empty_search_shows_everything(self, client_carol):
        DomandaFactory()
        DomandaFactory()
        redirect = client_carol.post(self.url(), {"_ricerca": "  "})
        assert redirect["Location"] == self.url()

    def test_an_unknown_token_is_refused_with_a_message(self, client_carol):
        response = client_carol.get(self.url(), {"ricerca": "inventato", "canale__exact": "web"})
        assert response.status_code == 302
        assert "ricerca" not in response["Location"] and "canale__exact=web" in response["Location"]
        assert "La ricerca è scaduta: ripeterla." in msgs(response)

    def test_a_token_of_another_list_is_refused(self, client_carol):
        alice = DomandaFactory()
        redirect, _ = cerca(client_carol, self.url(), alice.cf_beneficiario)
        token = redirect["Location"].split("ricerca=")[1]
        other = client_carol.get(reverse("admin:codici_codiceunivoco_changelist"), {"ricerca": token})
        assert other.status_code == 302 and "ricerca" not in other["Location"]

    def test_a_token_is_private_to_the_session(self, client_carol, client, reference_data):
        alice = DomandaFactory()
        redirect, _ = cerca(client_carol, self.url(), alice.cf_beneficiario)
        dave = UserFactory(is_staff=True)
        dave.groups.add(Group.objects.get(name=OPERATORE_GROUP))
        altro = Client()
        altro.force_login(dave)
        assert altro.get(redirect["Location"]).status_code == 302

    def test_the_autocomplete_view_does_not_search_by_get_either(self, client_carol):
        """?term= of the admin's autocomplete goes through get_search_results: the mixin ignores it."""
        alice = DomandaFactory()
        admin_domande = admin.site._registry[Domanda]
        request = client_carol.get(self.url()).wsgi_request
        qs, _ = admin_domande.get_search_results(request, Domanda.objects.all(), alice.cf_beneficiario)
        assert qs.count() == Domanda.objects.count()


ADMIN_RISERVATI = [
    "domande_domanda", "domande_attestazioneisee", "graduatorie_posizione", "codici_codiceunivoco",
    "sedute_seduta", "professionisti_professionista", "professionisti_studio",
    "professionisti_canaleaccredito", "accounts_user",
]  # fmt: skip


@pytest.mark.parametrize("name", ADMIN_RISERVATI)
def test_every_admin_of_citizens_data_searches_by_post_only(client, reference_data, name):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse(f"admin:{name}_changelist")
    cf = make_cf(4444)
    response = client.get(url, {"q": cf})
    assert response.status_code == 302 and cf not in response["Location"]
    redirect, page = cerca(client, url, cf)
    assert cf not in redirect["Location"] and "ricerca=" in redirect["Location"]
    assert page.status_code == 200
    assert page.context["cl"].query == cf
    assert (
        'method="post" role="search"' in page.content.decode()
        and "csrfmiddlewaretoken" in page.content.decode()
    )
    assert AuditEvent.objects.filter(azione="ricerca.operatore").count() == 1


def test_every_admin_that_searches_a_codice_fiscale_uses_the_post_search():
    """A new admin with a codice fiscale or a code among its search fields must use the mixin."""
    for model, model_admin in admin.site._registry.items():
        campi = [c.lstrip("=^@").split("__")[-1] for c in model_admin.search_fields or []]
        personali = [c for c in campi if c in ("codice_fiscale", "cf_beneficiario", "cf_richiedente")]
        if personali or model is CodiceUnivoco:
            assert isinstance(model_admin, RicercaRiservataMixin), model


def test_search_of_a_code_by_its_code(client_carol):
    codice = CodiceFactory()
    CodiceFactory()
    _, page = cerca(client_carol, reverse("admin:codici_codiceunivoco_changelist"), codice.codice)
    assert risultati(page) == [codice]
    assert codice.codice not in page.content.decode().replace(f'value="{codice.codice}"', "")


class TestCodiceMascherato:
    def test_the_code_page_shows_it_masked_and_is_audited(self, client_carol, carol):
        codice = CodiceFactory()
        response = client_carol.get(reverse("admin:codici_codiceunivoco_change", args=[codice.pk]))
        assert response.status_code == 200
        html = response.content.decode()
        assert codice.codice not in html
        assert codice.codice_mascherato in html
        assert "Mostra codice" in html
        evento = AuditEvent.objects.get(azione="codice.visualizzato")
        assert (evento.attore, evento.oggetto_id) == (carol, str(codice.pk))

    def test_mostra_codice_reveals_it_once_and_is_audited(self, client_carol, carol):
        codice = CodiceFactory()
        url = reverse("admin:codici_codiceunivoco_mostra", args=[codice.pk])
        assert client_carol.get(url).status_code == 405
        assert not AuditEvent.objects.filter(azione="codice.mostrato").exists()
        response = client_carol.post(url)
        assert response.status_code == 200
        assert codice.codice in response.content.decode()
        evento = AuditEvent.objects.get(azione="codice.mostrato")
        assert (evento.attore, evento.oggetto_tipo, evento.oggetto_id) == (
            carol, "codici.codiceunivoco", str(codice.pk),
        )  # fmt: skip
        assert codice.codice not in str(evento.dettagli)
        client_carol.post(url)
        assert AuditEvent.objects.filter(azione="codice.mostrato").count() == 2

    def test_a_citizen_cannot_reveal_a_code(self, client, reference_data):
        codice = CodiceFactory()
        client.force_login(UserFactory())
        response = client.post(reverse("admin:codici_codiceunivoco_mostra", args=[codice.pk]))
        assert response.status_code == 302 and codice.codice not in response.content.decode()
        assert not AuditEvent.objects.filter(azione="codice.mostrato").exists()

    def test_the_code_is_read_only(self, client_carol):
        codice = CodiceFactory()
        response = client_carol.post(
            reverse("admin:codici_codiceunivoco_change", args=[codice.pk]), {"stato": "annullato"}
        )
        assert response.status_code == 403
        assert CodiceUnivoco.objects.get(pk=codice.pk).stato == codice.stato


def test_viewing_a_posizione_is_audited(client_carol, carol):
    domanda = DomandaFactory()
    graduatoria = Graduatoria.objects.create(bando=domanda.bando, regione=regione("120"))
    posizione = Posizione.objects.create(
        graduatoria=graduatoria, domanda=domanda, posizione=1, esito=Esito.ACCOLTA
    )
    response = client_carol.get(reverse("admin:graduatorie_posizione_change", args=[posizione.pk]))
    assert response.status_code == 200
    evento = AuditEvent.objects.get(azione="posizione.visualizzata")
    assert (evento.attore, evento.oggetto_id) == (carol, str(posizione.pk))


class TestAuditAccessi:
    login = staticmethod(lambda: reverse("admin:login"))

    def test_a_staff_login_and_logout_are_audited_with_the_ip(self, client, carol):
        response = client.post(
            self.login(), {"username": carol.codice_fiscale, "password": PASSWORD}, REMOTE_ADDR="203.0.113.7"
        )
        assert response.status_code == 302
        evento = AuditEvent.objects.get(azione="operatore.accesso")
        assert (evento.attore, evento.ip) == (carol, "203.0.113.7")
        client.post(reverse("admin:logout"), REMOTE_ADDR="203.0.113.7")
        evento = AuditEvent.objects.get(azione="operatore.uscita")
        assert (evento.attore, evento.ip) == (carol, "203.0.113.7")

    def test_a_wrong_password_of_a_staff_account_is_audited_without_the_password(self, client, carol):
        client.post(self.login(), {"username": carol.codice_fiscale.lower(), "password": "sbagliata-123"})
        evento = AuditEvent.objects.get(azione="operatore.accesso_fallito")
        assert evento.attore is None
        assert (evento.oggetto_tipo, evento.oggetto_id) == ("accounts.user", str(carol.pk))
        assert evento.dettagli["account"] == "staff" and evento.ip == "127.0.0.1"
        assert "sbagliata" not in str(evento.dettagli) and "password" not in str(evento.dettagli)

    @pytest.mark.parametrize("chi", ["sconosciuto", "cittadino"])
    def test_a_username_that_is_not_staff_is_not_stored(self, client, reference_data, chi):
        typed = make_cf(777) if chi == "sconosciuto" else UserFactory().codice_fiscale
        client.post(self.login(), {"username": typed, "password": "qualunque-123"})
        evento = AuditEvent.objects.get(azione="operatore.accesso_fallito")
        assert (evento.oggetto_tipo, evento.oggetto_id) == ("", "")
        assert evento.dettagli["account"] == "sconosciuto"
        assert typed not in str(evento.dettagli)

    def test_a_citizen_login_is_not_an_operator_event(self, client, reference_data):
        client.force_login(UserFactory())
        assert not AuditEvent.objects.filter(azione__startswith="operatore.").exists()

    def test_a_failed_authentication_elsewhere_is_not_an_operator_event(self, rf, carol):
        from django.contrib.auth import authenticate

        assert authenticate(rf.post("/api/token/"), username=carol.codice_fiscale, password="x") is None
        assert not AuditEvent.objects.filter(azione__startswith="operatore.").exists()


def test_other_admins_keep_django_s_search(client_carol):
    """Regions are not personal data: their list still searches by GET, with Django's own box."""
    response = client_carol.get(reverse("admin:core_regione_changelist"), {"q": "Lazio"})
    assert response.status_code == 200
    assert [r.codice for r in risultati(response)] == ["120"]
    assert 'method="get" role="search"' in response.content.decode()
