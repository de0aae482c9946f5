"""Payments in the operators' portal: rimborsi read-only with the IBAN masked, marked paid or failed by
hand through the same services as the bank's report, and the batch's SEPA file as a download."""

import datetime as dt

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from apps.core.models import AuditEvent
from apps.fatture.models import Fattura
from apps.rimborsi.admin_pagamenti import AZIONI_LOTTO, scarica_file_sepa
from apps.rimborsi.models import LottoRimborsi, Rimborso, VoceRimborso
from tests.integration.lotti_pagamento import crea_lotto, esportato

pytestmark = pytest.mark.django_db

LISTA = "admin:rimborsi_rimborso_changelist"


def _permessi(utente, *codici):
    utente.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="rimborsi", codename__in=codici)
    )


@pytest.fixture
def operatrice(client, carol):
    _permessi(carol, "view_rimborso", "change_rimborso", "view_lottorimborsi", "change_lottorimborsi")
    client.force_login(carol)
    return client


@pytest.fixture
def lotto():
    return crea_lotto(dt.date(2026, 10, 1), professionisti=2, esportato_il=esportato(dt.date(2026, 11, 2)))


def _azione(client, azione, rimborsi, **dati):
    return client.post(
        reverse(LISTA), {"action": azione, "_selected_action": [r.pk for r in rimborsi], **dati}
    )


def test_list_and_detail_are_read_only_with_the_iban_masked_and_audited(operatrice, lotto):
    rimborso = lotto.rimborsi.first()
    lista = operatrice.get(reverse(LISTA), {"stato__exact": "in_pagamento"})
    html = lista.content.decode()
    assert lista.status_code == 200 and rimborso.numero in html
    assert rimborso.iban not in html and rimborso.iban_mascherato in html
    dettaglio = operatrice.get(reverse("admin:rimborsi_rimborso_change", args=[rimborso.pk]))
    html = dettaglio.content.decode()
    assert dettaglio.status_code == 200 and rimborso.iban not in html and rimborso.iban_mascherato in html
    fattura = Fattura.objects.get(pk=rimborso.voci.first().fattura_id)
    assert fattura.numero in html
    assert AuditEvent.objects.filter(azione="rimborso.visualizzato", oggetto_id=str(rimborso.pk)).exists()
    assert operatrice.post(reverse("admin:rimborsi_rimborso_delete", args=[rimborso.pk])).status_code == 403


def test_mark_paid_asks_the_date_then_pays_through_the_service(operatrice, lotto):
    rimborsi = list(lotto.rimborsi.order_by("numero"))
    pagina = _azione(operatrice, "segna_pagato", rimborsi)
    assert pagina.status_code == 200 and "Data del pagamento" in pagina.content.decode()
    assert all(r.numero in pagina.content.decode() for r in rimborsi)
    futuro = (timezone.localdate() + dt.timedelta(days=1)).isoformat()  # tomorrow in Rome
    errore = _azione(operatrice, "segna_pagato", rimborsi, applica="1", pagato_il=futuro)
    assert errore.status_code == 200 and "non può essere futura" in errore.content.decode()
    assert not Rimborso.objects.filter(stato=Rimborso.Stato.PAGATO).exists()
    fatto = _azione(operatrice, "segna_pagato", rimborsi, applica="1", pagato_il="2026-11-06")
    assert fatto.status_code == 302
    assert set(Rimborso.objects.values_list("stato", "pagato_il")) == {
        (Rimborso.Stato.PAGATO, dt.date(2026, 11, 6))
    }
    assert set(Fattura.objects.values_list("stato", "rimborsata_il")) == {
        (Fattura.Stato.RIMBORSATA, dt.date(2026, 11, 6))
    }
    lotto.refresh_from_db()
    assert lotto.stato == LottoRimborsi.Stato.PAGATO
    assert (
        AuditEvent.objects.filter(
            azione="rimborso.pagato", attore__isnull=False, dettagli__fonte="manuale"
        ).count()
        == 2
    )


def test_mark_failed_asks_the_reason_and_refuses_a_paid_one(operatrice, lotto):
    primo, secondo = lotto.rimborsi.order_by("numero")
    vuoto = _azione(operatrice, "segna_non_riuscito", [primo], applica="1", motivo="")
    assert vuoto.status_code == 200 and "Motivo del mancato pagamento" in vuoto.content.decode()
    _azione(operatrice, "segna_pagato", [secondo], applica="1", pagato_il="2026-11-06")
    risposta = _azione(operatrice, "segna_non_riuscito", [primo, secondo], applica="1", motivo="AC04")
    primo.refresh_from_db()
    secondo.refresh_from_db()
    assert (primo.stato, primo.motivo_rifiuto) == (Rimborso.Stato.RESPINTO, "AC04")
    assert secondo.stato == Rimborso.Stato.PAGATO
    assert not VoceRimborso.objects.filter(rimborso=primo, attiva=True).exists()
    assert set(
        Fattura.objects.filter(pk__in=primo.voci.values("fattura_id")).values_list("stato", flat=True)
    ) == {Fattura.Stato.DA_PAGARE}
    messaggi = [str(m) for m in risposta.wsgi_request._messages]
    assert any("risulta già pagato" in m for m in messaggi)
    lotto.refresh_from_db()
    assert lotto.stato == LottoRimborsi.Stato.PARZIALMENTE_PAGATO


def test_without_the_change_permission_there_are_no_actions(client, carol, lotto):
    carol.groups.clear()  # the "Operatore INPS" group may mark payments: a staff user who may only read
    _permessi(carol, "view_rimborso")
    client.force_login(carol)
    html = client.get(reverse(LISTA)).content.decode()
    assert "segna_pagato" not in html
    _azione(client, "segna_pagato", lotto.rimborsi.all(), applica="1", pagato_il="2026-11-06")
    assert not Rimborso.objects.filter(stato=Rimborso.Stato.PAGATO).exists()


def _richiesta(utente):
    richiesta = RequestFactory().post("/")
    richiesta.user = utente
    richiesta.session = {}
    richiesta._messages = FallbackStorage(richiesta)
    return richiesta


def test_lotto_action_downloads_the_sepa_file_and_marks_it_exported(carol):
    _permessi(carol, "view_lottorimborsi", "change_lottorimborsi")
    lotto = crea_lotto(dt.date(2026, 10, 1), professionisti=1)
    assert scarica_file_sepa in AZIONI_LOTTO
    modeladmin = admin.ModelAdmin(LottoRimborsi, admin.site)
    risposta = scarica_file_sepa(modeladmin, _richiesta(carol), LottoRimborsi.objects.filter(pk=lotto.pk))
    assert risposta["Content-Disposition"] == 'attachment; filename="bonus-psicologo-sepa-2026-10.xml"'
    assert b"pain.001.001.09" in risposta.content and lotto.rimborsi.get().numero.encode() in risposta.content
    lotto.refresh_from_db()
    assert lotto.stato == LottoRimborsi.Stato.ESPORTATO


def test_lotto_action_refuses_without_permission_or_for_a_paid_batch(carol):
    carol.groups.clear()  # the "Operatore INPS" group may export: a staff user who may only read
    _permessi(carol, "view_lottorimborsi")
    lotto = crea_lotto(dt.date(2026, 10, 1), professionisti=1)
    modeladmin = admin.ModelAdmin(LottoRimborsi, admin.site)
    richiesta = _richiesta(carol)
    assert scarica_file_sepa(modeladmin, richiesta, LottoRimborsi.objects.filter(pk=lotto.pk)) is None
    assert "permesso" in str(list(richiesta._messages)[0])
    _permessi(carol, "change_lottorimborsi")
    carol = type(carol).objects.get(pk=carol.pk)  # permissions are cached on the instance
    LottoRimborsi.objects.filter(pk=lotto.pk).update(stato=LottoRimborsi.Stato.PAGATO)
    richiesta = _richiesta(carol)
    assert scarica_file_sepa(modeladmin, richiesta, LottoRimborsi.objects.filter(pk=lotto.pk)) is None
    assert "esiti di pagamento" in str(list(richiesta._messages)[0])


def test_a_payment_date_before_the_export_is_refused(operatrice, lotto):
    rimborso = lotto.rimborsi.first()
    risposta = _azione(operatrice, "segna_pagato", [rimborso], applica="1", pagato_il="2026-11-01")
    messaggi = [str(m) for m in risposta.wsgi_request._messages]
    assert any("tra l'esportazione del lotto (02/11/2026) e oggi" in m for m in messaggi)
    rimborso.refresh_from_db()
    assert rimborso.stato == Rimborso.Stato.IN_PAGAMENTO
