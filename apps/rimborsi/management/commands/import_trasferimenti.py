from django.core.management.base import BaseCommand, CommandError

from apps.rimborsi.importer import ImportazioneTrasferimentiError, importa_trasferimenti


class Command(BaseCommand):
    help = (
        "Importa i trasferimenti di risorse delle Regioni da un file CSV, tutti o nessuno: ogni riga non "
        "valida è segnalata con il suo numero e il motivo. Una riga già importata (stessi bando, regione, "
        "riferimento, data e importo) è saltata."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="file CSV (UTF-8): bando,regione,data,importo,riferimento")

    def handle(self, *args, **options):
        try:
            risultato = importa_trasferimenti(options["file"], options["file"])
        except FileNotFoundError as exc:
            raise CommandError(f"File {options['file']} non trovato.") from exc
        except OSError as exc:
            raise CommandError(f"File {options['file']} non leggibile: {exc.strerror}.") from exc
        except ImportazioneTrasferimentiError as exc:
            for errore in exc.errori:
                self.stderr.write(errore)
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(str(risultato)))
