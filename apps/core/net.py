"""The client's IP address: the one function every rate limit, login lockout and audit event uses."""

from contextvars import ContextVar

from django.conf import settings
from ipware import get_client_ip

# The IP of the request being served, set by ClientIpMiddleware, so that audit() records it without
# every caller passing the request. None outside a request (Celery jobs, management commands).
_ip_richiesta: ContextVar[str | None] = ContextVar("ip_richiesta", default=None)


def client_ip(request) -> str:
    """The address of the person's browser.

    Without BEHIND_PROXY it is REMOTE_ADDR: a client-sent X-Forwarded-For is never believed. Behind the
    reverse proxy REMOTE_ADDR is the proxy's, so the address comes from X-Forwarded-For, and only from the
    hops our own proxies added: each appends the address it received the request from, so with
    TRUSTED_PROXY_COUNT proxies the client is that many entries from the right; whatever the client wrote
    further left is ignored. No other header (X-Real-IP, CF-Connecting-IP…) is trusted.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    if not settings.BEHIND_PROXY:
        return remote
    # ipware counts the proxies after the client inside the header, the last proxy being REMOTE_ADDR:
    # one trusted proxy → the right-most entry, i.e. proxy_count=0.
    ip, _routable = get_client_ip(
        request,
        proxy_order="left-most",
        proxy_count=settings.TRUSTED_PROXY_COUNT - 1,
        request_header_order=["HTTP_X_FORWARDED_FOR"],
        strict=False,
    )
    # No (or too short a) header: the request did not come through our proxies; REMOTE_ADDR is all we know.
    return ip or remote


def ip_corrente() -> str | None:
    """The client IP of the request being served, or None outside a request."""
    return _ip_richiesta.get()
