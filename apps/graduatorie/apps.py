from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GraduatorieConfig(AppConfig):
    name = "apps.graduatorie"
    verbose_name = _("Graduatorie")
