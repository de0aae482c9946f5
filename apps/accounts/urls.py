from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("accedi/", views.login_view, name="login"),
    path("accedi/simulatore/", views.dev_login_view, name="dev_login"),
    path("esci/", views.logout_view, name="logout"),
]
