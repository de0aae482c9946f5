from django.apps import AppConfig


class GraduatorieConfig(AppConfig):
    name = "apps.graduatorie"
    verbose_name = "Graduatorie"
