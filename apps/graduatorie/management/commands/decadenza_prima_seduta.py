from django.core.management.base import BaseCommand

from apps.graduatorie.tasks import decadenza_prima_seduta_task

from ._ciclo import aggiungi_oggi, esito, oggi_da_opzioni


class Command(BaseCommand):
    help = (
        "Codici senza una prima seduta svolta e confermata entro il termine (circ. 124/2025 §6) → decaduti: "
        "annulla d'ufficio le sedute non fatturate, restituisce l'importo al fondo regionale, avvisa "
        "beneficiari e professionisti. Ripeterlo nello stesso giorno non cambia nulla."
    )

    def add_arguments(self, parser):
        aggiungi_oggi(parser)

    def handle(self, *args, **options):
        r = esito(decadenza_prima_seduta_task(oggi=oggi_da_opzioni(options).isoformat()))
        self.stdout.write(
            self.style.SUCCESS(
                f"{r['oggi']}: {r['decaduti']} codici decaduti, {r['sedute_annullate']} sedute annullate "
                f"d'ufficio, {r['restituito']} euro restituiti ai fondi regionali, {r['notifiche']} avvisi "
                f"accodati (esecuzione {r['esecuzione']})."
            )
        )
