"""/saml/<tipo>/…: included by bonuspsi/urls.py only when SPID or CIE is configured; each view answers 404
for a tipo that is not."""

from django.urls import path, register_converter

from . import saml_views


class Tipo:
    regex = "spid|cie"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(Tipo, "tipo_saml")

app_name = "saml"
urlpatterns = [
    path("<tipo_saml:tipo>/accedi/", saml_views.accedi, name="accedi"),
    path("<tipo_saml:tipo>/acs/", saml_views.acs, name="acs"),
    path("<tipo_saml:tipo>/slo/", saml_views.slo, name="slo"),
    path("<tipo_saml:tipo>/metadata/", saml_views.metadata, name="metadata"),
]
