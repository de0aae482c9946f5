import logging

from django.conf import settings
from django.db import connection
from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control

from .net import _ip_richiesta, client_ip

log = logging.getLogger(__name__)


class NoStoreForAuthenticatedMiddleware:
    """Pages served to a logged-in user hold personal (health-related) data: never cache them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True, private=True)
        return response


class ClientIpMiddleware:
    """Remembers the client IP (proxy-aware, apps/core/net.py) for the duration of the request, so every
    audit() call made while serving it records where the person was."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _ip_richiesta.set(client_ip(request) or None)
        try:
            return self.get_response(request)
        finally:
            _ip_richiesta.reset(token)


HEALTHZ_PATHS = {"/healthz", "/healthz/"}


class HealthzMiddleware:
    """GET /healthz for the container healthcheck and the load balancer: "ok" (200) when the database and,
    if configured, Redis answer; "fail" (503) otherwise. Nothing else, no data.

    Placed first in MIDDLEWARE and answering directly (like healthchecks' status view), so the host check
    (the healthcheck calls 127.0.0.1) and the SSL redirect (plain HTTP inside the container) never see it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path not in HEALTHZ_PATHS:
            return self.get_response(request)
        ok = _database_ok() and _redis_ok()
        response = HttpResponse("ok" if ok else "fail", status=200 if ok else 503, content_type="text/plain")
        add_never_cache_headers(response)
        return response


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception as exc:  # any failure is a failed check, logged without details of the data
        log.warning("healthz: database non raggiungibile (%s)", type(exc).__name__)
        return False


def _redis_ok() -> bool:
    if not settings.REDIS_URL:
        return True
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception as exc:
        log.warning("healthz: Redis non raggiungibile (%s)", type(exc).__name__)
        return False
