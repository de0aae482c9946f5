"""`{% fisso %}` (apps/core/templatetags/frammenti.py) and the cached empty form of "Presenta domanda":
what is kept per process is exactly what the page would render without the cache."""

import re

import pytest
from django.template import engines
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from apps.core.moduli import campi
from apps.portale_cittadino.forms import DomandaForm, campi_domanda_vuota
from tests.factories import BandoFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_two_fixed_fragments_of_one_template_keep_each_its_own_markup():
    # Both tags take no value: only the tag itself tells them apart (Token.position is None without debug).
    t = engines["django"].from_string(
        "{% load frammenti %}{% fisso %}uno{% endfisso %}-{% fisso %}due{% endfisso %}"
        "-{% fisso flag %}{{ flag }}{% endfisso %}"
    )
    for _ in range(2):
        assert t.render({"flag": True}) == "uno-due-True"
        assert t.render({"flag": False}) == "uno-due-False"


def test_a_fixed_fragment_is_kept_per_language():
    t = engines["django"].from_string(
        "{% load frammenti i18n %}{% fisso %}{% get_current_language as L %}{{ L }}{% endfisso %}"
    )
    for lingua in ["it", "en", "de", "it"]:
        with translation.override(lingua):
            assert t.render({}) == lingua


def _senza_valori_per_richiesta(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'name="chiave_invio" value="[^"]+"', "", html)


@pytest.mark.parametrize("lingua", ["it", "en", "de"])
def test_the_form_page_is_the_same_with_and_without_the_kept_markup(client, lingua):
    user = UserFactory(lingua=lingua)
    client.force_login(user)
    url = reverse("cittadino:presenta", args=[BandoFactory().pk])
    with translation.override(lingua):
        pagine = [client.get(url).content.decode() for _ in range(2)]  # the second from what is kept
        with override_settings(DEBUG=True):  # nothing kept: every part rendered
            pagine.append(client.get(url).content.decode())
    pagine = [_senza_valori_per_richiesta(p) for p in pagine]
    assert pagine[0] == pagine[1] == pagine[2]
    html = pagine[1]
    assert html.count("<header") == html.count("<footer") == html.count("<main") == 1
    assert html.count('class="skiplink"') == 1


@pytest.mark.parametrize(
    "cf,email", [("RSSMRA80A01H501U", 'a&b"<x>@example.org'), ("RSSMRA80A01H501U", ""), ("", "")]
)
def test_the_kept_empty_form_is_the_form_drawn_now(cf, email):
    for _ in range(2):
        html = str(campi_domanda_vuota(cf, email))
        chiave = re.search(r'name="chiave_invio" value="([^"]+)"', html).group(1)
        atteso = DomandaForm(initial={"cf_beneficiario": cf, "email": email, "chiave_invio": chiave})
        assert html == str(campi(atteso))
    assert chiave != re.search(r'name="chiave_invio" value="([^"]+)"', str(campi_domanda_vuota(cf, email)))[1]
