"""Strict environment parsing for settings.py (healthchecks' `envbool`, with Italian-friendly errors).

django-environ reads any unknown word as False: `DEBUG=Flase` would quietly mean production and
`SECURE_SSL_REDIRECT=ture` would quietly switch the redirect off. Here a boolean is exactly `true` or
`false` (any case); anything else, an empty value included, refuses to start and names the variable.
"""

import os

from django.core.exceptions import ImproperlyConfigured

_VERI = {"true": True, "false": False}


def env_bool(nome: str, default: bool) -> bool:
    """The boolean variable `nome`: `true`/`false` in any case, or `default` when it is not set at all."""
    valore = os.environ.get(nome)
    if valore is None:
        return default
    try:
        return _VERI[valore.strip().lower()]
    except KeyError:
        raise ImproperlyConfigured(
            f"{nome}={valore!r} non è un valore booleano: usa true o false (maiuscole indifferenti)."
        ) from None


def env_int_min(nome: str, default: int, minimo: int) -> int:
    """An integer variable with a lower bound (a count of proxies, a number of seconds)."""
    valore = os.environ.get(nome)
    if valore is None:
        return default
    try:
        numero = int(valore.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{nome}={valore!r} non è un numero intero.") from None
    if numero < minimo:
        raise ImproperlyConfigured(f"{nome}={numero} deve essere almeno {minimo}.")
    return numero
