from django.core.management.base import BaseCommand

from apps.graduatorie.tasks import scorrimento_task

from ._ciclo import aggiungi_oggi, esito, oggi_da_opzioni
from .run_graduatoria import _bando


class Command(BaseCommand):
    help = (
        "Scorrimento della graduatoria: per regione, i fondi disponibili integrano prima il finanziamento "
        "parziale, poi finanziano i successivi in graduatoria con nuovi codici. Ripeterlo non cambia nulla."
    )

    def add_arguments(self, parser):
        parser.add_argument("--bando", type=int, required=True, help="annualità del bando, es. 2025")
        aggiungi_oggi(parser)

    def handle(self, *args, **options):
        bando = _bando(options["bando"])
        giorno = oggi_da_opzioni(options)
        risultati = scorrimento_task(oggi=giorno.isoformat(), bando_id=bando.pk)
        if not risultati:
            self.stdout.write(f"La graduatoria del bando {bando.anno} non è pubblicata: nulla da fare.")
            return
        r = esito(risultati[0])
        if r.get("motivo") == "termine_fatturazione":
            self.stdout.write(
                f"Il termine di fatturazione del bando {bando.anno} è passato: nessuno scorrimento."
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Bando {bando.anno}, {r['oggi']}: {r['nuovi_codici']} nuovi codici, {r['integrazioni']} "
                f"integrazioni, {r['assegnato']} euro assegnati, {r['notifiche']} avvisi accodati "
                f"(esecuzione {r['esecuzione']})."
            )
        )
        for regione, v in sorted(r["regioni"].items()):
            self.stdout.write(
                f"  {regione}: {v['nuovi_codici']} nuovi codici, integrato {v['integrato']}, "
                f"assegnato {v['assegnato']}"
            )
