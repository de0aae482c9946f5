from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.rimborsi.esiti import NAMESPACES, EsitiNonValidi, registra_esiti


class Command(BaseCommand):
    help = (
        "Registra gli esiti dei bonifici dal rapporto della banca (pain.002: "
        + ", ".join(n.rsplit(":", 1)[-1] for n in NAMESPACES)
        + "): ACSC/ACCP pagato, RJCT non riuscito. Tutto o niente: ogni problema è segnalato e, se ce n'è "
        "uno, nulla è registrato. Lo stesso rapporto due volte non cambia nulla."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="rapporto pain.002 (XML)")

    def handle(self, *args, **options):
        percorso = Path(options["file"])
        try:
            contenuto = percorso.read_bytes()
        except FileNotFoundError as exc:
            raise CommandError(f"File {percorso} non trovato.") from exc
        except OSError as exc:
            raise CommandError(f"File {percorso} non leggibile: {exc.strerror}.") from exc
        try:
            resoconto = registra_esiti(contenuto)
        except EsitiNonValidi as exc:
            for errore in exc.errori:
                self.stderr.write(errore)
            raise CommandError(f"{len(exc.errori)} problemi nel rapporto: nessun esito registrato.") from exc
        for voce in resoconto.non_definitivi:
            self.stdout.write(f"esito non definitivo, nulla registrato: {voce}")
        self.stdout.write(
            self.style.SUCCESS(
                f"pagati {resoconto.pagati}, non riusciti {resoconto.respinti}, "
                f"già registrati {resoconto.gia_registrati}"
            )
        )
