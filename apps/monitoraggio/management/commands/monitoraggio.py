from django.core.management.base import BaseCommand, CommandError

from apps.core.exceptions import DomainError
from apps.monitoraggio.services import genera_instantanee
from apps.rimborsi.management.commands.genera_rimborsi import mese_da_testo


class Command(BaseCommand):
    help = (
        "Calcola l'istantanea mensile di monitoraggio di ogni bando (circ. 124/2025 §8): beneficiari per "
        "regione, sesso, fascia d'età, fascia ISEE e provincia; sedute svolte; pagamenti e fondi. "
        "Idempotente: un'istantanea già calcolata non cambia."
    )

    def add_arguments(self, parser):
        parser.add_argument("--mese", required=True, help="mese, AAAA-MM (es. 2025-10)")

    def handle(self, *args, **options):
        try:
            istantanee = genera_instantanee(mese_da_testo(options["mese"]))
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        for ist in istantanee:
            self.stdout.write(
                f"Bando {ist.bando.anno}, {ist.mese:%m/%Y}: {ist.dati['beneficiari']['totale']} beneficiari, "
                f"{ist.dati['sedute']['svolte']} sedute svolte (calcolata il {ist.creata_il:%Y-%m-%d})"
            )
        if not istantanee:
            self.stdout.write("Nessun bando con codici emessi entro il mese: nessuna istantanea.")
