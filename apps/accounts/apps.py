from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    verbose_name = "Utenti"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
