from django.core.management.base import BaseCommand, CommandError

from apps.domande.importer import ImportazioneError, importa_domande
from apps.domande.models import Bando


class Command(BaseCommand):
    help = (
        "Importa le domande del canale massivo da un file CSV, tutte o nessuna: ogni riga non valida è "
        "segnalata con il suo numero e il motivo."
    )

    def add_arguments(self, parser):
        parser.add_argument("--bando", type=int, required=True, help="annualità del bando, es. 2025")
        parser.add_argument("file", help="file CSV (UTF-8) con l'intestazione di DESIGN.md")

    def handle(self, *args, **options):
        try:
            bando = Bando.objects.get(anno=options["bando"])
        except Bando.DoesNotExist as exc:
            raise CommandError(f"Bando {options['bando']} inesistente.") from exc
        try:
            importate = importa_domande(bando, options["file"], progress=lambda m: self.stdout.write(m))
        except FileNotFoundError as exc:
            raise CommandError(f"File {options['file']} non trovato.") from exc
        except ImportazioneError as exc:
            for errore in exc.errori:
                self.stderr.write(errore)
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Importate {importate} domande nel bando {bando.anno}."))
