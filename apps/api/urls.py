from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view loads its script from a URL, not inline: the site's Content-Security-Policy holds.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("verifiche/", views.VerificaView.as_view(), name="verifica"),
    path("studi/", views.StudiView.as_view(), name="studi"),
    path("sedute/", views.SeduteView.as_view(), name="sedute"),
    path("sedute/<int:pk>/", views.SedutaView.as_view(), name="seduta"),
    path("sedute/<int:pk>/annulla/", views.annulla, name="annulla"),
    path("sedute/<int:pk>/conferma/", views.conferma, name="conferma"),
    path("fatture/", views.FattureView.as_view(), name="fatture"),
    path("fatture/<int:pk>/", views.FatturaView.as_view(), name="fattura"),
    path("fatture/<int:pk>/ritira/", views.RitiraFatturaView.as_view(), name="ritira"),
    path("rimborsi/", views.RimborsiView.as_view(), name="rimborsi"),
    re_path(r"^.*$", views.non_trovato),
]
