"""The riepilogo's signed record of what verifica_domanda checked, handed to the confirm step.

The riepilogo runs every rule that needs no lock; the confirm POST a moment later would repeat them all
(4 queries and most of the request's time). Instead the riepilogo signs, with the SECRET_KEY and a salt
of its own, exactly the inputs it verified and what it found (the province's region, the attestation and
its values), for this applicant, this bando, this form (chiave_invio), this day, at this time. The
confirm step accepts the token only for the very same inputs, within VALIDITA, on the same day (Europe/
Rome: the ISEE and the representation links are valid per day), and then re-checks only what may have
changed meanwhile (services.presenta_domanda): the window, the attestation still the current one, the
publication under the bando's lock, the unique keys under the INSERT.

Signed, not encrypted: the token holds what the riepilogo page shows anyway (the codice fiscale, the
ISEE), and travels in the POST body only, never in a URL.
"""

import datetime as dt

from django.core import signing

SALE = "apps.domande.conferma.verifica"
VALIDITA = dt.timedelta(minutes=30)


class TokenNonValido(Exception):
    """Tampered, expired, of another applicant, form or bando, or for other inputs."""


def _valori_isee(attestazione) -> list:
    return [
        attestazione.pk,
        str(attestazione.valore),
        attestazione.tipo,
        attestazione.difforme,
        attestazione.regolarizzata_il.isoformat() if attestazione.regolarizzata_il else None,
    ]


def _dati(richiedente, bando, chiave_invio, cf, relazione, provincia, email, cellulare, dichiarazione,
          giorno) -> dict:  # fmt: skip
    return {
        "u": richiedente.pk,
        "b": bando.pk,
        "k": str(chiave_invio),
        "g": giorno.isoformat(),
        "cf": cf,
        "r": relazione,
        "p": [provincia.pk, provincia.regione_id],
        "e": (email or "").strip(),
        "c": (cellulare or "").strip(),
        "d": bool(dichiarazione),
    }


def firma(richiedente, bando, *, chiave_invio, cf, relazione, provincia, email, cellulare, dichiarazione,
          attestazione, giorno: dt.date, adesso: dt.datetime) -> str:  # fmt: skip
    dati = _dati(
        richiedente, bando, chiave_invio, cf, relazione, provincia, email, cellulare, dichiarazione, giorno
    )
    dati |= {"a": _valori_isee(attestazione), "t": adesso.timestamp()}
    return signing.Signer(salt=SALE).sign_object(dati)


def leggi(token: str, richiedente, bando, *, chiave_invio, cf, relazione, provincia, email, cellulare,
          dichiarazione, giorno: dt.date, adesso: dt.datetime) -> list:  # fmt: skip
    """The attestation's [pk, valore, tipo, difforme, regolarizzata_il] the token vouches for; raises
    TokenNonValido unless it was signed here for exactly these inputs, on `giorno`, within VALIDITA."""
    try:
        dati = signing.Signer(salt=SALE).unsign_object(str(token))
        emesso = dt.datetime.fromtimestamp(float(dati.pop("t")), dt.UTC)
        isee = dati.pop("a")
    except (signing.BadSignature, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise TokenNonValido from exc
    atteso = _dati(
        richiedente, bando, chiave_invio, cf, relazione, provincia, email, cellulare, dichiarazione, giorno
    )
    if dati != atteso or not dt.timedelta(0) <= adesso - emesso <= VALIDITA:
        raise TokenNonValido
    return isee


def corrisponde(isee: list, attestazione) -> bool:
    """The attestation found now is the one the token names, with the same values."""
    return attestazione is not None and _valori_isee(attestazione) == isee
