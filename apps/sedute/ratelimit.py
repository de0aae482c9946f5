"""Failed "Verifica associazione" attempts, counted per user and per IP in the shared cache.

Only failures count: a professional verifying many real patients is never slowed down, while guessing
codes stops after a few tries. The counters live in Redis in production (settings.CACHES), so every
web worker sees the same numbers."""

from django.conf import settings
from django.core.cache import cache


def _chiavi(user_id: int, ip: str) -> list[tuple[str, int]]:
    return [
        (f"verifica:u:{user_id}", settings.VERIFICA_MAX_ERRORI_UTENTE),
        (f"verifica:ip:{ip}", settings.VERIFICA_MAX_ERRORI_IP),
    ]


def bloccato(user_id: int, ip: str) -> bool:
    return any((cache.get(chiave) or 0) >= limite for chiave, limite in _chiavi(user_id, ip))


def registra_errore(user_id: int, ip: str) -> None:
    for chiave, _limite in _chiavi(user_id, ip):
        # add() starts the window only for a new key; incr() keeps its expiry.
        cache.add(chiave, 0, timeout=settings.VERIFICA_FINESTRA_SECONDI)
        try:
            cache.incr(chiave)
        except ValueError:  # expired between add() and incr()
            cache.set(chiave, 1, timeout=settings.VERIFICA_FINESTRA_SECONDI)
