"""The monitoring pages (circ. 124/2025 §8): the operators' dashboard (tables, trend charts, CSV of every
table) and the public page; a count of 1–4 beneficiaries is "<5" everywhere."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from apps.monitoraggio.models import Instantanea
from apps.monitoraggio.presentazione import conteggio
from tests.factories import BandoFactory, UserFactory

pytestmark = pytest.mark.django_db

CRUSCOTTO = "/operatori/monitoraggio/instantanea/cruscotto/"


def dati(totale=1234, lazio=1231, lombardia=3, sedute=5400, pagato="81000.00", fatture=3):
    return {
        "beneficiari": {
            "totale": totale,
            "per_regione": {"030": lombardia, "120": lazio},
            "per_sesso": {"F": totale - 2, "M": 2},
            "per_eta": {"0-17": 1, "18-35": totale - 1},
            "per_isee": {"A": totale - 4, "B": 4},
            "per_provincia": {"MI": lombardia, "RM": lazio},
        },
        "sedute": {"svolte": sedute, "importo": "270000.00"},
        "pagamenti": {"120": {"fatture": fatture, "importo": pagato}},
        "fondi": {
            "120": {"trasferito": "100000.00", "pagato": pagato},
            "030": {"trasferito": "5000.00", "pagato": "0.00"},
        },
    }


@pytest.fixture
def bando(reference_data):
    bando = BandoFactory(anno=2089, nome="Bando 2089")
    Instantanea.objects.create(
        bando=bando,
        mese=dt.date(2026, 9, 1),
        dati=dati(totale=3, lazio=2, lombardia=1, sedute=0, pagato="0.00", fatture=0),
    )
    Instantanea.objects.create(
        bando=bando,
        mese=dt.date(2026, 10, 1),
        dati=dati(totale=900, lazio=897, sedute=2000, pagato="20000.00"),
    )
    Instantanea.objects.create(bando=bando, mese=dt.date(2026, 11, 1), dati=dati())
    return bando


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    testo = response.content.decode("utf-8")
    assert testo.startswith("\ufeff")
    return list(csv.reader(io.StringIO(testo[1:]), delimiter=";"))


@pytest.mark.parametrize(("n", "atteso"), [(0, "0"), (1, "<5"), (4, "<5"), (5, "5"), (1234, "1.234")])
def test_a_count_of_one_to_four_is_minimised(n, atteso):
    assert conteggio(n) == atteso
    assert conteggio(3, minimizza=False) == "3"


def test_the_dashboard_shows_the_latest_month_minimised_with_amounts_in_euro(client_carol, bando):
    html = client_carol.get(CRUSCOTTO).content.decode()
    assert "Bando 2089: dati al 30/11/2026" in html
    # Lombardia's 3 beneficiaries, the 0-17 band's one and band B's four: "<5", never the figure.
    assert '<th scope="row">Lombardia</th><td>&lt;5</td>' in html
    assert '<th scope="row">0–17 anni</th><td>&lt;5</td>' in html
    assert "<td>&lt;5</td>" in html and "<td>1.231</td>" in html and "<td>1.234</td>" in html
    assert "81.000,00 €" in html and "100.000,00 €" in html
    assert "Milano (MI)" in html and "Roma (RM)" in html
    # Charts: one SVG per trend, each followed by its data table; September's 3 beneficiaries have no bar.
    for slug in ("andamento-beneficiari", "andamento-sedute", "andamento-pagato"):
        assert f'id="grafico-{slug}"' in html and f'id="tabella-{slug}"' in html
    grafico = html.split('id="grafico-andamento-beneficiari"')[1].split("</svg>")[0]
    assert grafico.count('fill="#0066cc"') == 2 and ">&lt;5</text>" in grafico
    assert "09/2026" in grafico and "1.234" in grafico


def test_every_table_downloads_as_csv_with_the_same_cells(client_carol, bando):
    html = client_carol.get(CRUSCOTTO).content.decode()
    slugs = ["regioni", "sesso", "eta", "isee", "province", "sedute", "pagamenti"]
    slugs += ["andamento-beneficiari", "andamento-sedute", "andamento-pagato"]
    for slug in slugs:
        assert f"csv={slug}" in html, slug
    righe = _csv(client_carol.get(CRUSCOTTO, {"bando": bando.pk, "mese": "2026-11", "csv": "regioni"}))
    assert righe == [["Regione", "Beneficiari"], ["Lombardia", "<5"], ["Lazio", "1.231"], ["Totale", "1.234"]]
    andamento = _csv(client_carol.get(CRUSCOTTO, {"bando": bando.pk, "csv": "andamento-beneficiari"}))
    assert andamento == [["Mese", "Beneficiari"], ["09/2026", "<5"], ["10/2026", "900"], ["11/2026", "1.234"]]
    pagamenti = _csv(client_carol.get(CRUSCOTTO, {"bando": bando.pk, "csv": "pagamenti"}))
    assert pagamenti[-1] == ["Totale", "3", "81.000,00 €", "105.000,00 €"]
    assert client_carol.get(CRUSCOTTO, {"bando": bando.pk, "csv": "inesistente"}).status_code == 404


def test_an_earlier_month_and_a_wrong_month_get_an_answer_not_an_error(client_carol, bando):
    html = client_carol.get(CRUSCOTTO, {"bando": bando.pk, "mese": "2026-10"}).content.decode()
    assert "dati al 31/10/2026" in html and "<td>900</td>" in html
    for sbagliato, messaggio in [
        ("2026-13", "nel formato AAAA-MM"),
        ("9999-12", "non c&#x27;è un&#x27;istantanea"),
    ]:
        risposta = client_carol.get(CRUSCOTTO, {"bando": bando.pk, "mese": sbagliato})
        html = risposta.content.decode()
        assert risposta.status_code == 200 and messaggio in html, sbagliato
        assert "dati al 30/11/2026" in html  # the latest meanwhile
    assert client_carol.get(CRUSCOTTO, {"bando": "abc"}).status_code == 200


def test_without_snapshots_the_dashboard_says_so(client_carol, reference_data):
    assert "Nessuna istantanea di monitoraggio" in client_carol.get(CRUSCOTTO).content.decode()


def test_the_dashboard_is_for_operators_only(client, bando):
    assert client.get(CRUSCOTTO).status_code == 302  # to the operators' login
    client.force_login(UserFactory(is_staff=True))  # staff without the permission
    assert client.get(CRUSCOTTO).status_code == 403


def test_the_dashboard_in_german(client_carol, carol, bando):
    carol.lingua = "de"
    carol.save(update_fields=["lingua"])
    html = client_carol.get(CRUSCOTTO).content.decode()
    assert "Begünstigte" in html and "81.000,00 €" in html
    assert "Beneficiari per regione" not in html


def test_the_public_page_shows_national_and_regional_totals_never_under_five(client, bando):
    risposta = client.get(reverse("monitoraggio:pubblico"))
    html = risposta.content.decode()
    assert risposta.status_code == 200
    assert "Bando 2089" in html and "alla fine del mese 11/2026" in html
    assert "1.234" in html and "81.000,00 €" in html
    # Lombardia's 3 beneficiaries and Lazio's 3 fatture: "<5"; no province, sex, age or ISEE detail.
    assert '<th scope="row">Lombardia</th><td class="text-end">&lt;5</td>' in html
    assert '<th scope="row">Lazio</th><td class="text-end">1.231</td><td class="text-end">&lt;5</td>' in html
    assert "Milano" not in html and "Donne" not in html
    assert reverse("monitoraggio:pubblico") in client.get(reverse("pagine:mappa")).content.decode()


def test_the_public_page_before_any_snapshot(client, reference_data):
    assert "non sono ancora disponibili" in client.get(reverse("monitoraggio:pubblico")).content.decode()


def test_the_public_page_is_never_stored_by_a_shared_cache(client, bando):
    # Anonymous, the case a `public` header would reach (a logged-in visitor gets no-store from the
    # middleware): the page carries this visitor's CSRF token and cookie language, not for a proxy to share.
    client.cookies["django_language"] = "de"
    risposta = client.get(reverse("monitoraggio:pubblico"))
    assert "csrfmiddlewaretoken" in risposta.content.decode() and risposta.headers["Content-Language"] == "de"
    assert "public" not in risposta.get("Cache-Control", "")
