"""The portal's URLs plus the bench's bare view: same middleware, no query of its own, no template."""

from django.http import HttpResponse
from django.urls import path

from bonuspsi.urls import urlpatterns as portale


def nudo(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/nudo/", nudo, name="bench_nudo"), *portale]
