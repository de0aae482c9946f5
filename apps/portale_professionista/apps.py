from django.apps import AppConfig


class PortaleProfessionistaConfig(AppConfig):
    name = "apps.portale_professionista"
    verbose_name = "Portale del professionista"
