"""django-axes hooks for the operators' login (/operatori/login/): which account a failure counts against."""

from django.conf import settings
from django.shortcuts import render

from apps.core.validators import normalize_codice_fiscale


def username_per_blocco(request, credentials=None) -> str:
    """The codice fiscale typed, normalised as the login normalises it: case or spaces never make a new
    account for the lockout counter."""
    if credentials and credentials.get("username") is not None:
        valore = credentials["username"]
    else:
        valore = request.POST.get("username", "") if request is not None else ""
    return normalize_codice_fiscale(str(valore))


def risposta_blocco(request, original_response=None, credentials=None):
    """The page shown instead of the login while the account or the address is locked (HTTP 429)."""
    minuti = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/bloccato.html", {"minuti": minuti}, status=429)
