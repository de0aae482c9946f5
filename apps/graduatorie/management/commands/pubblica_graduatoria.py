import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from apps.core.exceptions import DomainError
from apps.graduatorie.services import pubblica_graduatorie

from .run_graduatoria import _bando


def _data(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Data {value!r} non valida: usare AAAA-MM-GG.") from exc


class Command(BaseCommand):
    help = "Pubblica le graduatorie del bando: crea i codici univoci dei finanziati e accoda gli esiti."

    def add_arguments(self, parser):
        parser.add_argument("--bando", type=int, required=True, help="annualità del bando, es. 2025")
        parser.add_argument("--data", help="data di pubblicazione AAAA-MM-GG (predefinita: oggi)")

    def handle(self, *args, **options):
        bando = _bando(options["bando"])
        data = _data(options["data"]) if options["data"] else None
        try:
            r = pubblica_graduatorie(bando, data)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Graduatoria {bando.anno} pubblicata il {r['data']}: {r['codici']} codici univoci creati, "
                f"{r['notifiche']} notifiche accodate."
            )
        )
