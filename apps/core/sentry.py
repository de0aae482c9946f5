"""Optional error reporting to Sentry (SENTRY_DSN), with personal data scrubbed before anything leaves.

`send_default_pii=False` keeps cookies, users and IPs out; request bodies are never sent (the verification
form carries a codice fiscale and a code); and `scrub_event` replaces, anywhere in the event (messages,
exception values, local variables, breadcrumbs, URLs), every codice fiscale, codice univoco and IBAN.
"""

import re

# The codes' alphabet and length (apps/codici/models.py): core imports no domain app, and settings load
# this before any app, so they are repeated here; a test keeps them equal.
ALFABETO_CODICI = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LUNGHEZZA_CODICI = 12

FILTRATO = "[Filtered]"
_CONFINE_SX = r"(?<![A-Za-z0-9])"
_CONFINE_DX = r"(?![A-Za-z0-9])"
_CIFRA_CF = "[0-9LMNPQRSTUV]"  # digits, or their omocodia letters
_PATTERNS = [
    # IBAN italiano: IT + 2 check digits + CIN + 22 (ABI, CAB, conto), with or without spaces.
    re.compile(_CONFINE_SX + r"IT\s?\d{2}\s?[A-Z](?:\s?[0-9A-Z]){22}" + _CONFINE_DX, re.IGNORECASE),
    # Codice fiscale di una persona: 16 characters.
    re.compile(
        _CONFINE_SX
        + rf"[A-Z]{{6}}{_CIFRA_CF}{{2}}[A-EHLMPR-T]{_CIFRA_CF}{{2}}[A-Z]{_CIFRA_CF}{{3}}[A-Z]"
        + _CONFINE_DX,
        re.IGNORECASE,
    ),
    # Codice univoco: 12 characters of the codes' alphabet.
    re.compile(_CONFINE_SX + f"[{ALFABETO_CODICI}]{{{LUNGHEZZA_CODICI}}}" + _CONFINE_DX, re.IGNORECASE),
]
# Where a match can only be code structure, not data: keep stack traces readable.
_CHIAVI_STRUTTURALI = {"filename", "abs_path", "module", "function", "package"}


def scrub(valore):
    """`valore` with every codice fiscale, code and IBAN replaced, recursively through dicts and lists."""
    if isinstance(valore, str):
        for pattern in _PATTERNS:
            valore = pattern.sub(FILTRATO, valore)
        return valore
    if isinstance(valore, dict):
        return {
            scrub(k) if isinstance(k, str) else k: v if k in _CHIAVI_STRUTTURALI else scrub(v)
            for k, v in valore.items()
        }
    if isinstance(valore, list | tuple):
        return type(valore)(scrub(v) for v in valore)
    return valore


def scrub_event(event, hint=None):
    """Sentry's before_send (and before_send_transaction): the event, scrubbed."""
    return scrub(event)


def init_sentry(dsn: str, environment: str = "production") -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        before_send=scrub_event,
        before_send_transaction=scrub_event,
        traces_sample_rate=0.0,
    )
