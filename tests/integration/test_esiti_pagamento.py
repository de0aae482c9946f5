"""The bank's pain.002 report: paid, rejected, mixed, repeated, unknown ids, malformed: all or nothing."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from apps.core.exceptions import DomainError
from apps.core.models import AuditEvent
from apps.fatture.models import Fattura, SedutaFatturata
from apps.rimborsi import esiti, pagamenti
from apps.rimborsi.models import LottoRimborsi, Rimborso, VoceRimborso
from apps.rimborsi.selectors import fondi_disponibili
from apps.sedute.models import Seduta
from tests.factories import TrasferimentoFactory
from tests.integration.lotti_pagamento import crea_lotto, esportato

pytestmark = pytest.mark.django_db

DATI = Path(__file__).resolve().parents[1] / "data" / "pain002"


@pytest.fixture
def lotto():
    """October 2026's batch, exported on 2 November: BP202610-0001 and -0002, two fatture each."""
    lotto = crea_lotto(
        dt.date(2026, 10, 1),
        professionisti=2,
        fatture_ciascuno=2,
        esportato_il=esportato(dt.date(2026, 11, 2)),
    )
    for i, rimborso in enumerate(lotto.rimborsi.order_by("pk"), start=1):
        Rimborso.objects.filter(pk=rimborso.pk).update(numero=f"BP202610-{i:04d}")
    return lotto


def _r(numero) -> Rimborso:
    return Rimborso.objects.get(numero=numero)


def _fatture(numero):
    return Fattura.objects.filter(
        pk__in=VoceRimborso.objects.filter(rimborso__numero=numero).values("fattura_id")
    )


def _sedute(numero):
    return Seduta.objects.filter(
        pk__in=SedutaFatturata.objects.filter(fattura__in=_fatture(numero), attiva=True).values("seduta_id")
    )


def _registra(nome):
    call_command("registra_esiti_pagamento", str(DATI / nome))


def test_paid_report_pays_fatture_and_sedute_with_the_bank_dates(lotto):
    _registra("pagati_v10.xml")
    uno, due = _r("BP202610-0001"), _r("BP202610-0002")
    assert (uno.stato, uno.pagato_il) == (Rimborso.Stato.PAGATO, dt.date(2026, 11, 3))  # AccptncDtTm
    assert (due.stato, due.pagato_il) == (Rimborso.Stato.PAGATO, dt.date(2026, 11, 4))  # the report's CreDtTm
    for numero, giorno in (("BP202610-0001", dt.date(2026, 11, 3)), ("BP202610-0002", dt.date(2026, 11, 4))):
        assert {(f.stato, f.rimborsata_il) for f in _fatture(numero)} == {(Fattura.Stato.RIMBORSATA, giorno)}
        assert {(s.stato, s.rimborsata_il) for s in _sedute(numero)} == {(Seduta.Stato.RIMBORSATA, giorno)}
        assert _sedute(numero).count() == 4
    lotto.refresh_from_db()
    assert lotto.stato == LottoRimborsi.Stato.PAGATO
    assert AuditEvent.objects.filter(azione="rimborso.pagato", dettagli__fonte="pain.002").count() == 2


def test_mixed_report_v03_pays_one_and_rejects_the_other(lotto):
    fattura = _fatture("BP202610-0002").first()
    TrasferimentoFactory(bando=fattura.bando, regione=fattura.regione, importo=Decimal("1000.00"))
    fondi_prima = fondi_disponibili(fattura.bando_id, fattura.regione_id)
    _registra("misto_v03.xml")
    uno, due = _r("BP202610-0001"), _r("BP202610-0002")
    assert (uno.stato, uno.pagato_il) == (Rimborso.Stato.PAGATO, dt.date(2026, 11, 5))
    assert (due.stato, due.motivo_rifiuto, due.pagato_il) == (Rimborso.Stato.RESPINTO, "AC04", None)
    assert {f.stato for f in _fatture("BP202610-0002")} == {Fattura.Stato.DA_PAGARE}
    assert {f.rimborsata_il for f in _fatture("BP202610-0002")} == {None}
    assert {s.stato for s in _sedute("BP202610-0002")} == {Seduta.Stato.FATTURATA}
    assert not VoceRimborso.objects.filter(rimborso=due, attiva=True).exists()
    assert VoceRimborso.objects.filter(rimborso=due).count() == 2  # kept, inactive: the history
    # the rejected fatture's amounts are back in the region's funds
    assert fondi_disponibili(fattura.bando_id, fattura.regione_id) == fondi_prima + fattura.importo_bonus
    lotto.refresh_from_db()
    assert lotto.stato == LottoRimborsi.Stato.PARZIALMENTE_PAGATO


def test_the_same_report_twice_changes_nothing(lotto, capsys):
    _registra("misto_v03.xml")
    prima = list(Rimborso.objects.values_list("numero", "stato", "pagato_il", "motivo_rifiuto", "esito_il"))
    eventi = AuditEvent.objects.count()
    _registra("misto_v03.xml")
    assert (
        list(Rimborso.objects.values_list("numero", "stato", "pagato_il", "motivo_rifiuto", "esito_il"))
        == prima
    )
    assert AuditEvent.objects.count() == eventi
    assert "già registrati 2" in capsys.readouterr().out


def test_rejection_with_pending_one_leaves_the_batch_exported(lotto, capsys):
    _registra("respinto_v10.xml")
    assert _r("BP202610-0001").stato == Rimborso.Stato.RESPINTO
    assert _r("BP202610-0002").stato == Rimborso.Stato.IN_PAGAMENTO  # ACSP: not final
    assert "BP202610-0002 ACSP" in capsys.readouterr().out
    lotto.refresh_from_db()
    assert lotto.stato == LottoRimborsi.Stato.ESPORTATO


def test_paid_then_reported_rejected_is_refused_and_nothing_applied(lotto, capsys):
    _registra("pagati_v10.xml")
    with pytest.raises(CommandError, match="nessun esito registrato"):
        _registra("respinto_v10.xml")
    err = capsys.readouterr().err
    assert "BP202610-0001: il rimborso risulta già pagato il 2026-11-03" in err
    assert _r("BP202610-0001").stato == Rimborso.Stato.PAGATO
    assert {f.stato for f in _fatture("BP202610-0001")} == {Fattura.Stato.RIMBORSATA}


def test_unknown_id_and_missing_reason_are_all_reported_and_nothing_applied(lotto, capsys):
    with pytest.raises(CommandError, match="2 problemi"):
        _registra("sconosciuto_v10.xml")
    err = capsys.readouterr().err
    assert "BP202610-9999: nessun rimborso" in err and "manca il codice del motivo" in err
    assert set(Rimborso.objects.values_list("stato", flat=True)) == {Rimborso.Stato.IN_PAGAMENTO}
    assert set(Fattura.objects.values_list("stato", flat=True)) == {Fattura.Stato.IN_PAGAMENTO}


@pytest.mark.parametrize(
    "nome, messaggio",
    [("malformato.xml", "non è XML ben formato"), ("entita.xml", "DOCTYPE o ENTITY")],
)
def test_malformed_or_entity_files_are_refused(lotto, capsys, nome, messaggio):
    with pytest.raises(CommandError):
        _registra(nome)
    assert messaggio in capsys.readouterr().err
    assert set(Rimborso.objects.values_list("stato", flat=True)) == {Rimborso.Stato.IN_PAGAMENTO}


def test_other_documents_and_missing_files_are_refused(lotto, tmp_path):
    altro = tmp_path / "pain001.xml"
    altro.write_text('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"/>')
    with pytest.raises(CommandError):
        call_command("registra_esiti_pagamento", str(altro))
    utf16 = tmp_path / "u16.xml"
    utf16.write_bytes((DATI / "pagati_v10.xml").read_text().encode("utf-16"))
    with pytest.raises(CommandError):
        call_command("registra_esiti_pagamento", str(utf16))
    with pytest.raises(CommandError, match="non trovato"):
        call_command("registra_esiti_pagamento", str(tmp_path / "manca.xml"))


def test_a_date_before_the_export_is_refused(lotto):
    contenuto = (DATI / "pagati_v10.xml").read_bytes().replace(b"2026-11-03T10:15", b"2026-10-30T10:15")
    with pytest.raises(esiti.EsitiNonValidi, match="non compresa"):
        esiti.registra_esiti(contenuto)
    assert _r("BP202610-0001").stato == Rimborso.Stato.IN_PAGAMENTO


def test_a_batch_not_exported_has_no_outcomes(lotto):
    LottoRimborsi.objects.filter(pk=lotto.pk).update(stato=LottoRimborsi.Stato.CREATO)
    with pytest.raises(esiti.EsitiNonValidi, match="non è stato esportato"):
        esiti.registra_esiti((DATI / "pagati_v10.xml").read_bytes())


def test_conflicting_outcomes_for_one_id_in_one_report(lotto):
    contenuto = (DATI / "misto_v03.xml").read_bytes().replace(b"BP202610-0002", b"BP202610-0001")
    with pytest.raises(esiti.EsitiNonValidi, match="più volte con esiti diversi"):
        esiti.registra_esiti(contenuto)


# --- A manual outcome racing the bank's report: real parallel transactions (PostgreSQL) -------------


def _in_parallelo(*lavori):
    import threading

    from django.db import connection

    via, esiti_thread = threading.Barrier(len(lavori)), []

    def lavora(lavoro):
        try:
            via.wait(timeout=30)
            esiti_thread.append(lavoro())
        except DomainError as exc:
            esiti_thread.append(("DomainError", str(exc.message)))
        finally:
            connection.close()

    threads = [threading.Thread(target=lavora, args=(lavoro,)) for lavoro in lavori]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return esiti_thread


def _gara(monkeypatch, *, con_lock: bool):
    """Paid by hand and rejected by the report at the same moment, with a window after each one's
    read of the rimborso; `con_lock=False` is the control: the same reads without select_for_update."""
    import time

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("row locks and real parallel transactions need PostgreSQL")
    lotto = crea_lotto(dt.date(2026, 10, 1), professionisti=1, esportato_il=esportato(dt.date(2026, 11, 2)))
    rimborso = lotto.rimborsi.get()
    originale = pagamenti._blocca

    def con_finestra(r):
        if con_lock:
            risultato = originale(r)
        else:
            risultato = (LottoRimborsi.objects.get(pk=r.lotto_id), Rimborso.objects.get(pk=r.pk))
        time.sleep(0.3)
        return risultato

    monkeypatch.setattr(pagamenti, "_blocca", con_finestra)
    esiti_gara = _in_parallelo(
        lambda: pagamenti.registra_pagamento(None, rimborso, dt.date(2026, 11, 5)),
        lambda: pagamenti.registra_rifiuto(None, rimborso, "AC04"),
    )
    return rimborso, esiti_gara


@pytest.mark.django_db(transaction=True)
def test_paid_by_hand_and_rejected_at_once_exactly_one_wins(monkeypatch):
    rimborso, esiti_gara = _gara(monkeypatch, con_lock=True)
    assert esiti_gara.count(True) == 1 and len([e for e in esiti_gara if isinstance(e, tuple)]) == 1
    rimborso.refresh_from_db()
    fatture = _fatture(rimborso.numero)
    attive = VoceRimborso.objects.filter(rimborso=rimborso, attiva=True).count()
    if rimborso.stato == Rimborso.Stato.PAGATO:
        assert {f.stato for f in fatture} == {Fattura.Stato.RIMBORSATA} and attive == 2
    else:
        assert {f.stato for f in fatture} == {Fattura.Stato.DA_PAGARE} and attive == 0


@pytest.mark.django_db(transaction=True)
def test_control_without_the_lock_both_outcomes_get_through(monkeypatch):
    rimborso, esiti_gara = _gara(monkeypatch, con_lock=False)
    assert esiti_gara == [True, True]  # the race the lock prevents: paid AND rejected
    rimborso.refresh_from_db()
    rimborsate = {f.stato for f in _fatture(rimborso.numero)} == {Fattura.Stato.RIMBORSATA}
    # whoever wrote last, the rimborso and its fatture now disagree, and the voci are inactive
    assert (rimborso.stato == Rimborso.Stato.PAGATO) != rimborsate
    assert not VoceRimborso.objects.filter(rimborso=rimborso, attiva=True).exists()
