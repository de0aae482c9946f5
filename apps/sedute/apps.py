from django.apps import AppConfig


class SeduteConfig(AppConfig):
    name = "apps.sedute"
    verbose_name = "Sedute"
