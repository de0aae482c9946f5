"""apps.core.moduli draws the forms' fields in Python: the same markup as the templates did (Django's
widget templates and the portal's former `cittadino/_campi.html`, kept here as the reference), for every
form the pages draw with it, unbound, bound with errors on every field, and with the form's own errors."""

import re
from pathlib import Path

import pytest
from django.forms.renderers import DjangoTemplates
from django.template import Context, Template

from apps.accounts.forms import DevLoginForm
from apps.core.moduli import RendererLeggero, campi
from apps.portale_cittadino.forms import CercaProfessionistiForm, DomandaForm
from apps.portale_cittadino.widgets import SelectInCache
from apps.portale_professionista.forms import CanaleForm, PrenotaSedutaForm, StudioForm, VerificaForm

pytestmark = pytest.mark.django_db

# The template the portal used before (cittadino/_campi.html until this change), verbatim.
RIFERIMENTO = Template((Path(__file__).parent / "campi_riferimento.html").read_text())


def normalizzato(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", str(html))).strip()


def con_i_template(make):
    form = make(DjangoTemplates())
    form.is_bound and form.is_valid()
    return RIFERIMENTO.render(Context({"form": form}))


def in_python(make):
    form = make(RendererLeggero())
    form.is_bound and form.is_valid()
    return campi(form)


VALIDA = {
    "relazione": "genitore", "cf_beneficiario": "rssmra80a01h501u ", "provincia": "RM",
    "email": "a@example.org", "cellulare": "+39 333 1234567", "dichiarazione": "on",
    "chiave_invio": "6d1f1c1e-0000-4000-8000-000000000001",
}  # fmt: skip
SPORCA = {"relazione": "<b>x</b>", "cf_beneficiario": "", "provincia": "ZZ", "email": "non-una-mail",
          "cellulare": '"><script>', "chiave_invio": "non-un-uuid"}  # fmt: skip


def con_errore_del_modulo(renderer):
    form = DomandaForm(data=VALIDA, renderer=renderer)
    form.is_valid()
    form.add_error(None, "Modulo scaduto o non valido: ricominciare la domanda.")
    form.add_error("cf_beneficiario", "Un errore <con> markup & altro.")
    return form


FORMS = {
    "domanda vuota": lambda r: DomandaForm(
        initial={"cf_beneficiario": "RSSMRA80A01H501U", "chiave_invio": VALIDA["chiave_invio"]}, renderer=r
    ),
    "domanda valida": lambda r: DomandaForm(data=VALIDA, renderer=r),
    "domanda sbagliata ovunque": lambda r: DomandaForm(data=SPORCA, renderer=r),
    "domanda con errori del servizio": con_errore_del_modulo,
    "ricerca": lambda r: CercaProfessionistiForm(renderer=r),
    "ricerca con dati": lambda r: CercaProfessionistiForm(data={"provincia": "NA", "nome": "Ro"}, renderer=r),
    "login simulato": lambda r: DevLoginForm(renderer=r),
    "login simulato sbagliato": lambda r: DevLoginForm(data={}, renderer=r),
    "canale": lambda r: CanaleForm(data={"iban": "IT00"}, renderer=r),
    "studio": lambda r: StudioForm(renderer=r),
    "verifica": lambda r: VerificaForm(data={"codice_fiscale": "x"}, renderer=r),
    "prenota": lambda r: PrenotaSedutaForm(data={"importo": "-1"}, renderer=r),
}


@pytest.fixture(autouse=True)
def senza_cache():
    SelectInCache._cache.clear()


@pytest.mark.parametrize("make", FORMS.values(), ids=FORMS.keys())
def test_the_markup_is_the_templates_one(reference_data, make):
    assert normalizzato(in_python(make)) == normalizzato(con_i_template(make))


def test_errors_labels_and_aria_are_there(reference_data):
    html = str(in_python(FORMS["domanda sbagliata ovunque"]))
    assert 'id="id_cf_beneficiario_error"' in html and 'aria-invalid="true"' in html
    assert (
        '<label for="id_relazione_0">' in html and '<legend class="h6">Presento la domanda</legend>' in html
    )
    assert (
        "Modulo non valido o scaduto" in html
        and "<script>" not in html
        and "&quot;&gt;&lt;script&gt;" in html
    )


def test_the_hidden_inputs_of_the_riepilogo_are_the_templates_ones(reference_data):
    veloci = DomandaForm(data=VALIDA)
    lenti = DomandaForm(data=VALIDA, renderer=DjangoTemplates())
    assert veloci.is_valid() and lenti.is_valid()
    assert [f.as_hidden() for f in veloci] == [f.as_hidden() for f in lenti]


def test_the_summary_lists_every_error_at_once_linking_to_its_field(reference_data):
    html = str(in_python(FORMS["domanda sbagliata ovunque"]))
    riepilogo = html[html.index('id="riepilogo-errori"') : html.index("</ul>")]
    # Every invalid field is in the one summary, each a link to the field's input.
    for campo in ["id_relazione_0", "id_cf_beneficiario", "id_provincia", "id_email", "id_cellulare"]:
        assert f'href="#{campo}"' in riepilogo
    assert "Modulo non valido o scaduto" in riepilogo
    # The ids that Django's aria-describedby names exist.
    for riferimento in re.findall(r'aria-describedby="([^"]+)"', html):
        for ident in riferimento.split():
            assert f'id="{ident}"' in html, ident


def test_an_unbound_or_valid_form_has_no_summary(reference_data):
    assert "riepilogo-errori" not in str(in_python(FORMS["domanda vuota"]))
    assert "riepilogo-errori" not in str(in_python(FORMS["domanda valida"]))
