"""The person's language: Italian by default and as the fallback, English and German besides.

A request's language is, in order: the language saved on the logged-in user (`User.lingua`, set by the
header's switcher and, until they use it, by the language they logged in with), Django's language cookie,
the browser's Accept-Language, Italian. Notifications and PDFs are written in the recipient's language
(`nella_lingua(user)`), whatever language the request that caused them had (an operator's publication sends
each citizen their outcome in their own language).
"""

from contextlib import contextmanager

from django.conf import settings
from django.utils import translation

LINGUE = {codice for codice, _nome in settings.LANGUAGES}


def lingua_di(user) -> str:
    """The language to write to `user` in: theirs if known and supported, else Italian."""
    lingua = getattr(user, "lingua", "") or ""
    return lingua if lingua in LINGUE else settings.LANGUAGE_CODE


@contextmanager
def nella_lingua(user):
    """`with nella_lingua(user):` everything translated inside is in `user`'s language."""
    with translation.override(lingua_di(user)):
        yield


class LinguaUtenteMiddleware:
    """After AuthenticationMiddleware: a logged-in user's saved language wins over cookie and browser."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        lingua = getattr(user, "lingua", "") if user is not None and user.is_authenticated else ""
        if lingua in LINGUE and lingua != request.LANGUAGE_CODE:
            translation.activate(lingua)
            request.LANGUAGE_CODE = lingua
        return self.get_response(request)
