"""The citizen's "Le mie fatture": who sees which fattura (the code page's owner filter), the period
filter at its edges, the selection and its downloads (one PDF, a ZIP), the large selection built by the
task with its progress, the private archives and their retention, bad input never a 500."""

import datetime as dt
import io
import os
import re
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.codici.selectors import codici_del_cittadino
from apps.fatture import documenti, tasks
from apps.fatture.models import ArchivioFatture, Fattura
from tests.factories import (
    CodiceFactory,
    DomandaFactory,
    ProfessionistaFactory,
    UserFactory,
    cf_minore,
    fattura_registrata,
)
from tests.integration.test_fatture_pdf import _pagine
from tests.pdf_testo import pdf_in_chiaro

pytestmark = pytest.mark.django_db
URL = reverse("cittadino:fatture")


@pytest.fixture(autouse=True)
def archivi_in_tmp(settings, tmp_path):
    settings.FATTURE_ARCHIVI_DIR = tmp_path / "archivi"
    return settings.FATTURE_ARCHIVI_DIR


@pytest.fixture
def bob():
    return ProfessionistaFactory(cognome="Neri", nome="Bob")


@pytest.fixture
def anna():
    return UserFactory(nome="Anna", cognome="Bianchi")


@pytest.fixture
def codice_di_anna(anna):
    # Room for many sedute: the large selections need more than the 500 € of a real code.
    return CodiceFactory(
        domanda=DomandaFactory(cf_beneficiario=anna.codice_fiscale), assegnato=Decimal("9000.00")
    )


def _download(risposta) -> bytes:
    return b"".join(risposta.streaming_content)


# --- Who sees what ----------------------------------------------------------------------------------


def test_beneficiary_applicant_and_stranger(client, bob, anna):
    """The applicant for a child sees the child's fatture; the child's code is not the stranger's."""
    genitore = anna
    figlio_cf = cf_minore()
    codice_figlio = CodiceFactory(
        domanda=DomandaFactory(cf_richiedente=genitore.codice_fiscale, cf_beneficiario=figlio_cf)
    )
    fattura = fattura_registrata(bob, codice_figlio, numero="11/F")
    beneficiario = UserFactory(codice_fiscale=figlio_cf)
    estraneo = UserFactory()
    # The same owners as the code page.
    for utente, vede in ((genitore, True), (beneficiario, True), (estraneo, False)):
        assert (codice_figlio in codici_del_cittadino(utente)) is vede
        assert list(documenti.fatture_del_cittadino(utente)) == ([fattura] if vede else [])
        client.force_login(utente)
        assert ("11/F" in client.get(URL).content.decode()) is vede


def test_an_applicant_for_themselves_is_not_an_applicant_for_others(bob, anna, codice_di_anna):
    """A domanda with cf_richiedente = someone else's beneficiary does not leak the other way."""
    altro = UserFactory()
    fattura_registrata(bob, codice_di_anna)
    assert not documenti.fatture_del_cittadino(altro).exists()


def test_withdrawn_fatture_are_not_listed(client, bob, anna, codice_di_anna):
    tenuta = fattura_registrata(bob, codice_di_anna, numero="1/K")
    ritirata = fattura_registrata(bob, codice_di_anna, numero="2/K")
    Fattura.objects.filter(pk=ritirata.pk).update(stato=Fattura.Stato.RITIRATA)
    assert list(documenti.fatture_del_cittadino(anna)) == [tenuta]
    client.force_login(anna)
    testo = client.get(URL).content.decode()
    assert "1/K" in testo and "2/K" not in testo
    # And a withdrawn one's id, posted, is ignored.
    risposta = client.post(URL, {"fatture": [ritirata.pk], "formato": "pdf"})
    assert "Seleziona almeno una fattura" in risposta.content.decode()


def test_the_list_shows_total_bonus_and_what_i_paid(client, bob, anna, codice_di_anna):
    fattura_registrata(bob, codice_di_anna, sedute=2, totale=Decimal("130.00"), emittente="Studio Neri")
    client.force_login(anna)
    testo = client.get(URL).content.decode().replace("\xa0", " ")
    assert "Studio Neri" in testo
    assert "130,00 €" in testo and "100,00 €" in testo and "30,00 €" in testo


def test_home_links_to_the_fatture(client, anna):
    client.force_login(anna)
    assert URL in client.get(reverse("cittadino:home")).content.decode()


def test_login_required(client):
    assert client.get(URL).status_code == 302


# --- Period filter ----------------------------------------------------------------------------------


@pytest.fixture
def per_data(bob, codice_di_anna):
    oggi = timezone.localdate()
    giorni = {
        "prima": oggi - dt.timedelta(days=30),
        "dal": oggi - dt.timedelta(days=20),
        "al": oggi - dt.timedelta(days=10),
    }
    fatture = {k: fattura_registrata(bob, codice_di_anna, data=v, numero=f"{k}-1") for k, v in giorni.items()}
    return giorni, fatture


def _numeri(risposta) -> set[str]:
    return set(re.findall(r"(prima|dal|al)-1", risposta.content.decode()))


def test_period_edges_are_included(client, anna, per_data):
    giorni, _ = per_data
    client.force_login(anna)
    risposta = client.get(URL, {"dal": giorni["dal"].isoformat(), "al": giorni["al"].isoformat()})
    assert _numeri(risposta) == {"dal", "al"}
    giorno_dopo = giorni["dal"] + dt.timedelta(days=1)
    assert _numeri(client.get(URL, {"dal": giorno_dopo.isoformat()})) == {"al"}
    giorno_prima = giorni["al"] - dt.timedelta(days=1)
    assert _numeri(client.get(URL, {"al": giorno_prima.isoformat()})) == {"prima", "dal"}
    assert _numeri(client.get(URL, {"dal": giorni["al"].isoformat(), "al": giorni["al"].isoformat()})) == {
        "al"
    }


def test_from_after_to_is_an_error_next_to_the_field(client, anna, per_data):
    giorni, _ = per_data
    client.force_login(anna)
    risposta = client.get(URL, {"dal": giorni["al"].isoformat(), "al": giorni["dal"].isoformat()})
    assert risposta.status_code == 200
    testo = risposta.content.decode()
    assert 'id="id_al_error"' in testo and "La data finale precede quella iniziale." in testo
    assert "riepilogo-errori" in testo
    assert _numeri(risposta) == {"prima", "dal", "al"}  # the list stays, unfiltered


@pytest.mark.parametrize(
    ("valore", "messaggio"),
    [
        ("9999-12-31", "Indica una data tra il 01/01/2000 e il 31/12/2099."),
        ("1999-12-31", "Indica una data tra il 01/01/2000 e il 31/12/2099."),
        ("2026-02-30", "Indica una data valida"),
        ("domani", "Indica una data valida"),
        ("99999-01-01", "Indica una data valida"),
    ],
)
def test_bad_dates_have_a_clear_message(client, anna, per_data, valore, messaggio):
    client.force_login(anna)
    for campo in ("dal", "al"):
        risposta = client.get(URL, {campo: valore})
        assert risposta.status_code == 200
        testo = risposta.content.decode()
        assert f'id="id_{campo}_error"' in testo and messaggio in testo


def test_the_last_accepted_day_works(client, anna, per_data):
    client.force_login(anna)
    assert _numeri(client.get(URL, {"al": "2099-12-31"})) == {"prima", "dal", "al"}
    assert _numeri(client.get(URL, {"dal": "2000-01-01"})) == {"prima", "dal", "al"}


def test_pagination(client, bob, anna, codice_di_anna):
    for i in range(21):
        fattura_registrata(bob, codice_di_anna, sedute=1, numero=f"P{i}")
    client.force_login(anna)
    prima = client.get(URL)
    assert "Fatture 1–20 di 21" in prima.content.decode()
    seconda = client.get(URL, {"pagina": 2})
    assert "Fatture 21–21 di 21" in seconda.content.decode()
    assert client.get(URL, {"pagina": "x"}).status_code == 200
    assert client.get(URL, {"pagina": 999}).status_code == 200


# --- Downloads --------------------------------------------------------------------------------------


def test_download_one_pdf_of_the_ticked_ones(client, bob, anna, codice_di_anna):
    fatture = [fattura_registrata(bob, codice_di_anna, sedute=1) for _ in range(3)]
    client.force_login(anna)
    risposta = client.post(URL, {"fatture": [fatture[0].pk, fatture[2].pk], "formato": "pdf"})
    assert risposta.status_code == 200
    assert risposta["Content-Type"] == "application/pdf"
    assert risposta["Content-Disposition"] == 'attachment; filename="fatture.pdf"'
    assert _pagine(_download(risposta)) == 2


def test_a_single_fattura_is_named_after_its_number(client, bob, anna, codice_di_anna):
    fattura = fattura_registrata(bob, codice_di_anna, sedute=1, numero="12/B")
    client.force_login(anna)
    risposta = client.post(URL, {"fatture": [fattura.pk], "formato": "pdf"})
    nome = re.search(r'filename="(.+)"', risposta["Content-Disposition"]).group(1)
    assert nome == f"fattura-{fattura.anno}-12-B-{fattura.pk}.pdf"
    assert codice_di_anna.codice not in nome and anna.codice_fiscale not in nome


def test_download_a_zip_of_all_in_the_period_not_only_the_page(client, bob, anna, codice_di_anna):
    oggi = timezone.localdate()
    for _ in range(22):
        fattura_registrata(bob, codice_di_anna, sedute=1, data=oggi - dt.timedelta(days=2))
    fattura_registrata(bob, codice_di_anna, sedute=1, data=oggi - dt.timedelta(days=40))  # outside
    client.force_login(anna)
    dal = (oggi - dt.timedelta(days=3)).isoformat()
    risposta = client.post(URL, {"tutte": "on", "formato": "zip", "dal": dal, "al": ""})
    assert risposta["Content-Type"] == "application/zip"
    assert risposta["Content-Disposition"] == 'attachment; filename="fatture.zip"'
    with zipfile.ZipFile(io.BytesIO(_download(risposta))) as archivio:
        assert len(archivio.namelist()) == 22


def test_empty_selection_is_a_message_next_to_the_field(client, bob, anna, codice_di_anna):
    fattura_registrata(bob, codice_di_anna, sedute=1)
    client.force_login(anna)
    risposta = client.post(URL, {"formato": "pdf"})
    assert risposta.status_code == 200
    testo = risposta.content.decode()
    assert 'id="id_fatture_error"' in testo and "Seleziona almeno una fattura" in testo
    assert 'href="#id_fatture"' in testo  # the summary links to it


def test_missing_or_forged_format_is_a_message(client, bob, anna, codice_di_anna):
    fattura = fattura_registrata(bob, codice_di_anna, sedute=1)
    client.force_login(anna)
    for formato in ("", "exe"):
        risposta = client.post(URL, {"fatture": [fattura.pk], "formato": formato})
        assert risposta.status_code == 200
        assert 'id="id_formato_error"' in risposta.content.decode()


def test_another_persons_ids_are_ignored(client, bob, anna, codice_di_anna):
    mia = fattura_registrata(bob, codice_di_anna, sedute=1)
    altrui = fattura_registrata(bob, CodiceFactory(), sedute=1)
    client.force_login(anna)
    risposta = client.post(URL, {"fatture": [mia.pk, altrui.pk, "abc", "-1", "99999999"], "formato": "zip"})
    with zipfile.ZipFile(io.BytesIO(_download(risposta))) as archivio:
        assert archivio.namelist() == [documenti.nome_file(mia)]
    # Only someone else's: nothing of mine is selected.
    risposta = client.post(URL, {"fatture": [altrui.pk], "formato": "pdf"})
    assert risposta.status_code == 200
    assert "Seleziona almeno una fattura" in risposta.content.decode()


def test_a_bad_hidden_period_is_not_a_500(client, bob, anna, codice_di_anna):
    fattura_registrata(bob, codice_di_anna, sedute=1)
    client.force_login(anna)
    risposta = client.post(URL, {"tutte": "on", "formato": "pdf", "dal": "9999-99-99"})
    assert risposta.status_code == 200
    assert "riepilogo-errori" in risposta.content.decode()


# --- The large selection: the task and its progress -------------------------------------------------


def test_over_fifty_goes_through_the_task_and_its_status_page(client, bob, anna, codice_di_anna):
    for _ in range(documenti.SOGLIA_IN_CODA + 1):
        fattura_registrata(bob, codice_di_anna, sedute=1)
    client.force_login(anna)
    risposta = client.post(URL, {"tutte": "on", "formato": "zip"})
    archivio = ArchivioFatture.objects.get(utente=anna)
    assert risposta.status_code == 302
    assert risposta["Location"] == reverse("cittadino:archivio_fatture", args=[archivio.pk])
    # Eager (make run, tests): done when the redirect arrives.
    assert (archivio.stato, archivio.fatte, archivio.totale) == ("pronto", 51, 51)
    stato = client.get(risposta["Location"]).content.decode()
    assert "data-aggiorna-ogni" not in stato
    scarica = reverse("cittadino:archivio_fatture_scarica", args=[archivio.pk])
    assert scarica in stato
    file = client.get(scarica)
    assert file["Content-Disposition"] == 'attachment; filename="fatture.zip"'
    with zipfile.ZipFile(io.BytesIO(_download(file))) as zip_:
        assert len(zip_.namelist()) == 51
    # Private: in the archives' folder, under a random name, not in static or media.
    assert archivio.file and not archivio.file.startswith("fatture")
    assert (documenti.cartella_archivi() / archivio.file).is_file()


def test_exactly_fifty_is_built_in_the_request(client, bob, anna, codice_di_anna, monkeypatch):
    monkeypatch.setattr(documenti, "SOGLIA_IN_CODA", 3)
    for _ in range(3):
        fattura_registrata(bob, codice_di_anna, sedute=1)
    client.force_login(anna)
    risposta = client.post(URL, {"tutte": "on", "formato": "pdf"})
    assert risposta.status_code == 200 and not ArchivioFatture.objects.exists()
    fattura_registrata(bob, codice_di_anna, sedute=1)
    assert client.post(URL, {"tutte": "on", "formato": "pdf"}).status_code == 302
    archivio = ArchivioFatture.objects.get()
    assert archivio.formato == "pdf" and archivio.totale == 4
    assert (
        _pagine(_download(client.get(reverse("cittadino:archivio_fatture_scarica", args=[archivio.pk])))) == 4
    )


def test_progress_states_with_a_real_queue(client, bob, anna, codice_di_anna, monkeypatch):
    """With a broker the request only queues the task (on commit); the page shows "0 di N" and refreshes;
    the worker's progress is visible mid-way; then the link."""
    monkeypatch.setattr(documenti, "SOGLIA_IN_CODA", 2)
    fatture = [fattura_registrata(bob, codice_di_anna, sedute=1) for _ in range(3)]
    accodati = []
    monkeypatch.setitem(tasks.prepara_archivio_fatture.app.conf, "task_always_eager", False)
    monkeypatch.setattr(tasks.prepara_archivio_fatture, "apply_async", lambda kwargs: accodati.append(kwargs))
    client.force_login(anna)
    with pytest.MonkeyPatch.context() as m:
        m.setattr("django.db.transaction.on_commit", lambda f: f())  # the test's transaction never commits
        risposta = client.post(URL, {"fatture": [f.pk for f in fatture], "formato": "zip"})
    archivio = ArchivioFatture.objects.get()
    assert accodati == [{"archivio_id": archivio.pk}]
    stato = client.get(risposta["Location"]).content.decode()
    assert archivio.stato == "in_coda"
    assert "Preparate 0 di 3 fatture." in stato
    assert 'data-aggiorna-ogni="3"' in stato
    assert reverse("cittadino:archivio_fatture_scarica", args=[archivio.pk]) not in stato
    # The person can stop the refresh.
    assert "data-aggiorna-ogni" not in client.get(risposta["Location"], {"aggiorna": "0"}).content.decode()
    assert client.get(reverse("cittadino:archivio_fatture_scarica", args=[archivio.pk])).status_code == 404

    # The worker: mid-way, the page says how far it got.
    visto = []
    originale = documenti.pdf_fatture

    def osserva(lista):
        if len(visto) == 1:
            visto.append(client.get(risposta["Location"]).content.decode())
        else:
            visto.append(None)
        return originale(lista)

    monkeypatch.setattr(documenti, "pdf_fatture", osserva)
    tasks.prepara_archivio_fatture(archivio_id=archivio.pk)
    assert "Preparate 1 di 3 fatture." in visto[1]
    assert "data-aggiorna-ogni" in visto[1]
    archivio.refresh_from_db()
    assert (archivio.stato, archivio.fatte) == ("pronto", 3)
    finale = client.get(risposta["Location"]).content.decode()
    assert "Pronto: 3 fatture." in finale and "data-aggiorna-ogni" not in finale
    # A redelivered task leaves a ready archive alone.
    file = archivio.file
    tasks.prepara_archivio_fatture(archivio_id=archivio.pk)
    archivio.refresh_from_db()
    assert archivio.file == file


def test_the_task_rechecks_the_owner(bob, anna, codice_di_anna):
    """A record holding someone else's id (forged or stale) builds only the owner's fatture."""
    mia = fattura_registrata(bob, codice_di_anna, sedute=1)
    altrui = fattura_registrata(bob, CodiceFactory(), sedute=1)
    archivio = ArchivioFatture.objects.create(
        utente=anna, formato="zip", fattura_ids=[mia.pk, altrui.pk], totale=2
    )
    documenti.prepara_archivio(archivio.pk)
    archivio.refresh_from_db()
    assert archivio.totale == 1
    with zipfile.ZipFile(documenti.percorso(archivio)) as zip_:
        assert zip_.namelist() == [documenti.nome_file(mia)]


def test_a_failed_build_is_recorded_and_leaves_no_file(bob, anna, codice_di_anna, monkeypatch, client):
    fattura = fattura_registrata(bob, codice_di_anna, sedute=1)
    archivio = ArchivioFatture.objects.create(utente=anna, formato="zip", fattura_ids=[fattura.pk], totale=1)

    def rotto(_lista):
        raise RuntimeError("WeasyPrint")

    monkeypatch.setattr(documenti, "pdf_fatture", rotto)
    with pytest.raises(RuntimeError):
        documenti.prepara_archivio(archivio.pk)
    archivio.refresh_from_db()
    assert archivio.stato == "fallito"
    assert list(documenti.cartella_archivi().iterdir()) == []
    client.force_login(anna)
    pagina = client.get(reverse("cittadino:archivio_fatture", args=[archivio.pk])).content.decode()
    assert "Non è stato possibile preparare il documento" in pagina


def test_another_persons_archive_is_a_404(client, bob, anna, codice_di_anna):
    fattura = fattura_registrata(bob, codice_di_anna, sedute=1)
    archivio = documenti.richiedi_archivio(anna, [fattura.pk], "pdf")
    assert archivio.stato == "pronto"
    client.force_login(UserFactory())
    assert client.get(reverse("cittadino:archivio_fatture", args=[archivio.pk])).status_code == 404
    assert client.get(reverse("cittadino:archivio_fatture_scarica", args=[archivio.pk])).status_code == 404
    client.force_login(anna)
    assert client.get(reverse("cittadino:archivio_fatture_scarica", args=[archivio.pk])).status_code == 200


def test_archives_are_deleted_after_24_hours(client, bob, anna, codice_di_anna):
    fattura = fattura_registrata(bob, codice_di_anna, sedute=1)
    vecchio = documenti.richiedi_archivio(anna, [fattura.pk], "zip")
    nuovo = documenti.richiedi_archivio(anna, [fattura.pk], "pdf")
    file_vecchio = documenti.percorso(vecchio)
    ArchivioFatture.objects.filter(pk=vecchio.pk).update(
        richiesto_il=timezone.now() - documenti.CONSERVAZIONE - dt.timedelta(seconds=1)
    )
    client.force_login(anna)
    # Expired: no longer downloadable, even before the sweep.
    assert client.get(reverse("cittadino:archivio_fatture_scarica", args=[vecchio.pk])).status_code == 404
    assert tasks.pulisci_archivi_fatture() == 1
    assert not file_vecchio.exists()
    assert list(ArchivioFatture.objects.all()) == [nuovo]
    assert documenti.percorso(nuovo).exists()


def test_the_page_and_the_pdf_in_the_users_language(client, bob, anna, codice_di_anna):
    fattura = fattura_registrata(bob, codice_di_anna, sedute=1)
    type(anna).objects.filter(pk=anna.pk).update(lingua="de")
    client.force_login(anna)
    assert "Meine Rechnungen" in client.get(URL).content.decode()
    risposta = client.post(URL, {"fatture": [fattura.pk], "formato": "pdf"})
    assert b"/Lang (de)" in pdf_in_chiaro(_download(risposta))


def test_leftover_files_are_swept_too(bob, anna, codice_di_anna):
    cartella = documenti.cartella_archivi()
    vecchio, recente = cartella / "avanzo.parziale", cartella / "in-corso.parziale"
    vecchio.write_bytes(b"x")
    recente.write_bytes(b"x")
    passato = (timezone.now() - documenti.CONSERVAZIONE - dt.timedelta(minutes=1)).timestamp()
    os.utime(vecchio, (passato, passato))
    documenti.elimina_archivi_scaduti()
    assert not vecchio.exists() and recente.exists()


def test_one_pdf_has_a_ceiling_the_zip_a_larger_one(client, bob, anna, codice_di_anna, monkeypatch):
    monkeypatch.setattr(documenti, "MASSIMO_PDF", 2)
    monkeypatch.setattr(documenti, "MASSIMO_SELEZIONE", 3)
    for _ in range(3):
        fattura_registrata(bob, codice_di_anna, sedute=1)
    client.force_login(anna)
    risposta = client.post(URL, {"tutte": "on", "formato": "pdf"})
    assert risposta.status_code == 200
    assert "Un solo PDF può contenere al massimo 2 fatture" in risposta.content.decode()
    assert client.post(URL, {"tutte": "on", "formato": "zip"})["Content-Type"] == "application/zip"
    fattura_registrata(bob, codice_di_anna, sedute=1)
    risposta = client.post(URL, {"tutte": "on", "formato": "zip"})
    assert "Puoi scaricare al massimo 3 fatture alla volta" in risposta.content.decode()
    assert not ArchivioFatture.objects.exists()
