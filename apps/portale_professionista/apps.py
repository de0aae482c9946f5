from django.apps import AppConfig


class PortaleProfessionistaConfig(AppConfig):
    name = "apps.portale_professionista"
    verbose_name = "Portale del professionista"

    def ready(self):
        from . import context_processors  # noqa: F401  (connects the login receiver)
