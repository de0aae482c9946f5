"""import_trasferimenti: the Regions' transfers, all or nothing, idempotent on (bando, regione,
riferimento); its command and its admin pages (upload, funds per region)."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from apps.core.models import AuditEvent
from apps.rimborsi.importer import INTESTAZIONE, ImportazioneTrasferimentiError, importa_trasferimenti
from apps.rimborsi.models import TrasferimentoRisorse
from tests.factories import BandoFactory, UserFactory, regione

pytestmark = pytest.mark.django_db

HEADER = ",".join(INTESTAZIONE)
LAZIO = "2025,120,2025-10-15,125000.00,CRO-0001"
LOMBARDIA = "2025,030,2025-10-16,98000.50,CRO-0002"


@pytest.fixture(autouse=True)
def mondo():
    BandoFactory(anno=2025)
    for codice in ("120", "030"):
        regione(codice)


def scrivi(tmp_path, *righe, header=HEADER, nome="trasferimenti.csv"):
    path = tmp_path / nome
    path.write_text("\n".join([header, *righe]) + "\n", encoding="utf-8")
    return path


def rifiuta(path) -> list[str]:
    with pytest.raises(ImportazioneTrasferimentiError) as exc:
        importa_trasferimenti(path, oggi=dt.date(2025, 12, 1))
    assert not TrasferimentoRisorse.objects.exists()
    return exc.value.errori


def archivio():
    return sorted(
        TrasferimentoRisorse.objects.values_list(
            "bando__anno", "regione_id", "data", "importo", "riferimento"
        )
    )


def test_a_good_file_is_imported(tmp_path):
    risultato = importa_trasferimenti(scrivi(tmp_path, LAZIO, LOMBARDIA), "t.csv")
    assert (risultato.righe, risultato.nuovi, risultato.invariati) == (2, 2, 0)
    assert archivio() == [
        (2025, "030", dt.date(2025, 10, 16), Decimal("98000.50"), "CRO-0002"),
        (2025, "120", dt.date(2025, 10, 15), Decimal("125000.00"), "CRO-0001"),
    ]
    assert AuditEvent.objects.get(azione="trasferimenti.importati").dettagli["nuovi"] == 2


def test_the_same_file_twice_adds_nothing(tmp_path):
    path = scrivi(tmp_path, LAZIO, LOMBARDIA)
    importa_trasferimenti(path)
    prima = list(TrasferimentoRisorse.objects.order_by("pk").values_list("pk", "registrato_il"))
    risultato = importa_trasferimenti(scrivi(tmp_path, LAZIO, LOMBARDIA, "2025,120,2025-10-20,10.00,CRO-3"))
    assert (risultato.nuovi, risultato.invariati) == (1, 2)
    assert list(TrasferimentoRisorse.objects.order_by("pk").values_list("pk", "registrato_il"))[:2] == prima


def test_the_same_key_with_another_amount_is_an_error_for_that_line(tmp_path):
    importa_trasferimenti(scrivi(tmp_path, LAZIO))
    with pytest.raises(ImportazioneTrasferimentiError) as exc:
        importa_trasferimenti(scrivi(tmp_path, LOMBARDIA, "2025,120,2025-10-15,125000.01,CRO-0001"))
    assert exc.value.errori == [
        "riga 3: riferimento CRO-0001 già importato per questo bando e regione con data 2025-10-15 e "
        "importo 125.000,00 €: un trasferimento non si modifica con un file"
    ]
    assert TrasferimentoRisorse.objects.count() == 1  # Lombardy's good line was not imported either


def test_every_bad_line_is_reported_by_number_and_reason(tmp_path):
    errori = rifiuta(
        scrivi(
            tmp_path,
            LAZIO,
            "2019,120,2025-10-15,10.00,A",  # line 3
            "2025,999,2025-10-15,10.00,B",
            "2025,120,15/10/2025,10.00,C",
            "2025,120,2025-10-15,10,D",
            "2025,120,2025-10-15,10000000000.00,E",
            "2025,120,2025-10-15,0.00,F",
            "2025,120,9999-12-31,10.00,G",
            "2025,120,2025-10-15,10.00,",
            "2025,120,2025-10-15,10.00",
            "2025,120,2025-10-16,11.00,CRO-0001",  # line 12: same key as line 2
        )
    )
    assert errori == [
        "riga 3: bando '2019' inesistente (indicare l'annualità, es. 2025)",
        "riga 4: regione '999' inesistente (codice a 3 cifre, es. 120)",
        "riga 5: data '15/10/2025' non è una data ISO 8601 (AAAA-MM-GG)",
        "riga 6: importo '10' non valido: euro con il punto e due decimali, es. 125000.00",
        "riga 7: importo 10000000000.00 troppo grande: al massimo 9999999999.99",
        "riga 8: importo 0.00 non positivo",
        "riga 9: data 9999-12-31 nel futuro: un trasferimento si registra quando è arrivato",
        "riga 10: riferimento mancante o più lungo di 60 caratteri",
        "riga 11: attese 5 colonne, trovate 4",
        "riga 12: stesso trasferimento (bando, regione, riferimento) della riga 2",
    ]


def test_a_wrong_header_is_refused(tmp_path):
    assert rifiuta(scrivi(tmp_path, LAZIO, header="anno,regione,data,importo,riferimento")) == [
        f"riga 1: intestazione non valida: attesa {HEADER}"
    ]


def test_an_empty_file_and_a_file_without_lines_are_refused(tmp_path):
    vuoto = tmp_path / "vuoto.csv"
    vuoto.write_bytes(b"")
    assert rifiuta(vuoto) == ["riga 1: il file è vuoto"]
    assert rifiuta(scrivi(tmp_path)) == ["riga 1: il file non contiene trasferimenti"]


def test_a_file_not_in_utf8_gets_one_clear_message(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(f"{HEADER}\n2025,120,2025-10-15,10.00,Versamento Regione Calàbria\n".encode("latin-1"))
    with pytest.raises(ImportazioneTrasferimentiError) as exc:
        importa_trasferimenti(path)
    assert "non è in UTF-8" in str(exc.value) and "riga 2" in str(exc.value)
    assert not TrasferimentoRisorse.objects.exists()


def test_the_command_imports_and_exits_non_zero_on_bad_lines(tmp_path):
    out = StringIO()
    call_command("import_trasferimenti", str(scrivi(tmp_path, LAZIO)), stdout=out)
    assert "1 nuovi" in out.getvalue()
    err = StringIO()
    with pytest.raises(CommandError, match="1 riga non valida"):
        call_command("import_trasferimenti", str(scrivi(tmp_path, "2025,120,2025-10-15,1,X")), stderr=err)
    assert "riga 2: importo '1' non valido" in err.getvalue()
    with pytest.raises(CommandError, match="non trovato"):
        call_command("import_trasferimenti", str(tmp_path / "manca.csv"))


# --- admin ----------------------------------------------------------------------------------------


@pytest.fixture
def carol(client):
    carol = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(carol)
    return carol


def test_admin_upload_imports_and_shows_the_funds_per_region(client, carol):
    url = reverse("admin:rimborsi_trasferimentorisorse_importa")
    upload = SimpleUploadedFile("t.csv", f"{HEADER}\n{LAZIO}\n{LOMBARDIA}\n".encode())
    response = client.post(url, {"file": upload}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:rimborsi_trasferimentorisorse_fondi")
    testo = response.content.decode()
    assert "Trasferimenti importati: 2 righe, 2 nuovi" in testo
    assert "125.000,00 €" in testo and "98.000,50 €" in testo
    assert "223.000,50 €" in testo  # the total


def test_admin_upload_lists_the_bad_lines(client, carol):
    url = reverse("admin:rimborsi_trasferimentorisorse_importa")
    upload = SimpleUploadedFile("t.csv", f"{HEADER}\n{LAZIO}\n2025,999,2025-10-15,1.00,X\n".encode())
    testo = client.post(url, {"file": upload}).content.decode()
    assert "riga 3: regione &#x27;999&#x27; inesistente" in testo
    assert not TrasferimentoRisorse.objects.exists()


def test_admin_lists_transfers_with_filters_and_links(client, carol, tmp_path):
    importa_trasferimenti(scrivi(tmp_path, LAZIO, LOMBARDIA))
    testo = client.get(
        reverse("admin:rimborsi_trasferimentorisorse_changelist") + "?regione__codice__exact=030"
    )
    testo = testo.content.decode()
    assert "CRO-0002" in testo and "CRO-0001" not in testo
    assert reverse("admin:rimborsi_trasferimentorisorse_importa") in testo
    assert reverse("admin:rimborsi_trasferimentorisorse_fondi") in testo


def test_admin_generates_the_month_batch(client, carol):
    from apps.rimborsi.models import LottoRimborsi

    url = reverse("admin:rimborsi_lottorimborsi_genera")
    assert client.get(url).status_code == 200
    response = client.post(url, {"mese": "2025-10"}, follow=True)
    assert "Lotto 10/2025 generato" in response.content.decode()
    assert LottoRimborsi.objects.get().mese == dt.date(2025, 10, 1)
    testo = client.post(url, {"mese": "2999-01"}).content.decode()
    assert "non è ancora finito" in testo
    assert "Indicare il mese" in client.post(url, {"mese": "ottobre"}).content.decode()


def test_admin_funds_page_shows_what_a_batch_committed(client, carol):
    from apps.rimborsi.services import genera_rimborsi
    from tests.factories import CanaleFactory, CodiceFactory, ProfessionistaFactory, fattura_registrata

    bando = BandoFactory(anno=2025)
    importa_trasferimenti(scrivi_in_memoria(LAZIO))
    bob = ProfessionistaFactory()
    CanaleFactory(professionista=bob)
    codice = CodiceFactory(domanda__bando=bando, domanda__regione=regione("120"))
    fattura_registrata(bob, codice, sedute=2, registrata_il=dt.datetime(2025, 10, 20, 12, tzinfo=dt.UTC))
    genera_rimborsi(dt.date(2025, 10, 1))
    testo = client.get(reverse("admin:rimborsi_trasferimentorisorse_fondi"), {"bando": bando.pk})
    riga = next(r for r in testo.content.decode().split("<tr>") if "Lazio" in r)
    assert [c.split("</td>")[0] for c in riga.split("<td>")[1:]] == [
        "125.000,00 €",
        "0,00 €",
        "100,00 €",
        "124.900,00 €",
    ]


def scrivi_in_memoria(*righe):
    return SimpleUploadedFile("t.csv", ("\n".join([HEADER, *righe]) + "\n").encode())
