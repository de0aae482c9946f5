from django.apps import AppConfig


class DomandeConfig(AppConfig):
    name = "apps.domande"
    verbose_name = "Bandi e domande"
