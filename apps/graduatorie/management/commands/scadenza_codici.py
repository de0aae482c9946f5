from django.core.management.base import BaseCommand

from apps.graduatorie.tasks import scadenza_codici_task

from ._ciclo import aggiungi_oggi, esito, oggi_da_opzioni


class Command(BaseCommand):
    help = (
        "Codici oltre la validità → scaduti: annulla d'ufficio le sedute prenotate oltre la validità, "
        "restituisce "
        "il residuo al fondo regionale, avvisa beneficiari e professionisti; promemoria 30 giorni prima. "
        "Ripeterlo nello stesso giorno non cambia nulla."
    )

    def add_arguments(self, parser):
        aggiungi_oggi(parser)

    def handle(self, *args, **options):
        r = esito(scadenza_codici_task(oggi=oggi_da_opzioni(options).isoformat()))
        self.stdout.write(
            self.style.SUCCESS(
                f"{r['oggi']}: {r['scaduti']} codici scaduti, {r['sedute_annullate']} sedute annullate "
                f"d'ufficio, {r['restituito']} euro restituiti ai fondi regionali "
                f"da {r['restituiti']} codici, "
                f"{r['promemoria']} promemoria e {r['notifiche']} avvisi accodati "
                f"(esecuzione {r['esecuzione']})."
            )
        )
