"""The portal's URLs plus one view that fails, to see the 500 page (tests/integration/test_pagine.py)."""

from django.urls import path

from bonuspsi.urls import *  # noqa: F403
from bonuspsi.urls import urlpatterns as portale


def guasto(request):
    raise RuntimeError("dettaglio tecnico segreto: psycopg.OperationalError at /x")


urlpatterns = [path("guasto/", guasto), *portale]
