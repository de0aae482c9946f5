from django.core.management.base import BaseCommand, CommandError

from apps.core.exceptions import DomainError
from apps.domande.models import Bando
from apps.graduatorie.models import Graduatoria
from apps.graduatorie.services import calcola_graduatorie


class Command(BaseCommand):
    help = "Calcola (o ricalcola, finché non è pubblicata) la graduatoria di ogni regione del bando."

    def add_arguments(self, parser):
        parser.add_argument("--bando", type=int, required=True, help="annualità del bando, es. 2025")

    def handle(self, *args, **options):
        bando = _bando(options["bando"])
        try:
            riepilogo = calcola_graduatorie(bando)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write("regione                    in graduatoria  finanziate        budget     assegnato")
        for g in Graduatoria.objects.filter(bando=bando).select_related("regione").order_by("regione_id"):
            self.stdout.write(
                f"{g.regione_id} {g.regione.nome[:22]:<22} {g.domande_in_graduatoria:>14} {g.finanziate:>11} "
                f"{g.budget:>13.2f} {g.assegnato:>13.2f}"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Graduatoria {bando.anno} calcolata: {riepilogo['domande']} domande esaminate, "
                f"{riepilogo['finanziate']} finanziate, {riepilogo['assegnato']} euro assegnati."
            )
        )


def _bando(anno: int) -> Bando:
    try:
        return Bando.objects.get(anno=anno)
    except Bando.DoesNotExist as exc:
        raise CommandError(f"Bando {anno} inesistente.") from exc
