from django.urls import path

from . import views, views_calendario, views_fatture, views_gestionale

app_name = "professionista"
urlpatterns = [
    path("", views.home, name="home"),
    path("cambia-profilo/", views.cambia_profilo, name="cambia_profilo"),
    path("profilo-cittadino/", views.profilo_cittadino, name="profilo_cittadino"),
    path("primo-accesso/", views.primo_accesso, name="primo_accesso"),
    path("canali/", views.canali, name="canali"),
    path("canali/<int:pk>/attuale/", views.canale_attuale_view, name="canale_attuale"),
    path("studi/", views.studi, name="studi"),
    path("prenota/", views.prenota, name="prenota"),
    path("prenota/seduta/", views.prenota_seduta, name="prenota_seduta"),
    path("sedute/", views.elenco_sedute, name="sedute"),
    path("sedute/<int:pk>/", views.dettaglio, name="seduta"),
    path("sedute/<int:pk>/riepilogo/", views.riepilogo, name="riepilogo"),
    path("sedute/<int:pk>/ricevuta.pdf", views.ricevuta_pdf, name="ricevuta_pdf"),
    path("sedute/<int:pk>/modifica/", views.modifica, name="modifica"),
    path("sedute/<int:pk>/annulla/", views.annulla, name="annulla"),
    path("sedute/<int:pk>/conferma/", views.conferma, name="conferma"),
    path("sedute/<int:pk>/stesso-paziente/", views.stesso_paziente, name="stesso_paziente"),
    path("fatture/", views_fatture.elenco, name="fatture"),
    path("fatture/registra/", views_fatture.registra, name="registra_fattura"),
    path("fatture/<int:pk>/", views_fatture.dettaglio, name="fattura"),
    path("fatture/<int:pk>/riepilogo/", views_fatture.riepilogo, name="riepilogo_fattura"),
    path("fatture/<int:pk>/ritira/", views_fatture.ritira, name="ritira_fattura"),
    path("gestionale/", views_gestionale.gestionale, name="gestionale"),
    path("gestionale/<int:pk>/revoca/", views_gestionale.revoca, name="revoca_token"),
    path("fatture/sts/", views_fatture.esporta_sts, name="esporta_sts"),
    path("calendario/", views_calendario.gestione, name="calendario"),
]
