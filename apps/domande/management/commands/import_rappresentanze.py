from django.core.management.base import BaseCommand, CommandError

from apps.domande.importer_rappresentanze import ImportazioneRappresentanzeError, importa_rappresentanze


class Command(BaseCommand):
    help = (
        "Importa le rappresentanze legali verificate (genitori, affidatari, tutori, curatori, "
        "amministratori di sostegno) da un file CSV, tutte o nessuna: ogni riga non valida è segnalata con "
        "il suo numero e il motivo. Aggiorna le rappresentanze già presenti con la stessa chiave."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file",
            help="file CSV (UTF-8): cf_richiedente,cf_beneficiario,tipo,provvedimento,valida_dal,valida_al",
        )

    def handle(self, *args, **options):
        try:
            risultato = importa_rappresentanze(options["file"], options["file"])
        except FileNotFoundError as exc:
            raise CommandError(f"File {options['file']} non trovato.") from exc
        except OSError as exc:
            raise CommandError(f"File {options['file']} non leggibile: {exc.strerror}.") from exc
        except ImportazioneRappresentanzeError as exc:
            for errore in exc.errori:
                self.stderr.write(errore)
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(str(risultato)))
