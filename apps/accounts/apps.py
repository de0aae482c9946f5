from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    verbose_name = _("Utenti")

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
