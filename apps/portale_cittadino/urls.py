from django.urls import path

from . import views

app_name = "cittadino"
urlpatterns = [
    path("", views.home, name="home"),
]
