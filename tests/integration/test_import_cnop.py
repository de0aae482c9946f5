"""import_cnop: CNOP's weekly list, an upsert applied whole or not at all; and its admin pages."""

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from apps.core.models import AuditEvent
from apps.domande.reference import OPERATORE_GROUP
from apps.professionisti.importer import INTESTAZIONE, ImportazioneCnopError, importa_cnop
from apps.professionisti.models import ImportazioneCnop, Professionista, Studio
from apps.sedute import services as sedute
from apps.sedute.models import Seduta
from tests.admin_search import risultati
from tests.factories import (
    CanaleFactory,
    ProfessionistaFactory,
    SedutaFactory,
    StudioFactory,
    UserFactory,
    make_cf,
    utente_di,
)

pytestmark = pytest.mark.django_db

HEADER = ",".join(INTESTAZIONE)
ALICE, BOB, DORA = make_cf(81001), make_cf(81002), make_cf(81003)


def riga(cf, **campi) -> str:
    valori = {
        "cf": cf, "cognome": "Bianchi", "nome": "Bob", "ordine": "Lazio", "numero_iscrizione": "12345",
        "data_iscrizione": "2010-05-01", "psicoterapeuta": "true", "data_adesione": "2022-09-01",
        "stato": "aderente", "email": "bob@example.org", "pec": "bob@pec.example.org",
        "studio_indirizzo": "Via Appia 10", "studio_comune": "Roma", "studio_provincia": "RM",
        "studio_cap": "00179",
    }  # fmt: skip
    valori.update(campi)
    return ",".join(valori[c] for c in INTESTAZIONE)


def contenuto(*righe, header=HEADER) -> str:
    return "\n".join([header, *righe]) + "\n"


def scrivi(tmp_path, *righe, header=HEADER, nome="cnop.csv"):
    path = tmp_path / nome
    path.write_text(contenuto(*righe, header=header), encoding="utf-8")
    return path


def importa(tmp_path, *righe, **kwargs) -> ImportazioneCnop:
    return importa_cnop(scrivi(tmp_path, *righe, **kwargs), "cnop.csv")


def rifiuta(tmp_path, *righe, **kwargs) -> list[str]:
    with pytest.raises(ImportazioneCnopError) as exc:
        importa(tmp_path, *righe, **kwargs)
    return exc.value.errori


def stato_db():
    """Everything the import may change, to prove a refused file changed nothing."""
    return (
        sorted(Professionista.objects.values_list("codice_fiscale", "cognome", "email", "stato", "in_lista")),
        sorted(Studio.objects.values_list("professionista_id", "indirizzo", "da_cnop")),
    )


def prenota(professionista, altra: Seduta):
    """Book one more seduta like `altra`, on the same code, a week later."""
    return sedute.prenota_seduta(
        utente_di(professionista), professionista, codice_id=altra.codice_id,
        codice_fiscale=altra.codice.domanda.cf_beneficiario, studio=altra.studio,
        inizio=altra.inizio + dt.timedelta(days=7), durata_minuti=50, importo=altra.importo,
    )  # fmt: skip


class TestAGoodList:
    def test_it_creates_the_professionals_with_their_cnop_studio(self, reference_data, tmp_path):
        imp = importa(
            tmp_path,
            riga(ALICE, cognome="Rossi", nome="Alice", email="", pec=""),
            riga(BOB.lower(), studio_provincia="mi", studio_comune="Milano", studio_cap="20121"),
        )
        assert (imp.esito, imp.righe, imp.nuovi, imp.aggiornati, imp.revocati, imp.non_in_lista) == (
            ImportazioneCnop.Esito.COMPLETATA, 2, 2, 0, 0, 0,
        )  # fmt: skip
        alice = Professionista.objects.get(codice_fiscale=ALICE)
        assert (alice.nominativo, alice.data_iscrizione, alice.email) == (
            "Rossi Alice",
            dt.date(2010, 5, 1),
            "",
        )
        assert alice.puo_prenotare and alice.importazione == imp
        bob = Professionista.objects.get(codice_fiscale=BOB)  # normalised to upper case
        studio = bob.studi.get()
        assert (studio.indirizzo, studio.comune, studio.provincia_id, studio.cap, studio.da_cnop) == (
            "Via Appia 10", "Milano", "MI", "20121", True,
        )  # fmt: skip
        evento = AuditEvent.objects.get(azione="cnop.importata")
        assert evento.oggetto_id == str(imp.pk) and evento.dettagli["nuovi"] == 2

    def test_a_byte_order_mark_and_windows_line_ends_are_fine(self, reference_data, tmp_path):
        path = tmp_path / "excel.csv"
        path.write_bytes(b"\xef\xbb\xbf" + contenuto(riga(ALICE), riga(BOB)).replace("\n", "\r\n").encode())
        assert importa_cnop(path, "excel.csv").nuovi == 2

    def test_a_revoked_line_may_have_no_studio_and_is_counted(self, reference_data, tmp_path):
        imp = importa(
            tmp_path,
            riga(ALICE),
            riga(BOB, stato="revocato", psicoterapeuta="false", **dict.fromkeys(INTESTAZIONE[11:], "")),
        )
        assert (imp.nuovi, imp.revocati) == (2, 1)
        bob = Professionista.objects.get(codice_fiscale=BOB)
        assert not bob.puo_prenotare and not bob.studi.exists()

    def test_a_second_identical_import_changes_nothing(self, reference_data, tmp_path):
        importa(tmp_path, riga(ALICE), riga(BOB))
        prima = stato_db(), list(Professionista.objects.values_list("aggiornato_il", flat=True))
        imp = importa(tmp_path, riga(ALICE), riga(BOB))
        assert (imp.righe, imp.nuovi, imp.aggiornati, imp.non_in_lista) == (2, 0, 0, 0)
        assert (stato_db(), list(Professionista.objects.values_list("aggiornato_il", flat=True))) == prima
        assert set(Professionista.objects.values_list("importazione", flat=True)) == {imp.pk}

    def test_it_updates_a_listed_professional_in_place(self, reference_data, tmp_path):
        importa(tmp_path, riga(ALICE), riga(BOB))
        imp = importa(tmp_path, riga(ALICE), riga(BOB, cognome="Verdi", email="nuova@example.org"))
        assert (imp.nuovi, imp.aggiornati) == (0, 1)
        bob = Professionista.objects.get(codice_fiscale=BOB)
        assert (bob.cognome, bob.email) == ("Verdi", "nuova@example.org")
        assert Professionista.objects.count() == 2

    def test_a_new_address_keeps_the_old_studio_and_adds_the_cnop_one(self, reference_data, tmp_path):
        importa(tmp_path, riga(ALICE))
        alice = Professionista.objects.get(codice_fiscale=ALICE)
        vecchio = alice.studi.get()
        seduta = SedutaFactory(professionista=alice, studio=vecchio)
        imp = importa(tmp_path, riga(ALICE, studio_indirizzo="Via Tuscolana 5", studio_cap="00182"))
        assert imp.aggiornati == 1  # the studio counts as the professional's data
        studi = {s.indirizzo: s.da_cnop for s in alice.studi.all()}
        assert studi == {"Via Appia 10": False, "Via Tuscolana 5": True}
        seduta.refresh_from_db()
        assert seduta.studio_id == vecchio.pk

    def test_a_new_address_reuses_the_studio_the_professional_had_added(self, reference_data, tmp_path):
        importa(tmp_path, riga(ALICE))
        alice = Professionista.objects.get(codice_fiscale=ALICE)
        aggiunto = StudioFactory(professionista=alice, indirizzo="Via Tuscolana 5", cap="00182")
        importa(tmp_path, riga(ALICE, studio_indirizzo="Via Tuscolana 5", studio_cap="00182"))
        assert alice.studi.count() == 2
        assert alice.studi.get(da_cnop=True).pk == aggiunto.pk

    def test_only_a_different_province_is_corrected_in_place(self, reference_data, tmp_path):
        importa(tmp_path, riga(ALICE))
        imp = importa(tmp_path, riga(ALICE, studio_provincia="LT"))
        studio = Studio.objects.get()
        assert (imp.aggiornati, studio.indirizzo, studio.provincia_id, studio.da_cnop) == (
            1, "Via Appia 10", "LT", True,
        )  # fmt: skip

    def test_an_existing_professional_gets_the_listed_studio_as_cnop_one(self, reference_data, tmp_path):
        bob = ProfessionistaFactory(codice_fiscale=BOB)  # with a CNOP studio at another address
        importa(tmp_path, riga(BOB))
        assert bob.studi.count() == 2
        assert bob.studi.get(da_cnop=True).indirizzo == "Via Appia 10"


class TestWhoCanNoLongerBook:
    def test_a_professional_missing_from_the_list_leaves_it_and_keeps_studi_and_sedute(
        self, reference_data, tmp_path
    ):
        importa(tmp_path, riga(ALICE), riga(BOB))
        bob = Professionista.objects.get(codice_fiscale=BOB)
        seduta = SedutaFactory(professionista=bob)
        imp = importa(tmp_path, riga(ALICE))
        assert imp.non_in_lista == 1
        bob.refresh_from_db()
        assert not bob.in_lista and not bob.puo_prenotare
        assert bob.studi.count() == 1
        assert Seduta.objects.get(pk=seduta.pk).stato == Seduta.Stato.PRENOTATA
        with pytest.raises(sedute.DomainError, match="lista CNOP"):
            prenota(bob, seduta)
        # The seduta already booked can still be confirmed once its time has passed.
        confermata = sedute.conferma_seduta(
            utente_di(bob), seduta, adesso=seduta.inizio + dt.timedelta(hours=1)
        )
        assert confermata.stato == Seduta.Stato.CONFERMATA

    def test_a_professional_back_in_the_list_can_book_again(self, reference_data, tmp_path):
        importa(tmp_path, riga(ALICE), riga(BOB))
        importa(tmp_path, riga(ALICE))
        imp = importa(tmp_path, riga(ALICE), riga(BOB))
        assert (imp.aggiornati, imp.non_in_lista) == (1, 0)
        bob = Professionista.objects.get(codice_fiscale=BOB)
        assert bob.puo_prenotare
        assert prenota(bob, SedutaFactory(professionista=bob)).stato == Seduta.Stato.PRENOTATA

    def test_a_professional_added_outside_any_import_leaves_the_list_too(self, reference_data, tmp_path):
        dora = ProfessionistaFactory(codice_fiscale=DORA)
        imp = importa(tmp_path, riga(ALICE))
        dora.refresh_from_db()
        assert imp.non_in_lista == 1 and not dora.in_lista

    def test_a_revoked_professional_cannot_book(self, reference_data, tmp_path):
        importa(tmp_path, riga(BOB))
        bob = Professionista.objects.get(codice_fiscale=BOB)
        seduta = SedutaFactory(professionista=bob)
        imp = importa(tmp_path, riga(BOB, stato="revocato"))
        bob.refresh_from_db()
        assert (imp.aggiornati, imp.revocati) == (1, 1)
        assert bob.in_lista and bob.stato == Professionista.Stato.REVOCATO and not bob.puo_prenotare
        with pytest.raises(sedute.DomainError, match="lista CNOP"):
            prenota(bob, seduta)


class TestABadFileChangesNothing:
    def test_a_wrong_header_is_line_1(self, reference_data, tmp_path):
        errori = rifiuta(tmp_path, riga(ALICE), header=HEADER.replace("pec", "posta_certificata"))
        assert len(errori) == 1 and errori[0].startswith("riga 1: intestazione non valida")
        assert not Professionista.objects.exists()

    def test_every_bad_line_is_reported_and_nothing_is_applied(self, reference_data, tmp_path):
        bob = ProfessionistaFactory(codice_fiscale=BOB, cognome="Bianchi", email="bob@example.org")
        prima = stato_db()
        errori = rifiuta(
            tmp_path,
            riga(ALICE),  # good: still not imported
            riga(ALICE[:15] + ("A" if ALICE[15] != "A" else "B")),  # wrong check character
            riga(DORA, cognome="", data_iscrizione="01/05/2010"),
            riga(make_cf(81004), psicoterapeuta="si", stato="sospeso", email="non-una-email"),
            riga(make_cf(81005), studio_provincia="XX", studio_cap="0017"),
            "solo,tre,colonne",
            riga(BOB, cognome="Cambiato"),  # good, would update Bob: still not applied
        )
        assert errori == [
            "riga 3: cf non valido (16 caratteri con carattere di controllo corretto)",
            "riga 4: cognome mancante; data_iscrizione '01/05/2010' non è una data ISO 8601 (AAAA-MM-GG)",
            "riga 5: psicoterapeuta 'si' non valido (true|false); stato 'sospeso' non ammesso "
            "(aderente|revocato); email 'non-una-email' non valida",
            "riga 6: studio_provincia 'XX' sconosciuta (sigla di due lettere, es. RM); "
            "studio_cap '0017' non valido (5 cifre)",
            "riga 7: attese 15 colonne, trovate 3",
        ]
        assert stato_db() == prima
        bob.refresh_from_db()
        assert bob.in_lista and bob.importazione is None
        imp = ImportazioneCnop.objects.get()
        assert imp.esito == ImportazioneCnop.Esito.RIFIUTATA and imp.righe == 7
        assert imp.errori.splitlines() == errori
        assert AuditEvent.objects.filter(azione="cnop.importazione_rifiutata").count() == 1

    def test_only_psychotherapists_can_adhere(self, reference_data, tmp_path):
        errori = rifiuta(tmp_path, riga(ALICE, psicoterapeuta="false"))
        assert errori == [
            "riga 2: solo gli psicoterapeuti possono aderire (stato aderente con psicoterapeuta false)"
        ]

    def test_a_codice_fiscale_may_appear_once(self, reference_data, tmp_path):
        errori = rifiuta(tmp_path, riga(ALICE), riga(BOB), riga(ALICE.lower(), nome="Altra"))
        assert errori == ["riga 4: cf già presente alla riga 2 (una riga per professionista)"]

    def test_adhesion_before_enrolment_and_an_adherent_without_studio_are_refused(
        self, reference_data, tmp_path
    ):
        errori = rifiuta(
            tmp_path,
            riga(ALICE, data_adesione="2009-12-31"),
            riga(BOB, **dict.fromkeys(INTESTAZIONE[11:], "")),
            riga(DORA, studio_indirizzo=""),
        )
        assert errori == [
            "riga 2: data_adesione precedente a data_iscrizione all'albo",
            "riga 3: studio mancante: un professionista aderente deve indicare lo studio",
            "riga 4: studio_indirizzo mancante o più lungo di 200 caratteri",
        ]

    def test_a_file_not_in_utf8_is_refused_at_the_bad_line(self, reference_data, tmp_path):
        path = tmp_path / "latin1.csv"
        path.write_bytes(contenuto(riga(ALICE), riga(BOB, cognome="Nicolò")).encode("latin-1"))
        with pytest.raises(ImportazioneCnopError) as exc:
            importa_cnop(path, "latin1.csv")
        assert str(exc.value).startswith("Il file non è in UTF-8 (carattere non valido alla riga 3")
        assert exc.value.importazione.esito == ImportazioneCnop.Esito.RIFIUTATA
        assert not Professionista.objects.exists()

    def test_an_empty_list_is_refused(self, reference_data, tmp_path):
        ProfessionistaFactory(codice_fiscale=ALICE)
        assert rifiuta(tmp_path) == [
            "riga 1: il file non contiene professionisti: applicata, toglierebbe tutti dalla lista"
        ]
        assert Professionista.objects.get().in_lista


class TestCommand:
    def test_it_prints_the_summary(self, reference_data, tmp_path):
        out = StringIO()
        call_command(
            "import_cnop", str(scrivi(tmp_path, riga(ALICE), riga(BOB, stato="revocato"))), stdout=out
        )
        assert out.getvalue().strip() == (
            "Lista CNOP importata: 2 righe, 2 nuovi professionisti, 0 aggiornati, 1 revocati nel file, "
            "0 usciti dalla lista."
        )
        assert ImportazioneCnop.objects.get().file == "cnop.csv"

    def test_a_bad_file_exits_non_zero_with_every_line_on_stderr(self, reference_data, tmp_path):
        path = scrivi(tmp_path, riga(ALICE, stato="x"), riga(BOB, studio_cap="1"))
        err = StringIO()
        with pytest.raises(CommandError, match="2 righe non valide"):
            call_command("import_cnop", str(path), stdout=StringIO(), stderr=err)
        righe = err.getvalue().splitlines()
        assert [r.split(":")[0] for r in righe] == ["riga 2", "riga 3"]
        assert not Professionista.objects.exists()

    def test_a_missing_file_is_an_error(self, reference_data, tmp_path):
        with pytest.raises(CommandError, match="non trovato"):
            call_command("import_cnop", str(tmp_path / "manca.csv"))


# --- admin ---------------------------------------------------------------------------------------


@pytest.fixture
def carol(reference_data, client):
    """An operator with exactly the permissions of the "Operatore INPS" group (OPERATORE_PERMS)."""
    user = UserFactory(nome="Carol", cognome="Operatrice", is_staff=True)
    user.groups.add(Group.objects.get(name=OPERATORE_GROUP))
    client.force_login(user)
    return user


def upload(*righe, header=HEADER) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "lista_cnop.csv", contenuto(*righe, header=header).encode(), content_type="text/csv"
    )


def msgs(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


class TestAdmin:
    @pytest.mark.parametrize(
        "nome",
        [
            "professionisti_professionista", "professionisti_importazionecnop", "professionisti_studio",
            "professionisti_canaleaccredito",
        ],
    )  # fmt: skip
    def test_list_pages_answer_200(self, client, carol, tmp_path, nome):
        CanaleFactory(professionista=ProfessionistaFactory())
        importa(tmp_path, riga(ALICE))
        assert client.get(reverse(f"admin:{nome}_changelist")).status_code == 200

    def test_the_professional_shows_studi_and_a_masked_iban_and_cannot_be_added(self, client, carol):
        canale = CanaleFactory(professionista=ProfessionistaFactory())
        page = client.get(
            reverse("admin:professionisti_professionista_change", args=[canale.professionista_id])
        )
        assert page.status_code == 200
        html = page.content.decode()
        assert canale.iban_mascherato in html and canale.iban not in html
        assert "Via Roma" in html
        assert client.get(reverse("admin:professionisti_professionista_add")).status_code == 403

    def test_search_finds_a_surname_and_only_an_exact_codice_fiscale(self, client, carol):
        alice = ProfessionistaFactory(codice_fiscale=ALICE, cognome="Rossi")
        ProfessionistaFactory(codice_fiscale=BOB, cognome="Bianchi")
        url = reverse("admin:professionisti_professionista_changelist")

        def cerca(termine):
            return risultati(client, url, termine)

        assert cerca("ross") == [alice]
        assert cerca(ALICE.lower()) == [alice]
        assert cerca(ALICE[:10]) == []

    def test_the_imports_list_links_to_the_upload(self, client, carol):
        page = client.get(reverse("admin:professionisti_importazionecnop_changelist")).content.decode()
        assert reverse("admin:professionisti_importazionecnop_importa") in page
        assert "Importa lista CNOP" in page

    @pytest.mark.parametrize("in_memoria", [True, False])
    def test_a_good_upload_imports_and_shows_the_summary(self, client, carol, settings, in_memoria):
        if not in_memoria:  # a large list is spooled to a temporary file by Django
            settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
        response = client.post(
            reverse("admin:professionisti_importazionecnop_importa"), {"file": upload(riga(ALICE), riga(BOB))}
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("admin:professionisti_importazionecnop_changelist")
        assert any("2 nuovi professionisti" in m for m in msgs(response))
        imp = ImportazioneCnop.objects.get()
        assert (imp.file, imp.nuovi) == ("lista_cnop.csv", 2)
        assert AuditEvent.objects.get(azione="cnop.importata").attore == carol

    def test_a_bad_upload_lists_every_error_and_changes_nothing(self, client, carol):
        response = client.post(
            reverse("admin:professionisti_importazionecnop_importa"),
            {"file": upload(riga(ALICE), riga(BOB, psicoterapeuta="false"), riga(DORA, studio_cap="abc"))},
        )
        assert response.status_code == 200
        html = response.content.decode()
        assert "riga 3: solo gli psicoterapeuti possono aderire" in html
        assert "riga 4: studio_cap" in html
        assert not Professionista.objects.exists()
        assert ImportazioneCnop.objects.get().esito == ImportazioneCnop.Esito.RIFIUTATA

    def test_a_refused_import_shows_its_errors(self, client, carol, tmp_path):
        rifiuta(tmp_path, riga(ALICE, stato="sospeso"))
        imp = ImportazioneCnop.objects.get()
        page = client.get(reverse("admin:professionisti_importazionecnop_change", args=[imp.pk]))
        assert page.status_code == 200
        assert "riga 2: stato &#x27;sospeso&#x27; non ammesso" in page.content.decode()

    def test_the_upload_needs_the_permission(self, client, reference_data):
        client.force_login(UserFactory(is_staff=True))
        assert client.get(reverse("admin:professionisti_importazionecnop_importa")).status_code == 403
