"""import_domande: all rows or none, every bad line reported with its number."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.core.models import AuditEvent
from apps.domande import protocolli
from apps.domande.importer import INTESTAZIONE
from apps.domande.models import Bando, Domanda
from apps.domande.selectors import domande_del_cittadino
from tests.factories import DomandaFactory, UserFactory, make_cf

pytestmark = pytest.mark.django_db


def riga(n, **campi):
    valori = {
        "protocollo": f"BULK-{n:06d}", "cf_beneficiario": make_cf(70000 + n), "cf_richiedente": "",
        "relazione": "se_stesso", "regione": "120", "provincia": "RM", "isee": "12000.50",
        "isee_tipo": "ordinario", "isee_difforme": "false", "isee_regolarizzato_il": "",
        "presentata_il": "2025-09-20T10:15:00+02:00", "email": f"b{n}@example.org",
        "cellulare": "+393331234567", "canale": "web",
    }  # fmt: skip
    valori.update(campi)
    if not valori["cf_richiedente"]:
        valori["cf_richiedente"] = valori["cf_beneficiario"]
    return ",".join(valori[c] for c in INTESTAZIONE)


HEADER = ",".join(INTESTAZIONE)


def scrivi(tmp_path, righe, header=HEADER):
    path = tmp_path / "domande.csv"
    path.write_text("\n".join([header, *righe]) + "\n", encoding="utf-8")
    return path


def importa(path, anno=2025):
    out, err = StringIO(), StringIO()
    call_command("import_domande", "--bando", str(anno), str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def importa_fallito(path, anno=2025):
    err = StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("import_domande", "--bando", str(anno), str(path), stdout=StringIO(), stderr=err)
    return str(exc.value), err.getvalue().splitlines()


def test_a_good_file_imports_every_row_with_its_values(reference_data, tmp_path):
    genitore = UserFactory(codice_fiscale=make_cf(99001))
    path = scrivi(tmp_path, [
        riga(1),
        riga(2, relazione="genitore", cf_richiedente=genitore.codice_fiscale, regione="030", provincia="mi",
             isee="30000.00", isee_tipo="corrente", isee_difforme="true", isee_regolarizzato_il="2025-11-20",
             presentata_il="2025-11-14T23:59:59+01:00", canale="contact_center", email="", cellulare=""),
        # outside the window: imported, the ranking makes it inammissibile
        riga(3, presentata_il="2025-11-15T00:00:00+01:00"),
    ])  # fmt: skip

    out, err = importa(path)

    assert "Importate 3 domande" in out
    assert err == ""
    bando = Bando.objects.get(anno=2025)
    assert Domanda.objects.filter(bando=bando).count() == 3
    d = Domanda.objects.get(protocollo="BULK-000002")
    assert d.cf_beneficiario == make_cf(70002)
    assert d.cf_richiedente == genitore.codice_fiscale
    # The bulk channel links no account; the parent finds the domanda by codice fiscale.
    assert d.richiedente is None
    assert list(domande_del_cittadino(genitore)) == [d]
    assert d.relazione == "genitore"
    assert (d.regione_id, d.provincia_id) == ("030", "MI")
    assert d.isee == Decimal("30000.00")
    assert (d.isee_tipo, d.isee_difforme) == ("corrente", True)
    assert d.isee_regolarizzato_il == dt.date(2025, 11, 20)
    assert d.presentata_il == dt.datetime(2025, 11, 14, 22, 59, 59, tzinfo=dt.UTC)
    assert bando.in_finestra(d.presentata_il)
    assert (d.email, d.cellulare, d.canale) == ("", "", "contact_center")
    assert d.dichiarazione_dpr445 is True
    d1 = Domanda.objects.get(protocollo="BULK-000001")
    assert d1.isee == Decimal("12000.50")
    assert d1.presentata_il == dt.datetime(2025, 9, 20, 8, 15, tzinfo=dt.UTC)
    assert d1.richiedente is None
    assert not bando.in_finestra(Domanda.objects.get(protocollo="BULK-000003").presentata_il)
    assert protocolli.ultimo_numero(bando) == 0  # the web channel's numbering is untouched
    assert AuditEvent.objects.filter(azione="domande.importate", dettagli__domande=3).count() == 1


def test_one_bad_row_imports_nothing_and_is_reported_with_its_line(reference_data, tmp_path):
    path = scrivi(tmp_path, [riga(1), riga(2), riga(3, isee="dodicimila"), riga(4)])

    messaggio, errori = importa_fallito(path)

    assert "nessuna domanda importata" in messaggio
    assert len(errori) == 1
    assert errori[0].startswith("riga 4: isee 'dodicimila' non valido")
    assert Domanda.objects.count() == 0
    assert not AuditEvent.objects.filter(azione="domande.importate").exists()


def test_every_bad_line_is_reported_in_file_order(reference_data, tmp_path):
    path = scrivi(tmp_path, [
        riga(1, cf_beneficiario="RSSMRA85T10A562X"),             # line 2: wrong check character
        riga(2),                                                   # line 3: good
        riga(3, regione="999"),                                    # line 4
        riga(4, provincia="MI"),                                   # line 5: Milano is not in Lazio
        riga(5, presentata_il="2025-09-20T10:15:00"),              # line 6: naive datetime
        riga(6, relazione="zio", canale="fax"),                   # line 7: two reasons on one line
        riga(7, isee_difforme="si", isee_regolarizzato_il="20/11/2025"),  # line 8
        riga(8, isee="100.001"),                                   # line 9
        riga(9, cf_beneficiario="12345678901"),                    # line 10: a company number
        riga(10, protocollo="BULK-000002"),                        # line 11: protocollo repeated
        "BULK-000099,troppo,poche",                                # line 12
    ])  # fmt: skip

    _, errori = importa_fallito(path)

    numeri = [e.split(":")[0] for e in errori]
    assert numeri == [f"riga {n}" for n in (2, 4, 5, 6, 7, 8, 9, 10, 11, 12)]
    per_riga = dict(e.split(": ", 1) for e in errori)
    assert "cf_beneficiario non valido" in per_riga["riga 2"]
    assert "regione '999' sconosciuta" in per_riga["riga 4"]
    assert "la provincia MI non appartiene alla regione 120" in per_riga["riga 5"]
    assert "senza fuso orario" in per_riga["riga 6"]
    assert "relazione 'zio'" in per_riga["riga 7"] and "canale 'fax'" in per_riga["riga 7"]
    assert "isee_difforme 'si'" in per_riga["riga 8"] and "isee_regolarizzato_il" in per_riga["riga 8"]
    assert "isee '100.001'" in per_riga["riga 9"]
    assert "cf_beneficiario non valido" in per_riga["riga 10"]
    assert "protocollo BULK-000002 ripetuto" in per_riga["riga 11"]
    assert "attese 14 colonne, trovate 3" in per_riga["riga 12"]
    assert Domanda.objects.count() == 0


def test_a_beneficiary_twice_in_the_file_is_refused(reference_data, tmp_path):
    cf = make_cf(70001)
    path = scrivi(tmp_path, [riga(1), riga(2), riga(3, cf_beneficiario=cf)])

    _, errori = importa_fallito(path)

    assert errori == [
        "riga 4: beneficiario già presente in una riga precedente del file (una domanda a testa)"
    ]
    assert Domanda.objects.count() == 0


def test_a_beneficiary_or_protocollo_already_in_the_database_is_refused(reference_data, tmp_path):
    bando = Bando.objects.get(anno=2025)
    DomandaFactory(bando=bando, cf_beneficiario=make_cf(70002), protocollo="WEB-1")
    b2023 = Bando.objects.get(anno=2023)
    DomandaFactory(bando=b2023, cf_beneficiario=make_cf(70003), protocollo="BULK-000001")
    path = scrivi(tmp_path, [riga(1), riga(2), riga(3), riga(4)])

    _, errori = importa_fallito(path)

    assert errori == [
        "riga 2: protocollo BULK-000001 già presente nel sistema",
        "riga 3: il beneficiario ha già una domanda per il bando 2025",
    ]
    assert Domanda.objects.count() == 2


def test_the_same_beneficiary_may_apply_in_another_bando(reference_data, tmp_path):
    DomandaFactory(bando=Bando.objects.get(anno=2023), cf_beneficiario=make_cf(70001), protocollo="OLD-1")
    path = scrivi(tmp_path, [riga(1)])

    out, _ = importa(path)

    assert "Importate 1 domande" in out


def test_a_wrong_header_is_refused(reference_data, tmp_path):
    header = HEADER.replace("cellulare", "telefono")
    path = scrivi(tmp_path, [riga(1)], header=header)

    _, errori = importa_fallito(path)

    assert len(errori) == 1
    assert errori[0].startswith("riga 1: intestazione non valida: attesa protocollo,cf_beneficiario,")
    assert Domanda.objects.count() == 0


def test_unknown_bando_or_file_gives_a_clear_error(reference_data, tmp_path):
    with pytest.raises(CommandError, match="Bando 1999 inesistente"):
        importa(scrivi(tmp_path, [riga(1)]), anno=1999)
    with pytest.raises(CommandError, match="non trovato"):
        importa(tmp_path / "manca.csv")


@pytest.mark.parametrize("isee", ["1e999999", "99999999999999999999", "1e20"])
def test_an_isee_too_big_for_the_column_is_a_bad_line_not_a_crash(reference_data, tmp_path, isee):
    path = scrivi(tmp_path, [riga(1), riga(2, isee=isee)])
    _, errori = importa_fallito(path)
    assert errori == [f"riga 3: isee {isee!r} non valido (importo non negativo, al massimo due decimali)"]
    assert Domanda.objects.count() == 0


@pytest.mark.parametrize("protocollo", ["INPS-BP-2025-0000001", "inps-bp-2025-0000042"])
def test_the_web_channels_protocol_prefix_is_refused(reference_data, tmp_path, protocollo):
    # Numbers with that prefix come from the bando's web sequence: an imported one could collide.
    path = scrivi(tmp_path, [riga(1), riga(2, protocollo=protocollo)])
    _, errori = importa_fallito(path)
    assert errori == [f"riga 3: protocollo {protocollo}: il prefisso INPS-BP- è riservato al portale"]
    assert Domanda.objects.count() == 0


def test_a_prefix_only_looking_alike_is_imported(reference_data, tmp_path):
    importa(scrivi(tmp_path, [riga(1, protocollo="INPS-BPX-1"), riga(2, protocollo="XINPS-BP-2")]))
    assert set(Domanda.objects.values_list("protocollo", flat=True)) == {"INPS-BPX-1", "XINPS-BP-2"}
