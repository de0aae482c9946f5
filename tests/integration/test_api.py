"""The API for practice software (/api/v1/, issue 11 §1): personal tokens, scopes, problem+json errors in
Italian, the same services and object-level access as the pages, idempotent writes, audit, rate limits."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from apps.api import views as api_views
from apps.api.autenticazione import PerToken
from apps.core.models import AuditEvent
from apps.fatture.models import Fattura
from apps.professionisti.models import Professionista, TokenApi
from apps.professionisti.token_api import ErroriToken, crea_token, revoca_token
from apps.sedute.models import Seduta
from tests.factories import CodiceFactory, ProfessionistaFactory, SedutaFactory, UserFactory, utente_di

pytestmark = pytest.mark.django_db

TUTTI = ["lettura", "sedute", "fatture"]


def _client(professionista, ambiti=TUTTI, giorni=90):
    utente = utente_di(professionista) if not hasattr(professionista, "_utente") else professionista._utente
    professionista._utente = utente
    token, chiaro = crea_token(utente, professionista, nome="Gestionale", ambiti=ambiti, giorni=giorni)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {chiaro}")
    return client, token


@pytest.fixture
def api(bob):
    client, _token = _client(bob)
    return client


@pytest.fixture
def codice():
    alice = UserFactory(nome="Alice", cognome="Russo")
    return CodiceFactory(domanda__cf_beneficiario=alice.codice_fiscale, assegnato=Decimal("200.00"))


def _problema(risposta, stato):
    assert risposta.status_code == stato, risposta.content
    assert risposta["Content-Type"].startswith("application/problem+json")
    corpo = risposta.json()
    assert corpo["status"] == stato and corpo["detail"]
    return corpo


def _verifica(api, codice):
    r = api.post(
        "/api/v1/verifiche/",
        {"codice_fiscale": codice.domanda.cf_beneficiario.lower(), "codice": codice.codice},
        format="json",
    )
    assert r.status_code == 200, r.content
    return r.json()


def _prenota(api, bob, token_verifica, *, chiave="k-1", inizio=None, importo="50.00"):
    inizio = inizio or timezone.now() + dt.timedelta(days=2)
    return api.post(
        "/api/v1/sedute/",
        {
            "token_verifica": token_verifica,
            "studio": bob.studi.first().pk,
            "inizio": inizio.isoformat(),
            "durata_minuti": 50,
            "importo": importo,
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY=chiave,
    )


# --- tokens ------------------------------------------------------------------------------------------


def test_a_token_is_stored_only_as_its_hash_and_shown_once(bob):
    token, chiaro = crea_token(utente_di(bob), bob, nome="  PsicoGest  ", ambiti=["lettura"], giorni=30)
    assert chiaro.startswith(f"bp_{token.prefisso}_") and len(chiaro) > 40
    assert token.nome == "PsicoGest"
    riga = TokenApi.objects.filter(pk=token.pk).values().get()
    assert chiaro not in str(riga) and len(riga["impronta"]) == 64


def test_every_token_error_at_once_and_a_ceiling_on_active_tokens(bob):
    utente = utente_di(bob)
    with pytest.raises(ErroriToken) as exc:
        crea_token(utente, bob, nome=" ", ambiti=["tutto"], giorni=7)
    assert [e.field for e in exc.value.errori] == ["nome", "ambiti", "giorni"]
    for i in range(10):
        crea_token(utente, bob, nome=f"t{i}", ambiti=["lettura"], giorni=30)
    with pytest.raises(ErroriToken, match="Hai già 10 token attivi"):
        crea_token(utente, bob, nome="t11", ambiti=["lettura"], giorni=30)
    assert TokenApi.objects.filter(professionista=bob).count() == 10


def test_without_a_valid_token_every_call_is_refused_in_italian(bob, codice):
    anonimo = APIClient()
    corpo = _problema(anonimo.get("/api/v1/sedute/"), 401)
    assert "credenziali" in corpo["detail"].lower() or "autenticazione" in corpo["detail"].lower()
    anonimo.credentials(HTTP_AUTHORIZATION="Bearer bp_nonesiste_abc")
    assert "Token non valido" in _problema(anonimo.get("/api/v1/sedute/"), 401)["detail"]
    client, token = _client(bob)
    assert client.get("/api/v1/sedute/").status_code == 200
    revoca_token(utente_di(bob), token)
    _problema(client.get("/api/v1/sedute/"), 401)
    scaduto, token = _client(bob)
    TokenApi.objects.filter(pk=token.pk).update(scade_il=timezone.now() - dt.timedelta(seconds=1))
    _problema(scaduto.get("/api/v1/sedute/"), 401)


def test_a_token_whose_login_is_deactivated_stops_working(bob):
    client, _token = _client(bob)
    assert client.get("/api/v1/studi/").status_code == 200
    bob._utente.is_active = False
    bob._utente.save(update_fields=["is_active"])
    assert "Token non valido" in _problema(client.get("/api/v1/studi/"), 401)["detail"]


def test_a_token_whose_professional_has_no_login_any_more_stops_working(bob):
    client, _token = _client(bob)
    assert client.get("/api/v1/studi/").status_code == 200
    bob._utente.codice_fiscale = "RSSMRA80A01H501U"  # the login now belongs to someone else
    bob._utente.save(update_fields=["codice_fiscale"])
    assert "Token non valido" in _problema(client.get("/api/v1/studi/"), 401)["detail"]


def test_the_token_its_professional_and_login_are_read_in_one_query(bob, django_assert_num_queries):
    client, _token = _client(bob)
    client.get("/api/v1/studi/")  # the token's last use is written once a minute: out of the count
    # token + professional + login (one join), the professional's studi, the call's audit event.
    with django_assert_num_queries(3):
        assert client.get("/api/v1/studi/").status_code == 200


def test_scopes_and_a_professional_no_longer_aderente_can_only_read(bob, codice):
    sola_lettura, _t = _client(bob, ambiti=["lettura"])
    assert sola_lettura.get("/api/v1/sedute/").status_code == 200
    _problema(sola_lettura.post("/api/v1/verifiche/", {}, format="json"), 403)
    solo_sedute, _t = _client(bob, ambiti=["sedute"])
    _problema(solo_sedute.get("/api/v1/sedute/"), 403)
    client, _t = _client(bob)
    Professionista.objects.filter(pk=bob.pk).update(stato=Professionista.Stato.REVOCATO)
    assert client.get("/api/v1/fatture/").status_code == 200
    corpo = _problema(client.post("/api/v1/verifiche/", {}, format="json"), 403)
    assert "lista CNOP" in corpo["detail"]


# --- the journey and the rules ------------------------------------------------------------------------


def test_verify_book_confirm_invoice_withdraw_through_http(api, bob, codice):
    verifica = _verifica(api, codice)
    assert verifica["nominativo"] == "RUSSO ALICE" and verifica["residuo"] == "200.00"
    assert codice.codice not in str(verifica)

    ieri = timezone.now() - dt.timedelta(days=1)
    r = _prenota(api, bob, verifica["token_verifica"], inizio=ieri)
    assert r.status_code == 201, r.content
    seduta = r.json()
    scritta = Seduta.objects.get(codice=codice)
    assert seduta == {  # every field the response carries, as written
        "id": scritta.pk, "numero": scritta.numero, "stato": "prenotata",
        "codice_fiscale_paziente": codice.domanda.cf_beneficiario, "studio": bob.studi.first().pk,
        "inizio": timezone.localtime(scritta.inizio).isoformat(), "durata_minuti": 50, "importo": "50.00",
        "confermata_il": None, "annullata_il": None, "annullata_da": "",
    }  # fmt: skip
    # The same Idempotency-Key again: the same seduta, nothing booked twice.
    again = _prenota(api, bob, verifica["token_verifica"], inizio=ieri)
    assert again.status_code == 200 and again.json()["id"] == seduta["id"]
    assert Seduta.objects.filter(codice=codice).count() == 1
    codice.refresh_from_db()
    assert codice.prenotato == Decimal("50.00")

    r = api.post(f"/api/v1/sedute/{seduta['id']}/conferma/")
    assert r.status_code == 200 and r.json()["stato"] == "confermata"

    fattura = {
        "sedute": [seduta["id"]], "emittente": "Dott. Bob Neri", "numero": "12/2026",
        "data": timezone.localdate().isoformat(), "totale": "70.00",
    }  # fmt: skip
    r = api.post("/api/v1/fatture/", fattura, format="json", HTTP_IDEMPOTENCY_KEY="f-1")
    assert r.status_code == 201, r.content
    registrata = r.json()
    assert registrata["importo_bonus"] == "50.00" and registrata["sedute"] == [seduta["id"]]
    assert api.post("/api/v1/fatture/", fattura, format="json", HTTP_IDEMPOTENCY_KEY="f-1").status_code == 200
    assert Fattura.objects.filter(professionista=bob).count() == 1
    assert [f["id"] for f in api.get("/api/v1/fatture/").json()["results"]] == [registrata["id"]]

    r = api.post(f"/api/v1/fatture/{registrata['id']}/ritira/")
    assert r.status_code == 200 and r.json()["stato"] == "ritirata"
    assert api.get(f"/api/v1/sedute/{seduta['id']}/").json()["stato"] == "confermata"
    assert api.get("/api/v1/rimborsi/").json()["results"] == []


def test_the_services_rules_come_back_as_422_with_the_field(api, bob, codice):
    verifica = _verifica(api, codice)
    corpo = _problema(_prenota(api, bob, verifica["token_verifica"], importo="50.01"), 400)
    assert corpo["errori"][0]["campo"] == "importo"
    lontano = timezone.now() + dt.timedelta(days=400)  # after the code's validity
    corpo = _problema(_prenota(api, bob, verifica["token_verifica"], inizio=lontano), 422)
    assert corpo["errori"][0]["campo"]
    r = _prenota(api, bob, verifica["token_verifica"])
    corpo = _problema(api.post(f"/api/v1/sedute/{r.json()['id']}/conferma/"), 422)
    assert "Potrai confermare la seduta dopo il suo inizio" in corpo["detail"]
    # Modify, then cancel: the amounts move on the code as on the pages.
    modifica = {
        "inizio": (timezone.now() + dt.timedelta(days=3)).isoformat(),
        "durata_minuti": 45,
        "importo": "40.00",
    }
    assert api.put(f"/api/v1/sedute/{r.json()['id']}/", modifica, format="json").json()["importo"] == "40.00"
    assert api.post(f"/api/v1/sedute/{r.json()['id']}/annulla/").json()["stato"] == "annullata"
    codice.refresh_from_db()
    assert codice.prenotato == 0


def test_booking_needs_an_idempotency_key_and_a_verification_of_this_professional(api, bob, codice):
    verifica = _verifica(api, codice)
    corpo = _problema(_prenota(api, bob, verifica["token_verifica"], chiave=""), 400)
    assert corpo["errori"][0]["campo"] == "Idempotency-Key"
    carla = ProfessionistaFactory()
    altro, _t = _client(carla)
    corpo = _problema(_prenota(altro, carla, verifica["token_verifica"]), 422)
    assert corpo["errori"][0]["campo"] == "token_verifica"
    _problema(_prenota(api, bob, verifica["token_verifica"] + "x"), 422)


def test_an_expired_verification_is_refused(api, bob, codice, monkeypatch):
    verifica = _verifica(api, codice)
    monkeypatch.setattr(api_views, "DURATA_VERIFICA", -1)
    assert "Verifica scaduta" in _problema(_prenota(api, bob, verifica["token_verifica"]), 422)["detail"]


def test_a_wrong_pairing_gets_the_pages_uniform_message_and_their_failure_limit(api, codice, settings):
    settings.VERIFICA_MAX_ERRORI_UTENTE = 3
    sbagliato = {"codice_fiscale": codice.domanda.cf_beneficiario, "codice": "ZZZZZZZZZZZZ"}
    for _i in range(3):
        corpo = _problema(api.post("/api/v1/verifiche/", sbagliato, format="json"), 422)
        assert "non corrispondono a un contributo utilizzabile" in corpo["detail"]
    giusto = {"codice_fiscale": codice.domanda.cf_beneficiario, "codice": codice.codice}
    assert (
        "Troppe verifiche" in _problema(api.post("/api/v1/verifiche/", giusto, format="json"), 422)["detail"]
    )


def test_another_professionals_objects_do_not_exist(api, bob, codice):
    altrui = SedutaFactory(codice=codice)
    assert _problema(api.get(f"/api/v1/sedute/{altrui.pk}/"), 404)["detail"] == "Risorsa non trovata."
    _problema(api.post(f"/api/v1/sedute/{altrui.pk}/annulla/"), 404)
    _problema(api.post(f"/api/v1/sedute/{altrui.pk}/conferma/"), 404)
    assert api.get("/api/v1/sedute/").json()["results"] == []
    verifica = _verifica(api, codice)
    for chiave, studio in (("x", altrui.studio_id), ("y", 2**31 - 1)):  # someone else's; nobody's
        r = api.post(
            "/api/v1/sedute/",
            {
                "token_verifica": verifica["token_verifica"], "studio": studio,
                "inizio": (timezone.now() + dt.timedelta(days=1)).isoformat(), "durata_minuti": 50,
                "importo": "10.00",
            },
            format="json",
            HTTP_IDEMPOTENCY_KEY=chiave,
        )  # fmt: skip
        assert _problema(r, 422)["errori"][0]["campo"] == "studio"
    assert not Seduta.objects.filter(professionista=bob).exists()


def test_bad_input_is_a_400_listing_every_field_never_a_500(api, bob, codice):
    verifica = _verifica(api, codice)
    r = api.post(
        "/api/v1/sedute/",
        {"token_verifica": verifica["token_verifica"], "studio": 10**30, "inizio": "9999-99-99",
         "durata_minuti": -5, "importo": "1e400"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="x",
    )  # fmt: skip
    corpo = _problema(r, 400)
    assert {e["campo"] for e in corpo["errori"]} == {"studio", "inizio", "durata_minuti", "importo"}
    # The last day there is: outside the code's validity (422); an hour that is year 10000 in Rome: 400.
    ultimo = dt.datetime(9999, 12, 31, 10, tzinfo=dt.UTC)
    _problema(_prenota(api, bob, verifica["token_verifica"], inizio=ultimo), 422)
    oltre = dt.datetime(9999, 12, 31, 23, tzinfo=dt.UTC)
    _problema(_prenota(api, bob, verifica["token_verifica"], inizio=oltre), 400)
    _problema(api.post("/api/v1/verifiche/", "{non json", content_type="application/json"), 400)
    _problema(api.post("/api/v1/verifiche/", "a=b", content_type="text/plain"), 415)
    _problema(api.get("/api/v1/sedute/", {"dal": "2026-02-30"}), 400)
    _problema(api.get("/api/v1/sedute/", {"dal": "2026-03-02", "al": "2026-03-01"}), 400)
    _problema(api.get("/api/v1/sedute/", {"page": "999"}), 404)


def test_list_filters_by_state_and_dates(api, bob, codice):
    oggi = timezone.localtime()
    SedutaFactory(codice=codice, professionista=bob, inizio=oggi + dt.timedelta(days=1))
    SedutaFactory(codice=codice, professionista=bob, inizio=oggi + dt.timedelta(days=10))
    tutte = api.get("/api/v1/sedute/").json()
    assert tutte["count"] == 2
    domani = (oggi + dt.timedelta(days=1)).date().isoformat()
    assert api.get("/api/v1/sedute/", {"al": domani}).json()["count"] == 1
    assert api.get("/api/v1/sedute/", {"stato": "confermata"}).json()["count"] == 0
    assert api.get("/api/v1/studi/").json()[0]["id"] == bob.studi.first().pk


def test_every_call_is_audited_and_the_last_use_recorded(api, bob):
    prima = AuditEvent.objects.filter(azione="api.chiamata").count()
    api.get("/api/v1/sedute/")
    api.get("/api/v1/sedute/999999/")
    eventi = AuditEvent.objects.filter(azione="api.chiamata").order_by("pk")[prima:]
    assert [(e.dettagli["metodo"], e.dettagli["stato"]) for e in eventi] == [("GET", 200), ("GET", 404)]
    assert eventi[0].attore.codice_fiscale == bob.codice_fiscale
    assert TokenApi.objects.get(professionista=bob).ultimo_uso_il is not None


def test_calls_per_token_are_rate_limited(api, monkeypatch):
    cache.clear()
    monkeypatch.setattr(PerToken, "THROTTLE_RATES", {"token": "3/min"})
    for _i in range(3):
        assert api.get("/api/v1/sedute/").status_code == 200
    risposta = api.get("/api/v1/sedute/")
    _problema(risposta, 429)
    assert int(risposta["Retry-After"]) > 0
    cache.clear()


def test_the_schema_is_valid_openapi_and_the_docs_are_served_without_a_cdn(client):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert b"prenota_seduta" in schema.content and b"application/problem+json" in schema.content
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "https://" not in html.split("<body")[1]
    assert "unsafe-inline" not in docs.get("Content-Security-Policy", "")


def test_a_seduta_reads_as_the_model_says(client):
    """SedutaOut is declared field by field (not a ModelSerializer, for speed): its schema must stay the
    one the model's fields gave, titles and nullability included."""
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    seduta = schema["components"]["schemas"]["SedutaOut"]
    campi = seduta["properties"]
    assert list(campi) == [
        "id", "numero", "stato", "codice_fiscale_paziente", "studio", "inizio", "durata_minuti", "importo",
        "confermata_il", "annullata_il", "annullata_da",
    ]  # fmt: skip
    assert all(c["readOnly"] for c in campi.values()) and set(seduta["required"]) == set(campi)
    assert campi["inizio"] == {
        "type": "string",
        "format": "date-time",
        "readOnly": True,
        "title": "Data e ora",
    }
    assert campi["durata_minuti"]["title"] == "Durata (minuti)"
    assert campi["importo"]["pattern"] == r"^-?\d{0,10}(?:\.\d{0,2})?$"
    assert campi["confermata_il"]["nullable"] and campi["annullata_il"]["nullable"]
    assert "nullable" not in campi["inizio"] and "description" not in seduta
    stati = schema["components"]["schemas"]["SedutaOutStatoEnum"]["enum"]
    assert stati == [v for v, _etichetta in Seduta.Stato.choices]


def test_errors_are_italian_whatever_the_caller_asks_and_the_language_does_not_leak(api):
    from django.utils import translation

    with translation.override("de"):
        corpo = _problema(api.get("/api/v1/sedute/999999/", HTTP_ACCEPT_LANGUAGE="de"), 404)
        assert corpo["detail"] == "Risorsa non trovata." and corpo["title"] == "Risorsa non trovata"
        assert translation.get_language() == "de"
    assert _problema(api.get("/api/v1/non-esiste/"), 404)["detail"] == "Risorsa non trovata."
