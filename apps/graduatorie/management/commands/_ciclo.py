"""What the lifecycle commands share: `--oggi` (default: today, Europe/Rome) and the recorded run."""

import datetime as dt

from django.core.management.base import CommandError
from django.utils import timezone


def aggiungi_oggi(parser):
    parser.add_argument("--oggi", help="giorno dell'esecuzione AAAA-MM-GG (predefinito: oggi, ora di Roma)")


def oggi_da_opzioni(options) -> dt.date:
    if not options.get("oggi"):
        return timezone.localdate()
    try:
        giorno = dt.date.fromisoformat(options["oggi"])
    except ValueError as exc:
        raise CommandError(f"Data {options['oggi']!r} non valida: usare AAAA-MM-GG.") from exc
    return giorno


def esito(risultato: dict) -> dict:
    """The task's summary; a DomainError recorded by esegui_job becomes the command's error."""
    if "errore" in risultato:
        raise CommandError(risultato["errore"])
    return risultato
