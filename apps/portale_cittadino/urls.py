from django.urls import path

from . import views, views_calendario, views_fatture

app_name = "cittadino"
urlpatterns = [
    path("", views.home, name="home"),
    path("bandi/<int:pk>/domanda/", views.presenta, name="presenta"),
    path("domande/<int:pk>/", views.ricevuta, name="ricevuta"),
    path("domande/<int:pk>/ricevuta.pdf", views.ricevuta_pdf, name="ricevuta_pdf"),
    path("domande/<int:pk>/provvedimento.pdf", views.provvedimento_pdf, name="provvedimento_pdf"),
    path("ricevute/", views.ricevute, name="ricevute"),
    path("codici/<int:pk>/", views.codice, name="codice"),
    path("sedute/<int:pk>/annulla/", views.annulla_seduta, name="annulla_seduta"),
    path("professionisti/", views.professionisti, name="professionisti"),
    path("calendario/", views_calendario.gestione, name="calendario"),
    path("fatture/", views_fatture.fatture, name="fatture"),
    path("fatture/archivi/<int:pk>/", views_fatture.archivio, name="archivio_fatture"),
    path(
        "fatture/archivi/<int:pk>/scarica/", views_fatture.archivio_scarica, name="archivio_fatture_scarica"
    ),
]
