"""A sender killed with SIGKILL between claiming a notifica and recording its outcome.

The worker is a real process (`python -c`, django.setup()) on the test database, sending through the
file outbox of tests/outbox.py, which hangs at the chosen point so the test kills it right there.
Then the reclaim and the next run: an e-mail is sent (again) with the same Message-ID, an SMS is
never resent, and what was recorded as sent is never sent twice."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from apps.core.models import Notifica
from apps.core.services import message_id, recupera_notifiche_bloccate, send_pending
from tests.outbox import leggi

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("worker_ucciso")]

ROOT = Path(__file__).resolve().parents[2]
WORKER = "import django; django.setup(); from apps.core.services import send_pending; send_pending()"


@pytest.fixture(autouse=True)
def _solo_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the worker process shares the test database through PostgreSQL")


@pytest.fixture
def outbox(tmp_path, settings, monkeypatch):
    """This process sends through the same file outbox as the worker, without hanging."""
    path = tmp_path / "outbox.jsonl"
    settings.EMAIL_BACKEND = "tests.outbox.FileEmailBackend"
    settings.SMS_BACKEND = "tests.outbox.FileSmsBackend"
    monkeypatch.setenv("OUTBOX_FILE", str(path))
    monkeypatch.delenv("OUTBOX_BLOCCA", raising=False)
    return path


def uccidi_il_worker_bloccato(outbox: Path, fase: str, per: str) -> None:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bonuspsi.settings",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}"
        f"/{db['NAME']}",
        "EMAIL_BACKEND": "tests.outbox.FileEmailBackend",
        "SMS_BACKEND": "tests.outbox.FileSmsBackend",
        "OUTBOX_FILE": str(outbox),
        "OUTBOX_BLOCCA": fase,
        "OUTBOX_BLOCCA_PER": per,
    }
    env.pop("REDIS_URL", None)
    worker = subprocess.Popen([sys.executable, "-c", WORKER], cwd=ROOT, env=env)  # noqa: S603
    try:
        bloccato = Path(f"{outbox}.bloccato")
        fine = time.monotonic() + 60
        while not bloccato.exists() and worker.poll() is None and time.monotonic() < fine:
            time.sleep(0.05)
        assert bloccato.exists(), f"the worker did not reach the gateway (exit code {worker.poll()})"
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL


def notifica(chiave, canale, destinatario) -> Notifica:
    return Notifica.objects.create(chiave=chiave, canale=canale, destinatario=destinatario, testo="Esito.")


def dopo_il_timeout():
    """The reclaim as a sender run will see it once NOTIFICHE_RECUPERO_SECONDI have passed."""
    return recupera_notifiche_bloccate(adesso=timezone.now() + dt.timedelta(seconds=601))


def test_an_email_whose_worker_died_before_the_gateway_is_sent_exactly_once(outbox):
    n = notifica("k:1:email", "email", "alice@example.org")
    uccidi_il_worker_bloccato(outbox, "prima", "alice@example.org")
    n.refresh_from_db()
    assert n.stato == Notifica.Stato.IN_INVIO and n.in_invio_dal is not None
    assert leggi(outbox) == []

    # Within the timeout the row may still be a slow send: the next run leaves it alone.
    assert send_pending() == 0
    n.refresh_from_db()
    assert n.stato == Notifica.Stato.IN_INVIO

    assert dopo_il_timeout() == {"email": 1, "sms": 0}
    assert send_pending() == 1
    assert send_pending() == 0
    assert [r["a"] for r in leggi(outbox)] == ["alice@example.org"]
    n.refresh_from_db()
    assert (n.stato, n.tentativi) == (Notifica.Stato.INVIATA, 2)


def test_an_email_accepted_before_the_worker_died_goes_again_with_the_same_message_id(outbox):
    """At least once; what was recorded as sent (alice's) is never sent again."""
    alice = notifica("k:1:email", "email", "alice@example.org")
    bruno = notifica("k:2:email", "email", "bruno@example.org")
    uccidi_il_worker_bloccato(outbox, "dopo", "bruno@example.org")
    alice.refresh_from_db()
    assert alice.stato == Notifica.Stato.INVIATA
    assert Notifica.objects.get(pk=bruno.pk).stato == Notifica.Stato.IN_INVIO

    dopo_il_timeout()
    assert send_pending() == 1
    dopo_il_timeout()
    assert send_pending() == 0
    righe = leggi(outbox)
    assert [r["a"] for r in righe] == ["alice@example.org", "bruno@example.org", "bruno@example.org"]
    assert righe[1]["message_id"] == righe[2]["message_id"] == message_id(bruno)
    assert righe[0]["message_id"] == message_id(alice) != message_id(bruno)


def test_an_sms_whose_worker_died_is_never_resent_but_left_for_an_operator(outbox):
    """At most once: the gateway may have sent it, and a second SMS would not look like a copy."""
    sms = notifica("k:1:sms", "sms", "+393331234567")
    uccidi_il_worker_bloccato(outbox, "dopo", "+393331234567")
    assert dopo_il_timeout() == {"email": 0, "sms": 1}
    assert send_pending() == 0
    dopo_il_timeout()
    assert send_pending() == 0
    sms.refresh_from_db()
    assert sms.stato == Notifica.Stato.ESITO_INCERTO and "Invio interrotto" in sms.ultimo_errore
    assert len(leggi(outbox)) == 1
