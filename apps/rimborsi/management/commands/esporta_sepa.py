import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.core.exceptions import DomainError
from apps.rimborsi.sepa import esporta_lotto, scrivi_file_atomico


def _mese(valore: str) -> dt.date:
    try:
        return dt.datetime.strptime(valore, "%Y-%m").date()
    except ValueError as exc:
        raise CommandError(
            f"--mese {valore!r} non valido: usa il formato AAAA-MM, per esempio 2026-10."
        ) from exc


class Command(BaseCommand):
    help = (
        "Scrive il file SEPA Credit Transfer (pain.001.001.09) del lotto di rimborsi del mese, validato "
        "contro lo schema prima di essere salvato, e segna il lotto come esportato. Un lotto già esportato "
        "senza esiti si può riesportare (stesso contenuto); uno con esiti di pagamento no."
    )

    def add_arguments(self, parser):
        parser.add_argument("--mese", required=True, help="mese del lotto, AAAA-MM")
        parser.add_argument("--output", required=True, help="file XML da scrivere")
        parser.add_argument("--oggi", help="giorno dell'esportazione AAAA-MM-GG (per la data di esecuzione)")

    def handle(self, *args, **options):
        mese = _mese(options["mese"])
        oggi = dt.date.fromisoformat(options["oggi"]) if options["oggi"] else None
        destinazione = Path(options["output"])
        if not destinazione.parent.is_dir():
            raise CommandError(f"La cartella {destinazione.parent} non esiste.")
        try:
            esito = esporta_lotto(
                mese, oggi=oggi, scrivi=lambda contenuto: scrivi_file_atomico(destinazione, contenuto)
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(f"File {destinazione} non scrivibile: {exc.strerror}.") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{destinazione}: {esito.transazioni} bonifici, totale {esito.totale} EUR, "
                f"esecuzione {esito.data_esecuzione.isoformat()}"
                + (" (riesportazione)" if esito.riesportazione else "")
            )
        )
