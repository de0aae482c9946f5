from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from apps.portale_cittadino import views as cittadino_views

admin.site.site_header = _("Bonus psicologo – Operatori INPS")
admin.site.site_title = _("Bonus psicologo – Operatori")
admin.site.index_title = _("Graduatorie, bandi e domande")

urlpatterns = [
    path("", cittadino_views.home_pubblica, name="home"),
    path("", include("apps.accounts.urls")),
    path("cittadino/", include("apps.portale_cittadino.urls")),
    path("professionista/", include("apps.portale_professionista.urls")),
    path("operatori/", admin.site.urls),
    path("api/v1/", include("apps.api.urls")),
    path("", include("apps.pagine.urls")),
    path("", include("apps.monitoraggio.urls")),
]
# SPID/CIE (SAML) exist only where configured: elsewhere /saml/… is a plain 404.
if settings.SAML_IDENTITA:
    urlpatterns.insert(1, path("saml/", include("apps.accounts.saml_urls")))
