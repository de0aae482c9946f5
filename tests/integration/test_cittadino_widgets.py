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


def test_a_province_added_later_is_shown_once_the_reference_rows_expire(reference_data, settings):
    assert "ZZ" not in str(DomandaForm()["provincia"])
    Provincia.objects.create(sigla="ZZ", nome="Zeta", regione_id="120")
    # Within RIFERIMENTI_TTL the process serves the rows it read (no query per page)...
    assert "ZZ" not in str(DomandaForm()["provincia"])
    settings.RIFERIMENTI_TTL = 0  # ...and reads them again once it has passed.
    assert '<option value="ZZ">Zeta' in str(DomandaForm()["provincia"])


def test_a_province_added_later_is_accepted_at_once(reference_data):
    DomandaForm(data={"provincia": "RM"}).is_valid()  # the cache holds the provinces
    Provincia.objects.create(sigla="ZZ", nome="Zeta", regione_id="120")
    form = DomandaForm(data={"provincia": "ZZ"})
    form.is_valid()
    assert "provincia" not in form.errors and form.cleaned_data["provincia"].nome == "Zeta"


def test_the_chosen_province_needs_no_query(reference_data, django_assert_num_queries):
    primo = DomandaForm(data={"provincia": "RM"})  # the process's first page and submission
    primo.is_valid()
    str(primo["provincia"])
    with django_assert_num_queries(0):
        form = DomandaForm(data={"provincia": "MI"})
        form.is_valid()  # another province: from the reference rows
        str(DomandaForm(data={"provincia": "RM"})["provincia"])  # the same page again: from the markup cache
    assert form.cleaned_data["provincia"].regione.nome == "Lombardia"


def test_a_value_not_among_the_options_is_not_cached(reference_data, monkeypatch):
    form = DomandaForm(data={"provincia": "<b>XX</b>"})
    form.is_valid()
    html = str(form["provincia"])
    assert html == plain(form["provincia"], monkeypatch) and "<b>" not in html
    assert SelectInCache._cache == {}


def test_a_province_renamed_is_shown_with_its_new_name(reference_data, settings):
    assert "Roma (RM)" in str(DomandaForm(data={"provincia": "RM"})["provincia"])
    Provincia.objects.filter(sigla="RM").update(nome="Roma Capitale")
    settings.RIFERIMENTI_TTL = 0
    page = str(DomandaForm(data={"provincia": "RM"})["provincia"])
    assert '<option value="RM" selected>Roma Capitale (RM)</option>' in page
