from django.core.management.base import BaseCommand

from apps.domande.reference import load_reference_data


class Command(BaseCommand):
    help = (
        "Carica regioni, province, i bandi 2022/2023/2025, i budget 2023 e i lavori pianificati "
        "(idempotente: non modifica ciò che gli operatori hanno cambiato)."
    )

    def handle(self, *args, **options):
        r = load_reference_data()
        self.stdout.write(
            self.style.SUCCESS(
                f"Dati di riferimento: {r['regioni']} regioni, {r['province']} province, "
                f"{r['bandi_creati']} bandi creati, {r['pianificazioni_create']} lavori pianificati creati."
            )
        )
