"""CSV uploads and imports: a file that is not UTF-8 (latin-1, UTF-16, binary) is refused with one clear
message, in the admin next to the field and from the commands with exit status 1, never a traceback;
UTF-8 with or without BOM is accepted; the admin refuses a file above IMPORT_MAX_BYTES."""

import codecs
import io

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from apps.core import csvfile
from apps.core.csvfile import FileNonUtf8, verifica_utf8
from apps.domande.importer import INTESTAZIONE
from apps.domande.models import Domanda
from apps.domande.reference import OPERATORE_GROUP
from apps.professionisti.importer import INTESTAZIONE as INTESTAZIONE_CNOP
from apps.professionisti.models import ImportazioneCnop, Professionista
from tests.factories import BandoFactory, UserFactory, make_cf

pytestmark = pytest.mark.django_db

NON_UTF8 = "Il file non è in UTF-8"


def domande_csv(cognome_comune="Forlì") -> str:
    cf = make_cf(95001)
    return (
        ",".join(INTESTAZIONE) + "\n"
        f"ENC-1,{cf},{cf},se_stesso,120,RM,1000.00,ordinario,false,,2026-05-04T10:00:00+02:00,"
        f"{cognome_comune.lower()}@example.org,,web\n"
    )


def cnop_csv() -> str:
    valori = {
        "cf": make_cf(95002), "cognome": "Nicolò", "nome": "Bob", "ordine": "Lazio", "numero_iscrizione": "1",
        "data_iscrizione": "2010-05-01", "psicoterapeuta": "true", "data_adesione": "2022-09-01",
        "stato": "aderente", "email": "bob@example.org", "pec": "", "studio_indirizzo": "Via Appia 10",
        "studio_comune": "Roma", "studio_provincia": "RM", "studio_cap": "00179",
    }  # fmt: skip
    return ",".join(INTESTAZIONE_CNOP) + "\n" + ",".join(valori[c] for c in INTESTAZIONE_CNOP) + "\n"


BINARIO = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))


def codifiche(testo: str) -> dict[str, bytes]:
    return {
        "latin-1": testo.encode("latin-1"),
        "windows-1252": testo.encode("cp1252"),
        "utf-16": testo.encode("utf-16"),  # with its BOM
        "utf-16-le senza BOM": testo.encode("utf-16-le"),
        "binario": BINARIO,
    }


class TestVerificaUtf8:
    def test_utf8_with_and_without_bom_is_accepted(self, tmp_path):
        for nome, dati in [("a", "àèìòù\n".encode()), ("b", codecs.BOM_UTF8 + "àèìòù\n".encode())]:
            (tmp_path / nome).write_bytes(dati)
            verifica_utf8(tmp_path / nome)

    def test_a_latin1_file_is_refused_at_its_line(self, tmp_path):
        (tmp_path / "f").write_bytes("a,b\nc,d\nForlì\n".encode("latin-1"))
        with pytest.raises(FileNonUtf8, match=r"alla riga 3, forse latin-1") as exc:
            verifica_utf8(tmp_path / "f")
        assert "CSV UTF-8" in exc.value.message and exc.value.field == "file"

    @pytest.mark.parametrize(
        "dati, motivo",
        [
            ("a,b\n".encode("utf-16"), "UTF-16"),
            ("a,b\n".encode("utf-32"), "UTF-32"),
            ("a,b\nc\n".encode("utf-16-le"), "byte nulli alla riga 1"),
            (BINARIO, "UTF-16 o un file non di testo"),
            ("a,b\nè".encode()[:-1], "finisce a metà di un carattere"),
        ],
    )
    def test_utf16_binary_and_truncated_files_are_refused(self, tmp_path, dati, motivo):
        (tmp_path / "f").write_bytes(dati)
        with pytest.raises(FileNonUtf8, match=motivo):
            verifica_utf8(tmp_path / "f")

    def test_a_character_split_across_two_blocks_is_fine_and_lines_count_across_blocks(
        self, tmp_path, monkeypatch
    ):
        monkeypatch.setattr(csvfile, "BLOCCO", 3)
        (tmp_path / "ok").write_bytes("ab\nàèì\nò\n".encode())
        verifica_utf8(tmp_path / "ok")
        (tmp_path / "ko").write_bytes("ab\ncd\nef\nForlì\n".encode("latin-1"))
        with pytest.raises(FileNonUtf8, match="alla riga 4"):
            verifica_utf8(tmp_path / "ko")

    def test_an_upload_is_rewound_after_the_check(self):
        upload = SimpleUploadedFile("f.csv", "àè\n".encode())
        verifica_utf8(upload)
        assert upload.read() == "àè\n".encode()


def esegui(*argv) -> tuple[int, str]:
    """The command's exit status and message as `manage.py` gives them: run_from_argv turns a
    CommandError into `sys.exit(exc.returncode)` after printing its message (and no traceback)."""
    err = io.StringIO()
    try:
        call_command(*argv, stdout=io.StringIO(), stderr=err)
    except CommandError as exc:
        return exc.returncode, f"{err.getvalue()}{exc}"
    return 0, err.getvalue()


class TestComandi:
    @pytest.mark.parametrize("codifica", list(codifiche("x")))
    def test_import_domande_refuses_a_file_not_in_utf8(self, reference_data, tmp_path, codifica):
        BandoFactory(anno=2089)
        path = tmp_path / "domande.csv"
        path.write_bytes(codifiche(domande_csv())[codifica])
        status, messaggio = esegui("import_domande", "--bando", "2089", str(path))
        assert status == 1 and messaggio.startswith(NON_UTF8)
        assert not Domanda.objects.exists()

    def test_import_domande_accepts_utf8_with_bom(self, reference_data, tmp_path):
        BandoFactory(anno=2089)
        path = tmp_path / "domande.csv"
        path.write_bytes(codecs.BOM_UTF8 + domande_csv().encode())
        call_command("import_domande", "--bando", "2089", str(path), stdout=io.StringIO())
        assert Domanda.objects.get().email == "forlì@example.org"

    @pytest.mark.parametrize("codifica", list(codifiche("x")))
    def test_import_cnop_refuses_a_file_not_in_utf8(self, reference_data, tmp_path, codifica):
        path = tmp_path / "cnop.csv"
        path.write_bytes(codifiche(cnop_csv())[codifica])
        status, messaggio = esegui("import_cnop", str(path))
        assert status == 1 and messaggio.startswith(NON_UTF8)
        assert not Professionista.objects.exists()
        assert ImportazioneCnop.objects.get().esito == ImportazioneCnop.Esito.RIFIUTATA

    def test_import_cnop_accepts_utf8_with_bom(self, reference_data, tmp_path):
        path = tmp_path / "cnop.csv"
        path.write_bytes(codecs.BOM_UTF8 + cnop_csv().encode())
        assert esegui("import_cnop", str(path))[0] == 0
        assert Professionista.objects.get().cognome == "Nicolò"


@pytest.fixture
def carol(reference_data, client):
    user = UserFactory(nome="Carol", is_staff=True)
    user.groups.add(Group.objects.get(name=OPERATORE_GROUP))
    client.force_login(user)
    return user


def pagine_import():
    return {
        "domande": lambda: reverse("admin:domande_bando_importa", args=[BandoFactory(anno=2089).pk]),
        "cnop": lambda: reverse("admin:professionisti_importazionecnop_importa"),
    }


class TestAdmin:
    @pytest.mark.parametrize("pagina", ["domande", "cnop"])
    @pytest.mark.parametrize("codifica", list(codifiche("x")))
    def test_a_file_not_in_utf8_gets_a_message_next_to_the_field(self, client, carol, pagina, codifica):
        url = pagine_import()[pagina]()
        testo = domande_csv() if pagina == "domande" else cnop_csv()
        upload = SimpleUploadedFile("f.csv", codifiche(testo)[codifica], content_type="text/csv")
        response = client.post(url, {"file": upload})
        assert response.status_code == 200
        errori = response.context["form"].errors["file"]
        assert len(errori) == 1 and errori[0].startswith(NON_UTF8)
        assert NON_UTF8 in response.content.decode()
        assert not Domanda.objects.exists() and not Professionista.objects.exists()

    @pytest.mark.parametrize("pagina", ["domande", "cnop"])
    def test_a_file_over_the_limit_is_refused_next_to_the_field(self, client, carol, settings, pagina):
        url = pagine_import()[pagina]()
        testo = (domande_csv() if pagina == "domande" else cnop_csv()).encode()
        settings.IMPORT_MAX_BYTES = len(testo) - 1
        response = client.post(url, {"file": SimpleUploadedFile("f.csv", testo, content_type="text/csv")})
        assert response.status_code == 200
        assert "il limite è" in response.context["form"].errors["file"][0]
        assert not Domanda.objects.exists() and not Professionista.objects.exists()
        settings.IMPORT_MAX_BYTES = len(testo)
        upload = SimpleUploadedFile("f.csv", testo, content_type="text/csv")
        assert client.post(url, {"file": upload}).status_code == 302  # exactly at the limit: accepted
