from django.apps import AppConfig


class ProfessionistiConfig(AppConfig):
    name = "apps.professionisti"
    verbose_name = "Professionisti aderenti (CNOP)"
