import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from apps.core.exceptions import DomainError
from apps.rimborsi.services import genera_rimborsi


def mese_da_testo(valore: str) -> dt.date:
    try:
        if len(valore) != 7:
            raise ValueError
        return dt.date.fromisoformat(f"{valore}-01")
    except ValueError:
        raise CommandError(f"Mese {valore!r} non valido: scriverlo come AAAA-MM, es. 2025-10.") from None


class Command(BaseCommand):
    help = (
        "Genera il lotto di rimborsi del mese (fatture registrate fino alla fine del mese, pagate nel "
        "mese successivo finché i fondi della regione le coprono). Idempotente: se il lotto esiste, "
        "non cambia nulla."
    )

    def add_arguments(self, parser):
        parser.add_argument("--mese", required=True, help="mese del lotto, AAAA-MM (es. 2025-10)")

    def handle(self, *args, **options):
        mese = mese_da_testo(options["mese"])
        try:
            lotto = genera_rimborsi(mese)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        if not lotto.creato_ora:
            self.stdout.write(
                f"Lotto {lotto.mese:%m/%Y} già generato il {lotto.creato_il:%Y-%m-%d}: nulla è cambiato "
                f"({lotto.numero_rimborsi} rimborsi, {lotto.totale} euro, "
                f"{lotto.numero_sospese} fatture sospese)."
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Lotto {lotto.mese:%m/%Y} generato: {lotto.numero_rimborsi} rimborsi per "
                f"{lotto.totale} euro, "
                f"{lotto.numero_sospese} fatture sospese per mancanza di fondi, {lotto.in_attesa_iban} "
                "in attesa di un IBAN valido del professionista."
            )
        )
