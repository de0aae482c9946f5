"""The client's IP address: the one function every rate limit, login lockout and audit event uses."""


def client_ip(request) -> str:
    """The address of the person's browser.

    Behind the reverse proxy REMOTE_ADDR is the proxy's: see settings BEHIND_PROXY and TRUSTED_PROXY_COUNT.
    """
    return request.META.get("REMOTE_ADDR", "") or ""
