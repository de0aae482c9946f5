from django.urls import path

from . import views, views_calendario

app_name = "pagine"
urlpatterns = [
    path("accessibilita/", views.accessibilita, name="accessibilita"),
    path("privacy/", views.privacy, name="privacy"),
    path("note-legali/", views.note_legali, name="note_legali"),
    path("mappa-del-sito/", views.mappa, name="mappa"),
    path("valuta/<slug:percorso>/", views.valuta, name="valuta"),
    path("calendario/<str:token>.ics", views_calendario.feed, name="calendario_feed"),
]
