from django.conf import settings
from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("accedi/", views.login_view, name="login"),
    path("esci/", views.logout_view, name="logout"),
    path("lingua/", views.imposta_lingua, name="lingua"),
]
# The simulator is not even routable unless asked for; settings refuse it with DEBUG=False, so a production
# server answers 404 there whatever the checks did (gunicorn never runs them).
if settings.DEV_LOGIN_ENABLED:
    urlpatterns.append(path("accedi/simulatore/", views.dev_login_view, name="dev_login"))
