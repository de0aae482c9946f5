from django.urls import path

from . import views

app_name = "monitoraggio"

urlpatterns = [path("dati-di-monitoraggio/", views.pubblico, name="pubblico")]
