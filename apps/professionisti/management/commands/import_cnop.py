from django.core.management.base import BaseCommand, CommandError

from apps.professionisti.importer import ImportazioneCnopError, importa_cnop, riepilogo


class Command(BaseCommand):
    help = (
        "Importa la lista settimanale CNOP dei psicoterapeuti aderenti (upsert per codice fiscale), tutta o "
        "niente: ogni riga non valida è segnalata con il suo numero e il motivo. Chi non è più nella lista, "
        "o è revocato, non può prenotare nuove sedute; le sedute già prenotate restano."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="file CSV (UTF-8) con l'intestazione di DESIGN.md")

    def handle(self, *args, **options):
        try:
            importazione = importa_cnop(options["file"], options["file"])
        except FileNotFoundError as exc:
            raise CommandError(f"File {options['file']} non trovato.") from exc
        except ImportazioneCnopError as exc:
            for errore in exc.errori:
                self.stderr.write(errore)
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(riepilogo(importazione)))
