"""The SEPA file of a batch (pain.001.001.09): valid against the XSD, the right sums, the batch states."""

import datetime as dt
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest
import sepaxml
import xmlschema
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.core.models import AuditEvent
from apps.fatture.models import Fattura
from apps.rimborsi import sepa
from apps.rimborsi.models import LottoRimborsi, Rimborso
from tests.factories import fattura_registrata
from tests.integration.lotti_pagamento import crea_lotto, crea_rimborso, esportato

pytestmark = pytest.mark.django_db

XSD = Path(sepaxml.__file__).parent / "schemas" / "pain.001.001.09.xsd"
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}
OTTOBRE = dt.date(2026, 10, 1)


def _esporta(tmp_path, *args) -> Path:
    out = tmp_path / "sepa.xml"
    call_command("esporta_sepa", "--mese", "2026-10", "--output", str(out), "--oggi", "2026-11-01", *args)
    return out


def _transazioni(contenuto: bytes) -> dict[str, dict]:
    radice = ET.fromstring(contenuto)  # noqa: S314 - our own file
    return {
        tx.findtext("p:PmtId/p:EndToEndId", namespaces=NS): {
            "importo": Decimal(tx.findtext("p:Amt/p:InstdAmt", namespaces=NS)),
            "nome": tx.findtext("p:Cdtr/p:Nm", namespaces=NS),
            "iban": tx.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NS),
            "causale": tx.findtext("p:RmtInf/p:Ustrd", namespaces=NS),
        }
        for tx in radice.iter(f"{{{NS['p']}}}CdtTrfTxInf")
    }


def test_file_is_valid_pain_001_001_09_with_the_sums_of_the_fatture(tmp_path):
    lotto = crea_lotto(OTTOBRE, professionisti=3, fatture_ciascuno=2)
    out = _esporta(tmp_path)
    contenuto = out.read_bytes()
    xmlschema.XMLSchema(str(XSD)).validate(contenuto.decode())  # raises if not valid
    transazioni = _transazioni(contenuto)
    rimborsi = list(lotto.rimborsi.all())
    assert set(transazioni) == {r.numero for r in rimborsi}
    for r in rimborsi:
        fatture = Fattura.objects.filter(pk__in=r.voci.values("fattura_id"))
        assert transazioni[r.numero]["importo"] == sum(f.importo_bonus for f in fatture) == r.importo
        assert transazioni[r.numero]["iban"] == r.iban
        numeri = sorted(fatture, key=lambda f: f.registrata_il)
        assert transazioni[r.numero]["causale"] == "Bonus psicologo fatt. " + ", ".join(
            f.numero for f in numeri
        )
    radice = ET.fromstring(contenuto)  # noqa: S314 - our own file
    intestazione = radice.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    assert intestazione.findtext("p:NbOfTxs", namespaces=NS) == "3"
    assert Decimal(intestazione.findtext("p:CtrlSum", namespaces=NS)) == sum(r.importo for r in rimborsi)
    blocco = radice.find("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    assert blocco.findtext("p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == "IT60X0542811101000000123456"
    # 1 November 2026 is a Sunday: the first business day of M+1 after the export is Monday the 2nd.
    assert blocco.findtext("p:ReqdExctnDt/p:Dt", namespaces=NS) == "2026-11-02"
    lotto.refresh_from_db()
    assert lotto.stato == LottoRimborsi.Stato.ESPORTATO and lotto.esportato_il is not None
    assert AuditEvent.objects.filter(azione="lotto.esportato_sepa", oggetto_id=str(lotto.pk)).count() == 1
    assert list(tmp_path.iterdir()) == [out]  # no temporary file left


def test_rimborsi_are_read_in_a_constant_number_of_queries():
    def query(lotto):
        with CaptureQueriesContext(connection) as ctx:
            sepa.contenuto_sepa(
                lotto, creato_il=esportato(dt.date(2026, 11, 1)), esecuzione=dt.date(2026, 11, 2)
            )
        return len(ctx.captured_queries)

    assert query(crea_lotto(OTTOBRE, professionisti=1)) == query(
        crea_lotto(dt.date(2026, 9, 1), professionisti=6)
    )


def test_long_remittance_is_cut_at_140_characters_saying_how_many_are_left_out(tmp_path):
    lotto = LottoRimborsi.objects.create(mese=OTTOBRE)
    prima = fattura_registrata(sedute=1, numero="FATT-2026-000001")
    altre = [
        fattura_registrata(prima.professionista, sedute=1, numero=f"FATT-2026-{i:06d}") for i in range(2, 13)
    ]
    rimborso = crea_rimborso(lotto, [prima, *altre])
    causale = _transazioni(_esporta(tmp_path).read_bytes())[rimborso.numero]["causale"]
    assert len(causale) <= 140
    assert causale.startswith("Bonus psicologo fatt. FATT-2026-000001, FATT-2026-000002")
    mostrati = causale.count("FATT-")
    assert causale.endswith(f" e altre {12 - mostrati}") and 0 < mostrati < 12


def test_causale_boundaries():
    assert sepa.causale(["1/2026"]) == "Bonus psicologo fatt. 1/2026"
    numeri = [f"{i:05d}" for i in range(40)]
    testo = sepa.causale(numeri)
    assert len(testo) <= 140 and testo.endswith(f"e altre {40 - testo.count(',') - 1}")
    # exactly 140 characters fit without a suffix
    lungo = ["X" * (140 - len("Bonus psicologo fatt. "))]
    assert sepa.causale([n[:30] for n in lungo]) == "Bonus psicologo fatt. " + "X" * 30


def test_accented_and_long_names_are_transliterated_and_cut_to_70(tmp_path):
    lotto = LottoRimborsi.objects.create(mese=OTTOBRE)
    r1 = crea_rimborso(lotto, [fattura_registrata()], beneficiario="Nicolò Dell'Àcqua & Società Müller")
    r2 = crea_rimborso(lotto, [fattura_registrata()], beneficiario="Studio " + "Associato Psicoterapia " * 5)
    out = _esporta(tmp_path)
    xmlschema.XMLSchema(str(XSD)).validate(out.read_text())
    transazioni = _transazioni(out.read_bytes())
    assert transazioni[r1.numero]["nome"] == "Nicolo Dell'Acqua Societa Muller"
    assert len(transazioni[r2.numero]["nome"]) <= 70 and transazioni[r2.numero]["nome"].startswith(
        "Studio Associato"
    )


def test_testo_sepa_keeps_only_the_sepa_character_set():
    assert sepa.testo_sepa("Çà & ß <x> é@#", 70) == "Ca ss x e"
    assert sepa.testo_sepa("ab cd", 3) == "ab"


@pytest.mark.parametrize(
    "impostazione, valore",
    [
        ("SEPA_DEBTOR_IBAN", "IT00X0542811101000000123456"),
        ("SEPA_DEBTOR_BIC", "NO"),
        ("SEPA_DEBTOR_NAME", "  "),
    ],
)
def test_a_wrong_debtor_setting_is_a_clear_error_and_no_file(tmp_path, settings, impostazione, valore):
    setattr(settings, impostazione, valore)
    lotto = crea_lotto(OTTOBRE, professionisti=1)
    with pytest.raises(CommandError, match=impostazione):
        _esporta(tmp_path)
    assert list(tmp_path.iterdir()) == []
    lotto.refresh_from_db()
    assert lotto.stato == LottoRimborsi.Stato.CREATO and lotto.esportato_il is None


def test_a_missing_month_is_refused(tmp_path):
    with pytest.raises(CommandError, match="Non esiste un lotto di rimborsi per il mese 10/2026"):
        _esporta(tmp_path)
    with pytest.raises(CommandError, match="AAAA-MM"):
        call_command("esporta_sepa", "--mese", "2026-13", "--output", str(tmp_path / "x.xml"))
    assert list(tmp_path.iterdir()) == []


def test_re_export_gives_the_same_file_until_an_outcome_is_registered(tmp_path):
    lotto = crea_lotto(OTTOBRE, professionisti=2)
    primo = _esporta(tmp_path).read_bytes()
    lotto.refresh_from_db()
    esportato_il = lotto.esportato_il
    out2 = tmp_path / "di-nuovo.xml"
    call_command("esporta_sepa", "--mese", "2026-10", "--output", str(out2), "--oggi", "2026-11-20")
    assert out2.read_bytes() == primo  # same MsgId, creation time and execution date
    lotto.refresh_from_db()
    assert lotto.esportato_il == esportato_il and timezone.localdate(esportato_il) == dt.date(2026, 11, 1)
    Rimborso.objects.filter(pk=lotto.rimborsi.first().pk).update(stato=Rimborso.Stato.PAGATO)
    with pytest.raises(CommandError, match="esiti di pagamento"):
        call_command("esporta_sepa", "--mese", "2026-10", "--output", str(tmp_path / "3.xml"))
    LottoRimborsi.objects.filter(pk=lotto.pk).update(stato=LottoRimborsi.Stato.PAGATO)
    with pytest.raises(CommandError, match="esiti di pagamento"):
        call_command("esporta_sepa", "--mese", "2026-10", "--output", str(tmp_path / "3.xml"))
    assert not (tmp_path / "3.xml").exists()


def test_a_batch_with_nothing_to_pay_has_no_file(tmp_path):
    LottoRimborsi.objects.create(mese=OTTOBRE)
    with pytest.raises(CommandError, match="non ha rimborsi da pagare"):
        _esporta(tmp_path)


def test_a_rimborso_not_matching_its_voci_stops_the_export(tmp_path):
    lotto = crea_lotto(OTTOBRE, professionisti=1)
    Rimborso.objects.filter(lotto=lotto).update(importo=Decimal("0.01"))
    with pytest.raises(CommandError, match="non corrisponde alle sue fatture"):
        _esporta(tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "mese, oggi, attesa",
    [
        (dt.date(2026, 10, 1), dt.date(2026, 11, 1), dt.date(2026, 11, 2)),  # Sunday → Monday
        (dt.date(2026, 11, 1), dt.date(2026, 12, 1), dt.date(2026, 12, 2)),  # the day after the export
        (dt.date(2026, 12, 1), dt.date(2027, 1, 1), dt.date(2027, 1, 4)),  # 1 Jan, then the weekend
        (dt.date(2027, 2, 1), dt.date(2027, 3, 25), dt.date(2027, 3, 30)),  # Good Friday, Easter Monday
        (dt.date(2026, 10, 1), dt.date(2026, 10, 20), dt.date(2026, 11, 2)),  # early: not before M+1
        (dt.date(2026, 4, 1), dt.date(2026, 4, 30), dt.date(2026, 5, 4)),  # 1 May is a Friday
    ],
)
def test_execution_date_is_a_target2_business_day_in_m_plus_1(mese, oggi, attesa):
    assert sepa.data_esecuzione(mese, oggi) == attesa


def test_atomic_write_leaves_no_half_file(tmp_path, monkeypatch):
    destinazione = tmp_path / "f.xml"
    destinazione.write_bytes(b"old")

    def guasto(*a):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sepa.os, "fsync", guasto)
    with pytest.raises(OSError):
        sepa.scrivi_file_atomico(destinazione, b"new content")
    assert destinazione.read_bytes() == b"old" and list(tmp_path.iterdir()) == [destinazione]
