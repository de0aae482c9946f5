"""File-based e-mail and SMS gateways for tests across processes (the locmem outboxes are per process).

Every accepted message is appended as one JSON line to $OUTBOX_FILE and flushed to disk. With
$OUTBOX_BLOCCA=prima the gateway hangs before accepting, with =dopo right after accepting, writing
"bloccato" to $OUTBOX_FILE.bloccato first (only for $OUTBOX_BLOCCA_PER's messages, if set), so a test
can kill the worker at exactly that point."""

import json
import os
import time
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


def _blocca_se(fase: str, destinatario: str) -> None:
    solo = os.environ.get("OUTBOX_BLOCCA_PER")  # optional: hang only on this recipient
    if os.environ.get("OUTBOX_BLOCCA") == fase and solo in (None, destinatario):
        Path(os.environ["OUTBOX_FILE"] + ".bloccato").write_text("bloccato")
        time.sleep(600)  # until the test kills us


def _scrivi(riga: dict) -> None:
    with open(os.environ["OUTBOX_FILE"], "a", encoding="utf-8") as fh:
        fh.write(json.dumps(riga) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def leggi(path) -> list[dict]:
    path = Path(path)
    return [json.loads(r) for r in path.read_text().splitlines()] if path.exists() else []


class FileEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        for m in email_messages:
            _blocca_se("prima", m.to[0])
            _scrivi({"canale": "email", "a": m.to[0], "message_id": m.extra_headers.get("Message-ID")})
            _blocca_se("dopo", m.to[0])
        return len(email_messages)


class FileSmsBackend:
    def send(self, numero: str, testo: str) -> None:
        _blocca_se("prima", numero)
        _scrivi({"canale": "sms", "a": numero, "testo": testo})
        _blocca_se("dopo", numero)
