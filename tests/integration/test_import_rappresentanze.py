"""import_rappresentanze: the archive of verified links, an upsert applied whole or not at all; its
command, its admin pages (read-only, audited) and two imports at once."""

import contextlib
import datetime as dt
import threading
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from apps.core.models import AuditEvent
from apps.domande import importer_rappresentanze as imp
from apps.domande.importer_rappresentanze import (
    INTESTAZIONE,
    ImportazioneRappresentanzeError,
    importa_rappresentanze,
)
from apps.domande.models import RappresentanzaLegale
from apps.domande.reference import OPERATORE_GROUP
from tests.admin_search import risultati
from tests.factories import RappresentanzaFactory, UserFactory, cf_minore, make_cf

HEADER = ",".join(INTESTAZIONE)
MADRE, FIGLIO, TUTORE, ASSISTITO = make_cf(72001), cf_minore(72002), make_cf(72003), make_cf(72004)
GENITORE = f"{MADRE},{FIGLIO},genitore,,2024-01-01,"
TUTELA = f"{TUTORE},{ASSISTITO},tutore,123/2024 del 2024-05-10,2024-05-10,2026-12-31"


def scrivi(tmp_path, *righe, header=HEADER, nome="rappresentanze.csv"):
    path = tmp_path / nome
    path.write_text("\n".join([header, *righe]) + "\n", encoding="utf-8")
    return path


def rifiuta(path) -> list[str]:
    with pytest.raises(ImportazioneRappresentanzeError) as exc:
        importa_rappresentanze(path)
    return exc.value.errori


def archivio():
    return sorted(
        RappresentanzaLegale.objects.values_list(
            "cf_richiedente", "cf_beneficiario", "tipo", "provvedimento_numero", "provvedimento_data",
            "valida_dal", "valida_al",
        )
    )  # fmt: skip


@pytest.mark.django_db
class TestImport:
    def test_a_good_file_is_imported(self, tmp_path):
        risultato = importa_rappresentanze(scrivi(tmp_path, GENITORE, TUTELA))
        assert (risultato.righe, risultato.nuove, risultato.aggiornate) == (2, 2, 0)
        assert archivio() == sorted([
            (MADRE, FIGLIO, "genitore", "", None, dt.date(2024, 1, 1), None),
            (TUTORE, ASSISTITO, "tutore", "123/2024", dt.date(2024, 5, 10), dt.date(2024, 5, 10),
             dt.date(2026, 12, 31)),
        ])  # fmt: skip

    def test_it_is_audited_without_codici_fiscali(self, tmp_path):
        importa_rappresentanze(scrivi(tmp_path, GENITORE), "rappresentanze.csv")
        evento = AuditEvent.objects.get(azione="rappresentanze.importate")
        assert evento.dettagli["nuove"] == 1 and evento.dettagli["file"] == "rappresentanze.csv"
        assert MADRE not in str(evento.dettagli) and FIGLIO not in str(evento.dettagli)

    def test_the_same_file_twice_changes_nothing(self, tmp_path):
        path = scrivi(tmp_path, GENITORE, TUTELA)
        importa_rappresentanze(path)
        prima = list(RappresentanzaLegale.objects.order_by("pk").values_list("pk", "aggiornata_il"))
        risultato = importa_rappresentanze(path)
        assert (risultato.nuove, risultato.aggiornate, risultato.invariate) == (0, 0, 2)
        assert list(RappresentanzaLegale.objects.order_by("pk").values_list("pk", "aggiornata_il")) == prima

    def test_a_known_link_is_updated_a_new_period_is_added_and_the_rest_is_left_alone(self, tmp_path):
        importa_rappresentanze(scrivi(tmp_path, GENITORE, TUTELA))
        chiusa = f"{MADRE},{FIGLIO},genitore,,2024-01-01,2026-06-30"
        nuovo_periodo = f"{TUTORE},{ASSISTITO},tutore,77/2027 del 2027-01-02,2027-01-02,"
        risultato = importa_rappresentanze(scrivi(tmp_path, chiusa, nuovo_periodo))
        assert (risultato.nuove, risultato.aggiornate) == (1, 1)
        assert RappresentanzaLegale.objects.count() == 3
        assert RappresentanzaLegale.objects.get(cf_richiedente=MADRE).valida_al == dt.date(2026, 6, 30)
        vecchia = RappresentanzaLegale.objects.get(cf_richiedente=TUTORE, valida_dal=dt.date(2024, 5, 10))
        assert vecchia.provvedimento_numero == "123/2024"  # not in the file: untouched

    def test_every_bad_line_is_listed_with_its_number_and_nothing_is_imported(self, tmp_path):
        RappresentanzaFactory(cf_richiedente=MADRE, cf_beneficiario=FIGLIO, valida_dal=dt.date(2024, 1, 1))
        prima = archivio()
        sbagliato = MADRE[:15] + ("A" if MADRE[15] != "A" else "B")
        righe = [
            TUTELA,  # 2: good
            f"{sbagliato},{FIGLIO},genitore,,2024-01-01,",  # 3
            f"00743110157,{FIGLIO},genitore,,2024-01-01,",  # 4: a company's number
            f"{MADRE},{FIGLIO},nonno,,2024-01-01,",  # 5
            f"{TUTORE},{ASSISTITO},curatore,,2024-01-01,",  # 6
            f"{TUTORE},{ASSISTITO},amministratore_sostegno,123/2024,2024-01-01,",  # 7
            f"{TUTORE},{ASSISTITO},tutore,123/2024 del 10/05/2024,2024-05-10,",  # 8
            f"{MADRE},{FIGLIO},genitore,,01/01/2024,",  # 9
            f"{MADRE},{FIGLIO},genitore,,2024-01-02,2024-01-01",  # 10
            f"{MADRE},{MADRE},tutore,1/2024 del 2024-01-01,2024-01-01,",  # 11
            TUTELA,  # 12: the same link as line 2
            f"{MADRE},{FIGLIO},genitore",  # 13
            "",  # 14
            f"{TUTORE},{ASSISTITO},tutore,9/2025 del 2025-03-01,2025-02-01,",  # 15: decree after valida_dal
            f"{MADRE},{FIGLIO},genitore,,2024-01-01,2026-13-01",  # 16
        ]
        errori = rifiuta(scrivi(tmp_path, *righe))
        assert [e.split(":")[0] for e in errori] == [f"riga {n}" for n in range(3, 17)]
        attesi = {
            3: "cf_richiedente non valido", 4: "cf_richiedente non valido", 5: "tipo 'nonno' non ammesso",
            6: "provvedimento del giudice tutelare mancante", 7: "formato: NUMERO del AAAA-MM-GG",
            8: "data del provvedimento '10/05/2024' non è una data ISO", 9: "valida_dal '01/01/2024'",
            10: "valida_al precedente a valida_dal", 11: "cf_richiedente uguale a cf_beneficiario",
            12: "della riga 2", 13: "attese 6 colonne, trovate 3", 14: "riga vuota",
            15: "successiva a valida_dal", 16: "valida_al '2026-13-01'",
        }  # fmt: skip
        for errore, (n, testo) in zip(errori, attesi.items(), strict=True):
            assert errore.startswith(f"riga {n}:") and testo in errore, errore
        assert archivio() == prima
        assert AuditEvent.objects.get(azione="rappresentanze.importazione_rifiutata").dettagli["errori"] == 14

    def test_a_file_not_in_utf8_is_a_bad_line_not_a_traceback(self, tmp_path):
        path = tmp_path / "latin1.csv"
        riga = f"{TUTORE},{ASSISTITO},tutore,n° 5 del 2024-05-10,2024-05-10,"
        path.write_bytes(f"{HEADER}\n{GENITORE}\n{riga}\n".encode("latin-1"))
        errori = rifiuta(path)
        assert errori[0].startswith("riga 3: testo non codificato in UTF-8")
        assert not RappresentanzaLegale.objects.exists()

    def test_a_bad_header_and_an_empty_file_are_refused(self, tmp_path):
        assert "intestazione non valida" in rifiuta(scrivi(tmp_path, GENITORE, header="cf,beneficiario"))[0]
        assert rifiuta(scrivi(tmp_path)) == ["riga 1: il file non contiene rappresentanze"]
        (tmp_path / "vuoto.csv").write_bytes(b"")
        assert "intestazione non valida" in rifiuta(tmp_path / "vuoto.csv")[0]

    def test_a_failure_while_writing_leaves_nothing(self, tmp_path, monkeypatch):
        def guasto(*args, **kwargs):
            raise RuntimeError("disco pieno")

        monkeypatch.setattr(imp, "audit", guasto)
        with pytest.raises(RuntimeError):
            importa_rappresentanze(scrivi(tmp_path, GENITORE, TUTELA))
        assert not RappresentanzaLegale.objects.exists()

    def test_a_bom_and_lower_case_codes_are_accepted(self, tmp_path):
        path = tmp_path / "bom.csv"
        path.write_text(
            f"\ufeff{HEADER}\n{GENITORE.lower().replace('genitore', 'genitore')}\n", encoding="utf-8"
        )
        importa_rappresentanze(path)
        assert RappresentanzaLegale.objects.get().cf_richiedente == MADRE


@pytest.mark.django_db
class TestCommand:
    def test_success(self, tmp_path):
        out = StringIO()
        call_command("import_rappresentanze", str(scrivi(tmp_path, GENITORE, TUTELA)), stdout=out)
        assert "2 nuove" in out.getvalue()
        assert RappresentanzaLegale.objects.count() == 2

    def test_bad_lines_on_stderr_and_a_non_zero_exit(self, tmp_path):
        err = StringIO()
        with pytest.raises(CommandError, match="nessuna rappresentanza importata"):
            call_command(
                "import_rappresentanze", str(scrivi(tmp_path, GENITORE, f"{MADRE},{FIGLIO},x,,2024-01-01,")),
                stderr=err,
            )  # fmt: skip
        assert err.getvalue().startswith("riga 3: tipo 'x' non ammesso")
        assert not RappresentanzaLegale.objects.exists()

    def test_a_missing_file_or_a_directory(self, tmp_path):
        with pytest.raises(CommandError, match="non trovato"):
            call_command("import_rappresentanze", str(tmp_path / "manca.csv"))
        with pytest.raises(CommandError, match="non leggibile"):
            call_command("import_rappresentanze", str(tmp_path))

    def test_the_exit_status_is_not_zero(self, tmp_path, capsys):
        from apps.domande.management.commands.import_rappresentanze import Command

        path = scrivi(tmp_path, f"{MADRE},{FIGLIO},x,,2024-01-01,")
        with pytest.raises(SystemExit) as uscita:
            Command().run_from_argv(["manage.py", "import_rappresentanze", "--skip-checks", str(path)])
        assert uscita.value.code != 0 and "riga 2: tipo 'x'" in capsys.readouterr().err


@pytest.mark.django_db
class TestAdmin:
    @pytest.fixture
    def carol(self, reference_data, client):
        user = UserFactory(nome="Carol", cognome="Operatrice", is_staff=True)
        user.groups.add(Group.objects.get(name=OPERATORE_GROUP))
        client.force_login(user)
        return user

    def test_the_list_links_to_the_import_and_searches_codes_exactly(self, client, carol):
        link = RappresentanzaFactory()
        RappresentanzaFactory()
        url = reverse("admin:domande_rappresentanzalegale_changelist")
        page = client.get(url)
        assert reverse("admin:domande_rappresentanzalegale_importa") in page.content.decode()
        # The search is the operators' POST search (no codice fiscale in a URL), exact match only.
        assert risultati(client, url, link.cf_beneficiario) == [link]
        assert risultati(client, url, link.cf_beneficiario[:10]) == []

    def test_opening_a_link_is_audited(self, client, carol):
        link = RappresentanzaFactory()
        response = client.get(reverse("admin:domande_rappresentanzalegale_change", args=[link.pk]))
        assert response.status_code == 200
        evento = AuditEvent.objects.get(azione="rappresentanza.visualizzata")
        assert (evento.attore, evento.oggetto_tipo, evento.oggetto_id) == (
            carol, "domande.rappresentanzalegale", str(link.pk),
        )  # fmt: skip

    def test_it_is_read_only(self, client, carol):
        link = RappresentanzaFactory()
        change = reverse("admin:domande_rappresentanzalegale_change", args=[link.pk])
        assert client.post(change, {"valida_al": "2099-01-01"}).status_code == 403
        assert client.get(reverse("admin:domande_rappresentanzalegale_add")).status_code == 403
        assert (
            client.post(reverse("admin:domande_rappresentanzalegale_delete", args=[link.pk])).status_code
            == 403
        )
        link.refresh_from_db()
        assert link.valida_al is None

    def test_the_upload_imports_or_lists_every_bad_line(self, client, carol):
        url = reverse("admin:domande_rappresentanzalegale_importa")
        assert client.get(url).status_code == 200
        cattivo = SimpleUploadedFile(
            "r.csv", f"{HEADER}\n{GENITORE}\n{MADRE},{FIGLIO},x,,2024-01-01,\n".encode()
        )
        response = client.post(url, {"file": cattivo})
        assert (
            response.status_code == 200
            and "riga 3: tipo &#x27;x&#x27; non ammesso" in response.content.decode()
        )
        assert not RappresentanzaLegale.objects.exists()
        buono = SimpleUploadedFile("r.csv", f"{HEADER}\n{GENITORE}\n{TUTELA}\n".encode())
        response = client.post(url, {"file": buono})
        assert response.status_code == 302 and RappresentanzaLegale.objects.count() == 2
        assert AuditEvent.objects.get(azione="rappresentanze.importate").attore == carol

    def test_without_the_permission_no_upload(self, client, reference_data):
        client.force_login(UserFactory(is_staff=True))
        assert client.get(reverse("admin:domande_rappresentanzalegale_importa")).status_code == 403


# --- two imports at once ---------------------------------------------------------------------------


def _importa_due_volte_insieme(tmp_path, monkeypatch) -> list[str]:
    """Both imports read the archive (finding the link new) before either writes it."""
    if connection.vendor != "postgresql":
        pytest.skip("parallel transactions need PostgreSQL")
    barrier = threading.Barrier(2)
    esistenti = imp._esistenti

    def esistenti_poi_attendi(righe):
        trovate = esistenti(righe)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=5)
        return trovate

    monkeypatch.setattr(imp, "_esistenti", esistenti_poi_attendi)
    path = scrivi(tmp_path, GENITORE, TUTELA)
    esiti = []

    def importa():
        try:
            importa_rappresentanze(path)
            esiti.append("importata")
        except Exception as exc:  # the control's unique-key violation
            esiti.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=importa) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return sorted(esiti)


@pytest.mark.django_db(transaction=True)
def test_two_imports_at_once_both_succeed_and_leave_one_row_per_link(tmp_path, monkeypatch):
    assert _importa_due_volte_insieme(tmp_path, monkeypatch) == ["importata", "importata"]
    assert RappresentanzaLegale.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_control_a_plain_insert_fails_on_the_unique_key(tmp_path, monkeypatch):
    from django.db.models import QuerySet

    bulk_create = QuerySet.bulk_create

    def senza_on_conflict(self, objs, batch_size=None, **kwargs):
        return bulk_create(self, objs, batch_size=batch_size)

    monkeypatch.setattr(QuerySet, "bulk_create", senza_on_conflict)
    assert _importa_due_volte_insieme(tmp_path, monkeypatch) == ["IntegrityError", "importata"]
    assert RappresentanzaLegale.objects.count() == 2
