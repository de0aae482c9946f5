from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PagineConfig(AppConfig):
    """The pages every PA service must have (AgID): accessibility statement, privacy, legal notes, site map;
    the satisfaction form; the error pages."""

    name = "apps.pagine"
    verbose_name = _("Pagine del portale")
