"""The notifications outbox: queued once per key, claimed once, retried on failure."""

import datetime as dt

import pytest
from django.core import mail

from apps.core import sms
from apps.core.models import Notifica
from apps.core.services import (
    message_id,
    queue_notifiche,
    recupera_notifiche_bloccate,
    send_notifica,
    send_pending,
)

pytestmark = pytest.mark.django_db


class FailingSms:
    def send(self, numero, testo):
        raise ConnectionError("gateway SMS non raggiungibile")


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def righe():
    return [
        Notifica(chiave="esito:1:email", canale="email", destinatario="alice@example.org", oggetto="Esito",
                 testo="La domanda è stata accolta."),
        Notifica(chiave="esito:1:sms", canale="sms", destinatario="+393331234567", testo="Domanda accolta."),
    ]  # fmt: skip


def test_queueing_the_same_key_twice_keeps_one_row():
    queue_notifiche(righe())
    queue_notifiche(righe())
    assert Notifica.objects.count() == 2


def test_send_pending_sends_each_once():
    queue_notifiche(righe())
    assert send_pending() == 2
    assert send_pending() == 0
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["alice@example.org"]
    assert sms.outbox == [("+393331234567", "Domanda accolta.")]
    assert Notifica.objects.filter(stato=Notifica.Stato.INVIATA, inviata_il__isnull=False).count() == 2


def test_a_row_claimed_by_another_worker_is_not_sent_again():
    queue_notifiche(righe())
    stale = list(Notifica.objects.order_by("id"))  # both workers read the rows while in_coda
    assert [send_notifica(n) for n in stale] == [True, True]
    assert [send_notifica(n) for n in stale] == [False, False]
    assert (len(mail.outbox), len(sms.outbox)) == (1, 1)


def test_a_failed_sms_goes_back_to_the_queue_then_errore_after_5_attempts(settings):
    settings.SMS_BACKEND = "tests.unit.test_notifiche.FailingSms"
    queue_notifiche(righe()[1:])
    for tentativo in range(1, 5):
        assert send_pending() == 0
        notifica = Notifica.objects.get()
        assert (notifica.stato, notifica.tentativi) == (Notifica.Stato.IN_CODA, tentativo)
    send_pending()
    notifica = Notifica.objects.get()
    assert (notifica.stato, notifica.tentativi) == (Notifica.Stato.ERRORE, 5)
    assert "non raggiungibile" in notifica.ultimo_errore
    assert send_pending() == 0


def test_a_failure_then_success_sends_once(settings):
    settings.SMS_BACKEND = "tests.unit.test_notifiche.FailingSms"
    queue_notifiche(righe()[1:])
    send_pending()
    settings.SMS_BACKEND = "apps.core.sms.LocmemSmsBackend"
    assert send_pending() == 1
    assert send_pending() == 0
    assert len(sms.outbox) == 1
    assert Notifica.objects.get().tentativi == 2


def test_the_console_backend_masks_the_number(caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="apps.core.sms"):
        sms.ConsoleSmsBackend().send("+393331234567", "Domanda accolta.")
    assert "+393331234567" not in caplog.text
    assert "***567" in caplog.text


def test_drain_sends_a_queue_larger_than_one_batch_in_one_run():
    from apps.core.services import drain_queue

    queue_notifiche(
        [
            Notifica(chiave=f"k{n}", canale="sms", destinatario=f"+39333000{n:04d}", testo="t")
            for n in range(25)
        ]
    )
    sms.outbox.clear()
    assert drain_queue(budget_seconds=30, batch=10) == 25
    assert len(sms.outbox) == 25
    assert not Notifica.objects.exclude(stato=Notifica.Stato.INVIATA).exists()


def test_drain_tries_a_failing_notification_once_per_run(monkeypatch):
    from apps.core.services import drain_queue

    queue_notifiche([Notifica(chiave="rotta", canale="sms", destinatario="+393330000000", testo="t")])

    def guasto(self, numero, testo):
        raise OSError("gateway SMS non raggiungibile")

    monkeypatch.setattr(sms.LocmemSmsBackend, "send", guasto)
    assert drain_queue(budget_seconds=30, batch=10) == 0
    notifica = Notifica.objects.get(chiave="rotta")
    assert (notifica.stato, notifica.tentativi) == (Notifica.Stato.IN_CODA, 1)


# --- Reclaiming rows left in_invio by a dead sender (the killed worker itself: test_notifiche_worker_ucciso)


def bloccata(chiave, canale, secondi_fa, tentativi=0, adesso=None, stato=Notifica.Stato.IN_INVIO):
    from django.utils import timezone

    adesso = adesso or timezone.now()
    return Notifica.objects.create(
        chiave=chiave, canale=canale, destinatario="x", testo="t", stato=stato, tentativi=tentativi,
        in_invio_dal=None if secondi_fa is None else adesso - dt.timedelta(seconds=secondi_fa),
    )  # fmt: skip


def test_reclaim_per_channel_at_the_timeout_boundary(settings):
    from django.utils import timezone

    settings.NOTIFICHE_RECUPERO_SECONDI = 600
    adesso = timezone.now()
    al_limite = bloccata("e:limite", "email", 600, adesso=adesso)
    oltre = bloccata("e:oltre", "email", 601, adesso=adesso)
    ultima = bloccata("e:ultima", "email", 601, tentativi=4, adesso=adesso)
    senza_data = bloccata("e:vecchia", "email", None, adesso=adesso)  # claimed before the column existed
    sms_oltre = bloccata("s:oltre", "sms", 601, adesso=adesso)
    inviata = bloccata("e:inviata", "email", 10_000, adesso=adesso, stato=Notifica.Stato.INVIATA)

    assert recupera_notifiche_bloccate(adesso=adesso) == {"email": 3, "sms": 1}
    stati = dict(Notifica.objects.values_list("chiave", "stato"))
    assert stati == {
        "e:limite": "in_invio", "e:oltre": "in_coda", "e:ultima": "errore", "e:vecchia": "in_coda",
        "s:oltre": "esito_incerto", "e:inviata": "inviata",
    }  # fmt: skip
    oltre.refresh_from_db()
    assert oltre.tentativi == 1 and oltre.in_invio_dal is None and "Invio interrotto" in oltre.ultimo_errore
    for n in (al_limite, ultima, senza_data, sms_oltre, inviata):
        n.refresh_from_db()
    assert ultima.tentativi == 5 and sms_oltre.tentativi == 0 and inviata.in_invio_dal is not None
    assert recupera_notifiche_bloccate(adesso=adesso) == {"email": 0, "sms": 0}


def test_the_email_message_id_is_stable_and_reveals_nothing():
    queue_notifiche(righe())
    email = Notifica.objects.get(canale="email")
    assert message_id(email) == message_id(Notifica.objects.get(pk=email.pk))
    assert message_id(email).endswith("@bonuspsicologo.invalid>") and "esito" not in message_id(email)
    send_pending()
    assert mail.outbox[0].extra_headers["Message-ID"] == message_id(email)
    assert mail.outbox[0].message()["Message-ID"] == message_id(email)


def test_the_claim_records_since_when():
    queue_notifiche(righe())
    n = Notifica.objects.get(canale="sms")
    from apps.core.services import _claim

    assert _claim(n.pk)
    n.refresh_from_db()
    assert n.stato == Notifica.Stato.IN_INVIO and n.in_invio_dal is not None
