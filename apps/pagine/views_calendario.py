"""The calendar feed endpoint, /calendario/<token>.ics: the one page served without a login, because
calendar apps cannot log in; the secret token in the address is the credential (apps.sedute.calendario).
It lives here, with the other pages that need no account, rather than in either portal: both the
professional's and the citizen's feeds are served by it."""

from django.http import Http404, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.views.decorators.http import require_safe

from apps.sedute.calendario import calendario_ics, feed_dal_token


@require_safe
def feed(request, token):
    trovato = feed_dal_token(token)
    contenuto = calendario_ics(trovato) if trovato is not None else None
    if contenuto is None:
        raise Http404  # unknown, revoked, or its owner no longer has such sedute: nothing to tell apart
    response = HttpResponse(contenuto, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="sedute.ics"'
    # Health-related data: no shared cache may keep it, and a revoked address must stop at once.
    add_never_cache_headers(response)
    patch_cache_control(response, private=True, no_store=True)
    response["X-Robots-Tag"] = "noindex"
    return response
