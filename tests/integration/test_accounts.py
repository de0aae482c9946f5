import pytest
from django.core.checks import run_checks
from django.urls import reverse

from apps.accounts.demo import DEMO_IDENTITIES
from apps.accounts.models import User
from apps.core.models import AuditEvent
from apps.core.validators import is_valid_codice_fiscale

pytestmark = pytest.mark.django_db


def test_demo_identities_have_valid_codici_fiscali():
    assert all(is_valid_codice_fiscale(d.codice_fiscale) for d in DEMO_IDENTITIES)


def test_user_requires_a_16_character_codice_fiscale():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        User.objects.create_user("12345678901")  # a company's partita IVA passes stdnum, not us
    user = User.objects.create_user(" rssmra85m01h501q ")
    assert user.codice_fiscale == "RSSMRA85M01H501Q"
    assert not user.has_usable_password()


def test_dev_login_with_a_typed_codice_fiscale_creates_the_user_and_audits(client):
    response = client.post(
        reverse("accounts:dev_login"), {"codice_fiscale": "rssmra85m01h501q", "nome": "Mario"}
    )
    assert response.status_code == 302
    user = User.objects.get(codice_fiscale="RSSMRA85M01H501Q")
    assert AuditEvent.objects.filter(azione="login", attore=user).exists()


def test_dev_login_rejects_an_invalid_codice_fiscale_next_to_the_field(client):
    response = client.post(reverse("accounts:dev_login"), {"codice_fiscale": "RSSMRA85M01H501X"})
    assert response.status_code == 200
    assert "codice_fiscale" in response.context["form"].errors
    assert not User.objects.exists()


def test_dev_login_with_a_demo_identity(client):
    demo = DEMO_IDENTITIES[0]
    response = client.post(reverse("accounts:dev_login"), {"demo": demo.codice_fiscale})
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_dev_login_refuses_an_unknown_demo_identity(client):
    response = client.post(reverse("accounts:dev_login"), {"demo": "XXXXXX00X00X000X"})
    assert response.status_code == 404


def test_dev_login_does_not_exist_when_disabled(client, settings):
    settings.DEV_LOGIN_ENABLED = False
    assert client.get(reverse("accounts:dev_login")).status_code == 404
    assert (
        client.post(reverse("accounts:dev_login"), {"demo": DEMO_IDENTITIES[0].codice_fiscale}).status_code
        == 404
    )


def test_dev_login_is_refused_by_a_system_check_without_debug(settings):
    settings.DEBUG = False
    settings.DEV_LOGIN_ENABLED = True
    assert "accounts.E001" in [m.id for m in run_checks()]
    settings.DEV_LOGIN_ENABLED = False
    assert "accounts.E001" not in [m.id for m in run_checks()]


def test_logout_needs_post(client):
    client.force_login(User.objects.create_user("RSSMRA85M01H501Q"))
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_next_parameter_cannot_redirect_off_site(client):
    response = client.post(
        reverse("accounts:dev_login"), {"codice_fiscale": "RSSMRA85M01H501Q", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("cittadino:home")
