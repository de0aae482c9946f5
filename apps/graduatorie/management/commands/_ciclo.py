"""What the lifecycle commands share: `--oggi` (default: today, Europe/Rome) and the recorded run."""

import datetime as dt

from django.core.management.base import CommandError
from django.utils import timezone

MINIMO, MASSIMO = dt.date(2020, 1, 1), dt.date(2199, 12, 31)


def aggiungi_oggi(parser):
    parser.add_argument("--oggi", help="giorno dell'esecuzione AAAA-MM-GG (predefinito: oggi, ora di Roma)")


def oggi_da_opzioni(options) -> dt.date:
    if not options.get("oggi"):
        return timezone.localdate()
    try:
        giorno = dt.date.fromisoformat(options["oggi"])
    except ValueError as exc:
        raise CommandError(f"Data {options['oggi']!r} non valida: usare AAAA-MM-GG.") from exc
    # The jobs count days from it (validity, reminders): a date like 9999-12-31 would overflow.
    if not MINIMO <= giorno <= MASSIMO:
        raise CommandError(f"Data {options['oggi']!r} fuori dall'intervallo ammesso ({MINIMO} – {MASSIMO}).")
    return giorno


def esito(risultato: dict) -> dict:
    """The task's summary; a DomainError recorded by esegui_job becomes the command's error."""
    if "errore" in risultato:
        raise CommandError(risultato["errore"])
    return risultato
