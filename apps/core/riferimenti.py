"""Reference rows (regions, provinces) read once per process and kept for RIFERIMENTI_TTL seconds.

They change about once in a decade (a new province is a law and a `load_reference_data` run), yet the
citizen's form read the 107 provinces on every page and looked one up on every submission: two queries of
a three-request flow. A change shows up in every process within the TTL (default 300 s); a row that is
not in the cached set is looked up in the database, so a province added a moment ago is never refused."""

import time

from django.conf import settings

_righe: dict = {}
_oggetti: dict = {}


def _ttl() -> float:
    return getattr(settings, "RIFERIMENTI_TTL", 300)


def _dal_cache(cache: dict, chiave, leggi):
    trovato = cache.get(chiave)
    if trovato is None or time.monotonic() - trovato[0] >= _ttl():
        trovato = (time.monotonic(), leggi())
        cache[chiave] = trovato
    return trovato[1]


def righe(queryset, campi: list[str]) -> tuple:
    """`tuple(queryset.values_list(*campi))`, from the process cache for an unfiltered queryset."""
    if queryset.query.where:
        return tuple(queryset.values_list(*campi))
    chiave = (queryset.model._meta.label, tuple(queryset.query.order_by), tuple(campi))
    return _dal_cache(_righe, chiave, lambda: tuple(queryset.values_list(*campi)))


def per_chiave(queryset) -> dict:
    """{pk: instance} of an unfiltered reference queryset (with its select_related), from the cache.
    The instances are shared: read them, never change them."""
    chiave = (queryset.model._meta.label, tuple(queryset.query.select_related or ()))
    return _dal_cache(_oggetti, chiave, lambda: {o.pk: o for o in queryset})


def svuota() -> None:
    """Forget everything (tests, and after load_reference_data in the same process)."""
    _righe.clear()
    _oggetti.clear()
