from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GraduatorieConfig(AppConfig):
    name = "apps.graduatorie"
    verbose_name = _("Graduatorie")

    def ready(self):
        from apps.codici.services import registra_fondo

        from .fondo import aggiorna_assegnato

        registra_fondo(aggiorna_assegnato)
