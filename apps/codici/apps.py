from django.apps import AppConfig


class CodiciConfig(AppConfig):
    name = "apps.codici"
    verbose_name = "Codici univoci"
