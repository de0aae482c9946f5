"""Issue 8 on the operators' side: what the pages say after "Vedi posizioni", amounts in euro, import help
written for an operator, and the admin in the operator's language (Italian by default)."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from apps.domande import importer, importer_rappresentanze
from apps.domande.importer import ImportazioneError, importa_domande
from apps.graduatorie.models import Graduatoria
from apps.graduatorie.services import calcola_graduatorie
from apps.professionisti import importer as importer_cnop
from tests.factories import (
    BandoFactory,
    BudgetFactory,
    CodiceFactory,
    DomandaFactory,
    ProfessionistaFactory,
    UserFactory,
    make_cf,
    regione,
)

pytestmark = pytest.mark.django_db
# Amounts in the admin's columns keep the symbol on their line: a no-break space before it.


@pytest.fixture
def bando():
    bando = BandoFactory(anno=2093, nome="Bando 2093")
    BudgetFactory(bando=bando, regione=regione("120"), importo=Decimal("250000.00"))
    BudgetFactory(bando=bando, regione=regione("030"), importo=Decimal("6500.00"))
    return bando


@pytest.fixture
def operatore(client, reference_data):
    """A superuser: every import page, including the CNOP and rappresentanze ones."""
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def in_lingua(user, lingua):
    user.lingua = lingua
    user.save(update_fields=["lingua"])


def pagina(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


class TestPosizioniDiUnaGraduatoria:
    def test_after_vedi_posizioni_the_heading_names_the_bando_and_the_region(self, client_carol, bando):
        DomandaFactory(bando=bando, isee=Decimal("1000.00"))
        calcola_graduatorie(bando)
        lazio = Graduatoria.objects.get(bando=bando, regione_id="120")
        elenco = pagina(client_carol.get(reverse("admin:graduatorie_graduatoria_changelist")))
        link = reverse("admin:graduatorie_posizione_changelist") + f"?graduatoria__id__exact={lazio.pk}"
        assert link in elenco

        html = pagina(client_carol.get(link))
        assert "<h1>Posizioni in graduatoria: Bando 2093 – Lazio</h1>" in html
        assert "<title>Posizioni in graduatoria: Bando 2093 – Lazio" in html

    def test_the_filters_of_the_list_name_the_bando_too(self, client_carol, bando):
        url = reverse("admin:graduatorie_posizione_changelist")
        html = pagina(client_carol.get(url, {"graduatoria__bando__id__exact": bando.pk}))
        assert "<h1>Posizioni in graduatoria: Bando 2093</h1>" in html
        html = pagina(client_carol.get(url, {"graduatoria__regione__codice__exact": "030"}))
        assert "<h1>Posizioni in graduatoria: Lombardia</h1>" in html

    def test_in_german(self, client_carol, carol, bando):
        in_lingua(carol, "de")
        calcola_graduatorie(bando)
        lazio = Graduatoria.objects.get(bando=bando, regione_id="120")
        url = reverse("admin:graduatorie_posizione_changelist")
        html = pagina(client_carol.get(url, {"graduatoria__id__exact": lazio.pk}))
        assert "<h1>Positionen in der Rangliste: Bando 2093 – Lazio</h1>" in html


class TestImportiInEuro:
    def test_the_graduatorie_list_shows_euro(self, client_carol, bando):
        calcola_graduatorie(bando)
        html = pagina(client_carol.get(reverse("admin:graduatorie_graduatoria_changelist")))
        assert "250.000,00\u00a0€" in html and "6.500,00\u00a0€" in html
        assert "250000,00" not in html and "6500.00" not in html

    def test_the_pages_of_a_code_and_a_domanda_show_euro(self, client_carol):
        codice = CodiceFactory(assegnato=Decimal("1500.00"), domanda__isee=Decimal("12345.60"))
        html = pagina(client_carol.get(reverse("admin:codici_codiceunivoco_change", args=[codice.pk])))
        assert "1.500,00\u00a0€" in html
        html = pagina(client_carol.get(reverse("admin:domande_domanda_change", args=[codice.domanda.pk])))
        assert "12.345,60\u00a0€" in html
        html = pagina(client_carol.get(reverse("admin:domande_domanda_changelist")))
        assert "12.345,60\u00a0€" in html

    def test_the_budget_of_a_published_bando_reads_in_euro(self, client_carol, bando):
        bando.graduatoria_pubblicata_il = bando.chiusura
        bando.save(update_fields=["graduatoria_pubblicata_il"])
        html = pagina(client_carol.get(reverse("admin:domande_bando_change", args=[bando.pk])))
        assert "250.000,00\u00a0€" in html and "1.500,00\u00a0€" in html

    def test_english_writes_the_symbol_first(self, client_carol, carol, bando):
        in_lingua(carol, "en")
        calcola_graduatorie(bando)
        html = pagina(client_carol.get(reverse("admin:graduatorie_graduatoria_changelist")))
        assert "€250,000.00" in html


class TestAiutoDegliImport:
    @pytest.mark.parametrize(
        ("nome", "intestazione"),
        [
            ("domande_rappresentanzalegale_importa", importer_rappresentanze.INTESTAZIONE),
            ("professionisti_importazionecnop_importa", importer_cnop.INTESTAZIONE),
        ],
    )
    def test_the_help_speaks_to_an_operator(self, client, operatore, nome, intestazione):
        html = pagina(client.get(reverse(f"admin:{nome}")))
        self._spiega(html, intestazione)

    def test_the_help_of_the_domande_import(self, client, operatore, bando):
        html = pagina(client.get(reverse("admin:domande_bando_importa", args=[bando.pk])))
        self._spiega(html, importer.INTESTAZIONE)
        assert "bando 2093" in html

    @staticmethod
    def _spiega(html, intestazione):
        for comando in ["import_domande", "import_cnop", "import_rappresentanze", "DESIGN.md", "README.md"]:
            assert comando not in html
        assert ",".join(intestazione) in html
        assert "UTF-8" in html
        assert "per intero o per niente" in html

    def test_a_refused_file_lists_the_lines_under_a_heading_in_the_operators_language(
        self, client, operatore, bando
    ):
        in_lingua(operatore, "en")
        testo = ",".join(importer.INTESTAZIONE) + "\nX-1,nonvalido\n"
        upload = SimpleUploadedFile("d.csv", testo.encode(), content_type="text/csv")
        response = client.post(reverse("admin:domande_bando_importa", args=[bando.pk]), {"file": upload})
        html = pagina(response)
        assert "Lines to correct" in html
        assert response.context["errori"] == ["line 2: 14 columns expected, 2 found"]
        assert "Import applications – Bando 2093" in html


class TestMessaggiDegliImporter:
    def test_italian_by_default_and_german_when_active(self, bando, tmp_path):
        cf = make_cf(94001)
        riga = f"CC-1,{cf},{cf},cugino,120,RM,-3,ordinario,forse,,2026-05-04T10:00:00+02:00,,,web"
        path = tmp_path / "d.csv"
        path.write_text(",".join(importer.INTESTAZIONE) + "\n" + riga + "\n")
        translation.deactivate()  # no request: the default language, as for the command line
        with pytest.raises(ImportazioneError) as exc:
            importa_domande(bando, path)
        assert str(exc.value) == "1 riga non valida: nessuna domanda importata."
        assert exc.value.errori[0].startswith("riga 2: relazione 'cugino' non ammessa")
        with translation.override("de"), pytest.raises(ImportazioneError) as exc:
            importa_domande(bando, path)
        assert str(exc.value) == "1 ungültige Zeile: kein Antrag importiert."
        assert "Zeile 2: relazione 'cugino' nicht zulässig" in exc.value.errori[0]
        assert "isee_difforme 'forse' ungültig (true|false)" in exc.value.errori[0]


class TestAdminNellaLinguaDellOperatore:
    def test_header_models_and_actions_in_german(self, client_carol, carol, bando):
        in_lingua(carol, "de")
        html = pagina(client_carol.get(reverse("admin:index")))
        assert 'lang="de"' in html
        assert "Psychologen-Bonus – INPS-Sachbearbeitung" in html
        assert "Ausschreibungen" in html and "Rangliste" in html
        html = pagina(client_carol.get(reverse("admin:domande_bando_changelist")))
        assert "Ranglisten berechnen" in html
        html = pagina(client_carol.get(reverse("admin:domande_bando_change", args=[bando.pk])))
        assert "Ausgeschlossene Gebiete" in html and "Betrag Stufe A" in html
        assert "Vorname" not in html  # a bando's "nome" is its name; a person's is their first name
        professionista = ProfessionistaFactory()
        url = reverse("admin:professionisti_professionista_change", args=[professionista.pk])
        html = pagina(client_carol.get(url))
        assert "Vorname" in html

    def test_italian_stays_the_default(self, client_carol, bando):
        html = pagina(client_carol.get(reverse("admin:index")))
        assert "Bonus psicologo – Operatori INPS" in html
        html = pagina(client_carol.get(reverse("admin:domande_bando_change", args=[bando.pk])))
        assert "Territori esclusi" in html and "Importo fascia A" in html

    def test_the_operator_is_greeted_in_neutral_words(self, client_carol, carol):
        html = pagina(client_carol.get(reverse("admin:index")))
        assert "Accesso come <strong>Carol</strong>." in html
        assert "Benvenut" not in html
        in_lingua(carol, "de")
        html = pagina(client_carol.get(reverse("admin:index")))
        assert "Angemeldet als <strong>Carol</strong>." in html


def test_the_publication_message_gives_the_date_in_the_operators_format(client_carol, bando):
    from django.contrib.messages import get_messages
    from django.utils import timezone

    DomandaFactory(bando=bando, isee=Decimal("1000.00"))
    url = reverse("admin:domande_bando_changelist")
    for azione in ["calcola_graduatorie", "pubblica_graduatorie"]:
        response = client_carol.post(url, {"action": azione, "_selected_action": [bando.pk]}, follow=True)
    oggi = timezone.localdate()
    testi = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(f"pubblicate il {oggi:%d/%m/%Y}:" in t for t in testi), testi
