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


def env_saml(prefisso: str) -> dict | None:
    """SPID_* or CIE_*: the SAML service provider's entity ID, certificate and key files and the IdPs'
    metadata files (comma-separated). None when none is set (that access stays off); some but not all, or
    a file that does not exist, refuses to start naming the variable: half a configuration is a mistake."""
    nomi = {
        "entity_id": f"{prefisso}_SP_ENTITY_ID",
        "cert_file": f"{prefisso}_SP_CERT_FILE",
        "key_file": f"{prefisso}_SP_KEY_FILE",
        "idp_metadata": f"{prefisso}_IDP_METADATA_FILES",
    }
    valori = {chiave: (os.environ.get(nome) or "").strip() for chiave, nome in nomi.items()}
    if not any(valori.values()):
        return None
    mancanti = [nomi[k] for k, v in valori.items() if not v]
    if mancanti:
        raise ImproperlyConfigured(f"Configurazione {prefisso} incompleta: mancano {', '.join(mancanti)}.")
    valori["idp_metadata"] = [f.strip() for f in valori["idp_metadata"].split(",") if f.strip()]
    for chiave in ("cert_file", "key_file"):
        if not os.path.isfile(valori[chiave]):
            raise ImproperlyConfigured(f"{nomi[chiave]}={valori[chiave]!r}: il file non esiste.")
    for file in valori["idp_metadata"]:
        if not os.path.isfile(file):
            raise ImproperlyConfigured(f"{nomi['idp_metadata']}: il file {file!r} non esiste.")
    return valori
