import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import formats, timezone

from apps.graduatorie.chiusura import chiudi_fatturazione, scaduto

from .run_graduatoria import _bando


class Command(BaseCommand):
    help = (
        "Dopo il termine di fatturazione del bando annulla d'ufficio le sedute ancora prenotate e le "
        "confermate non fatturate, rilasciandone gli importi sui codici, e avvisa ogni professionista. "
        "Il giorno del termine non fa nulla; ripeterlo non cambia nulla."
    )

    def add_arguments(self, parser):
        parser.add_argument("--bando", type=int, required=True, help="annualità del bando, es. 2025")
        parser.add_argument("--oggi", help="giorno dell'esecuzione AAAA-MM-GG (predefinito: oggi)")

    def handle(self, *args, **options):
        bando = _bando(options["bando"])
        try:
            oggi = dt.date.fromisoformat(options["oggi"]) if options["oggi"] else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"Data {options['oggi']!r} non valida: usare AAAA-MM-GG.") from exc
        if bando.termine_fatturazione is None:
            self.stdout.write(f"Il bando {bando.anno} non ha un termine di fatturazione: nulla da fare.")
            return
        if not scaduto(bando, oggi):
            termine = formats.date_format(bando.termine_fatturazione, "SHORT_DATE_FORMAT")
            self.stdout.write(f"Il termine di fatturazione del bando {bando.anno} ({termine}) non è passato.")
            return
        r = chiudi_fatturazione(bando, oggi)
        self.stdout.write(
            self.style.SUCCESS(
                f"Bando {bando.anno}: {r['annullate']} sedute annullate d'ufficio per {r['professionisti']} "
                f"professionisti, {r['notifiche']} notifiche accodate."
            )
        )
