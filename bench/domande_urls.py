"""The portal's URLs plus the bare three-request flow of bench/domande.py, behind the same middleware.

The bare flow is the least a "presenta domanda" can do: a page carrying the CSRF token and an
idempotency key, a POST answered "ok", a POST doing one INSERT and redirecting. All three require
the login, as the real ones do (session and user loaded: 2 queries each)."""

import uuid

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.urls import path
from django.views.decorators.http import require_http_methods

from bench.sedute_urls import urlpatterns as portale_e_nudo

TABELLA = "bench_invio_nudo"


@login_required
@require_http_methods(["GET", "POST"])
def domanda_nuda(request):
    if request.method == "GET":
        return HttpResponse(
            '<form method="post">'
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{get_token(request)}">'
            f'<input type="hidden" name="chiave_invio" value="{uuid.uuid4()}"></form>'
        )
    if request.POST.get("azione") != "conferma":
        return HttpResponse("ok")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABELLA} (utente_id, chiave, creato_il) VALUES (%s, %s, now())",
            [request.user.pk, request.POST["chiave_invio"]],
        )
    return HttpResponseRedirect("/bench/nudo/domanda/")


urlpatterns = [path("bench/nudo/domanda/", domanda_nuda, name="bench_domanda_nuda"), *portale_e_nudo]
