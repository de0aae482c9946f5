""" "Accesso per il gestionale": the professional creates, reads once and revokes API tokens."""

import pytest
from django.urls import reverse

from apps.professionisti.models import TokenApi
from tests.factories import ProfessionistaFactory, entra_come_professionista

pytestmark = pytest.mark.django_db

URL = reverse("professionista:gestionale")


def test_a_token_is_shown_once_then_only_its_prefix(client, bob):
    entra_come_professionista(client, bob)
    risposta = client.post(URL, {"nome": "PsicoGest", "ambiti": ["lettura", "sedute"], "giorni": "90"})
    html = risposta.content.decode()
    token = TokenApi.objects.get(professionista=bob)
    assert "Copia ora il token" in html and f'value="bp_{token.prefisso}_' in html
    assert "no-store" in risposta["Cache-Control"]
    assert token.ambiti == ["lettura", "sedute"]
    dopo = client.get(URL).content.decode()
    assert f"bp_{token.prefisso}…" in dopo and f"bp_{token.prefisso}_" not in dopo
    assert "PsicoGest" in dopo and "lettura, sedute" in dopo


def test_every_error_of_the_form_at_once_and_nothing_created(client, bob):
    entra_come_professionista(client, bob)
    html = client.post(URL, {"nome": "", "giorni": "7"}).content.decode()
    assert 'id="id_nome_error"' in html and 'id="id_ambiti_error"' in html and 'id="id_giorni_error"' in html
    assert "Scegli almeno una delle operazioni." in html
    assert not TokenApi.objects.exists()


def test_revoking_stops_the_token_and_another_professionals_token_is_404(client, bob):
    entra_come_professionista(client, bob)
    client.post(URL, {"nome": "A", "ambiti": ["lettura"], "giorni": "30"})
    token = TokenApi.objects.get(professionista=bob)
    risposta = client.post(reverse("professionista:revoca_token", args=[token.pk]), follow=True)
    assert "revocato" in risposta.content.decode()
    token.refresh_from_db()
    assert token.revocato_il is not None and not token.attivo()
    altro = ProfessionistaFactory()
    from apps.professionisti.token_api import crea_token
    from tests.factories import utente_di

    suo, _chiaro = crea_token(utente_di(altro), altro, nome="X", ambiti=["lettura"], giorni=30)
    assert client.post(reverse("professionista:revoca_token", args=[suo.pk])).status_code == 404
    suo.refresh_from_db()
    assert suo.revocato_il is None


def test_the_page_is_only_for_professionals(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    assert client.get(URL).status_code == 404
