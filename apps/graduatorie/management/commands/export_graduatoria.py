from django.core.management.base import BaseCommand, CommandError

from apps.core.models import Regione
from apps.graduatorie.export import scrivi_graduatoria

from .run_graduatoria import _bando


class Command(BaseCommand):
    help = "Esporta in CSV la graduatoria del bando (tutte le regioni o una), su file o standard output."

    def add_arguments(self, parser):
        parser.add_argument("--bando", type=int, required=True, help="annualità del bando, es. 2025")
        parser.add_argument("--regione", help="codice della regione (Ministero della Salute), es. 120")
        parser.add_argument("--output", help="file CSV da scrivere (predefinito: standard output)")

    def handle(self, *args, **options):
        bando = _bando(options["bando"])
        regione = options["regione"]
        if regione and not Regione.objects.filter(codice=regione).exists():
            raise CommandError(f"Regione {regione!r} sconosciuta.")
        if options["output"]:
            with open(options["output"], "w", newline="", encoding="utf-8") as out:
                n = scrivi_graduatoria(bando, out, regione)
            self.stderr.write(f"Esportate {n} righe in {options['output']}.")
        else:
            # The CSV alone goes to stdout, so that it can be piped; the summary goes to stderr.
            scrivi_graduatoria(bando, self.stdout, regione)
