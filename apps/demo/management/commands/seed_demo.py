from django.core.management.base import BaseCommand

from apps.accounts.demo import DEMO_IDENTITIES
from apps.demo.services import ANNO_APERTO, ANNO_CHIUSO, seed_demo


class Command(BaseCommand):
    help = "Crea (o completa) il mondo dimostrativo: bandi demo, archivio ISEE, identità demo. Idempotente."

    def handle(self, *args, **options):
        esito = seed_demo()
        ora = " (graduatoria calcolata e pubblicata ora)" if esito["graduatoria_pubblicata_ora"] else ""
        self.stdout.write(self.style.SUCCESS(
            f"Dati dimostrativi pronti: bando aperto {ANNO_APERTO}, "
            f"bando con graduatoria pubblicata {ANNO_CHIUSO}{ora}."
        ))  # fmt: skip
        self.stdout.write("Identità dimostrative (accesso dal simulatore di login):")
        for identita in DEMO_IDENTITIES:
            # Demo data only: the code is printed so that a tester can book on it as a professional.
            codice = esito["codici"].get(identita.codice_fiscale)
            self.stdout.write(
                f"  {identita.codice_fiscale}  {identita.nome + ' ' + identita.cognome:<18} "
                f"[{identita.ruolo}] {identita.descrizione}"
                + (f" (codice univoco {codice})" if codice else "")
            )
