from django.apps import AppConfig


class PortaleCittadinoConfig(AppConfig):
    name = "apps.portale_cittadino"
    verbose_name = "Portale del cittadino"
