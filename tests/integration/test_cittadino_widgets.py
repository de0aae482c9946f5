"""The province <select>, rendered once per process: the same markup as Django's Select, every time."""

import pytest
from django import forms

from apps.core.models import Provincia
from apps.portale_cittadino.forms import CercaProfessionistiForm, DomandaForm
from apps.portale_cittadino.widgets import SelectInCache

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    SelectInCache._cache.clear()
    yield
    SelectInCache._cache.clear()


@pytest.fixture
def renders(monkeypatch):
    """How many times the widget templates really ran."""
    calls = []
    render = forms.Select.render

    def counted(self, *args, **kwargs):
        calls.append(kwargs.get("name", args[0] if args else None))
        return render(self, *args, **kwargs)

    monkeypatch.setattr(forms.Select, "render", counted)
    return calls


def plain(bound_field, monkeypatch) -> str:
    """The same field rendered by Django's own Select, no cache."""
    with monkeypatch.context() as m:
        m.setattr(SelectInCache, "render", forms.Select.render)
        return str(bound_field)


FORMS = [
    lambda: DomandaForm(),
    lambda: DomandaForm(initial={"provincia": "MI"}),
    lambda: DomandaForm(data={"provincia": "RM"}),
    lambda: DomandaForm(data={"provincia": ""}),  # bound, invalid: aria-invalid and the error
    lambda: CercaProfessionistiForm(),
    lambda: CercaProfessionistiForm(data={"provincia": "NA"}),
]


@pytest.mark.parametrize("make_form", FORMS)
def test_djangos_markup_served_again_from_the_cache(reference_data, monkeypatch, renders, make_form):
    form = make_form()
    form.is_bound and form.is_valid()
    first = str(form["provincia"])
    assert first == plain(form["provincia"], monkeypatch)
    assert first.count("<option") == Provincia.objects.count() + 1
    templates_run = len(renders)
    again = make_form()
    again.is_bound and again.is_valid()
    assert str(again["provincia"]) == first
    assert len(renders) == templates_run  # the second page reused the first one's markup


def test_the_selected_province_is_the_one_marked(reference_data):
    page = str(DomandaForm(data={"provincia": "RM"})["provincia"])
    assert '<option value="RM" selected>' in page and page.count(" selected>") == 1
    other = str(DomandaForm(data={"provincia": "MI"})["provincia"])
    assert '<option value="MI" selected>' in other and '<option value="RM">' in other


def test_a_province_added_later_is_shown(reference_data):
    assert "ZZ" not in str(DomandaForm()["provincia"])
    Provincia.objects.create(sigla="ZZ", nome="Zeta", regione_id="120")
    assert '<option value="ZZ">Zeta' in str(DomandaForm()["provincia"])


def test_a_value_not_among_the_options_is_not_cached(reference_data, monkeypatch):
    form = DomandaForm(data={"provincia": "<b>XX</b>"})
    form.is_valid()
    html = str(form["provincia"])
    assert html == plain(form["provincia"], monkeypatch) and "<b>" not in html
    assert SelectInCache._cache == {}


def test_a_province_renamed_is_shown_with_its_new_name(reference_data):
    assert "Roma (RM)" in str(DomandaForm(data={"provincia": "RM"})["provincia"])
    Provincia.objects.filter(sigla="RM").update(nome="Roma Capitale")
    page = str(DomandaForm(data={"provincia": "RM"})["provincia"])
    assert '<option value="RM" selected>Roma Capitale (RM)</option>' in page
