"""Personal API tokens (`TokenApi`): create, revoke, authenticate.

A token reads `bp_<prefisso>_<segreto>`: the prefix finds the row, the SHA-256 of the whole string must
match (compared in constant time). Tokens live at most a year; the last use is written at most once a
minute (a busy practice software would otherwise write on every call)."""

import datetime as dt
import functools
import hashlib
import hmac
import secrets

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core import righe
from apps.core.exceptions import DomainError
from apps.core.services import audit

from .models import Professionista, TokenApi

DURATE_GIORNI = (30, 90, 180, 365)
TOKEN_PER_PROFESSIONISTA = 10
AGGIORNA_ULTIMO_USO = dt.timedelta(minutes=1)


def _impronta(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def crea_token(utente, professionista, *, nome: str, ambiti: list[str], giorni: int, adesso=None):
    """Returns (TokenApi, the token in clear: the only time it exists outside the caller's screen)."""
    adesso = adesso or timezone.now()
    nome = " ".join((nome or "").split())
    errori = []
    if not nome:
        errori.append(DomainError(_("Dai un nome al token, per esempio quello del tuo gestionale."), "nome"))
    validi = set(TokenApi.Ambito.values)
    if not ambiti or not set(ambiti) <= validi:
        errori.append(DomainError(_("Scegli almeno un ambito tra quelli proposti."), "ambiti"))
    if giorni not in DURATE_GIORNI:
        errori.append(DomainError(_("Scegli una delle durate proposte."), "giorni"))
    with transaction.atomic():
        # The professional's row, not their tokens: locking the tokens read does not hide a token another
        # creation inserts meanwhile, so both could count 9 and pass. The count below comes after the lock.
        # Tested in tests/integration/test_token_concorrenza.py, with its control.
        Professionista.objects.select_for_update().filter(pk=professionista.pk).first()
        attivi = TokenApi.objects.filter(
            professionista=professionista, revocato_il__isnull=True, scade_il__gt=adesso
        ).count()
        if attivi >= TOKEN_PER_PROFESSIONISTA:
            errori.append(
                DomainError(
                    _("Hai già %(n)s token attivi: revocane uno prima di crearne un altro.")
                    % {"n": TOKEN_PER_PROFESSIONISTA}
                )
            )
        if errori:
            raise ErroriToken(errori)
        prefisso = secrets.token_hex(4)
        chiaro = f"bp_{prefisso}_{secrets.token_urlsafe(32)}"
        token = TokenApi.objects.create(
            professionista=professionista,
            nome=nome,
            prefisso=prefisso,
            impronta=_impronta(chiaro),
            ambiti=sorted(set(ambiti)),
            creato_il=adesso,
            scade_il=adesso + dt.timedelta(days=giorni),
        )
        audit(utente, "api.token_creato", token, ambiti=token.ambiti, giorni=giorni)
    return token, chiaro


class ErroriToken(DomainError):
    def __init__(self, errori: list[DomainError]):
        super().__init__(errori[0].message, errori[0].field)
        self.errori = errori


def revoca_token(utente, token: TokenApi, *, adesso=None) -> TokenApi:
    if token.revocato_il is None:
        token.revocato_il = adesso or timezone.now()
        token.save(update_fields=["revocato_il"])
        audit(utente, "api.token_revocato", token)
    return token


@functools.cache
def _sql_token(vendor: str) -> str:
    """The token's read, built once per process and database (the quoting is the backend's)."""
    q, User = connection.ops.quote_name, Professionista.utente.field.related_model
    return (
        f"SELECT {righe.colonne(TokenApi, 't')}, {righe.colonne(Professionista, 'p')}, "
        f"{righe.colonne(User, 'u')} FROM {righe.tabella(TokenApi)} t "
        f"JOIN {righe.tabella(Professionista)} p ON p.{q('id')} = t.{q('professionista_id')} "
        f"LEFT JOIN {righe.tabella(User)} u ON u.{q('codice_fiscale')} = p.{q('codice_fiscale')} "
        f"WHERE t.{q('prefisso')} = %s"
    )


def _leggi(prefisso: str) -> TokenApi | None:
    """The token with this (unique) prefix, its professional and the professional's login
    (Professionista.utente, None without one) in one query: what
    `TokenApi.objects.select_related("professionista__utente").get(prefisso=…)` reads, in plain SQL
    (apps.core.righe): it runs on every API call, and the ORM's building of this query cost ~1 ms."""
    modelli = (TokenApi, Professionista, Professionista.utente.field.related_model)
    letti = righe.leggi(modelli, _sql_token(connection.vendor), [prefisso])
    if letti is None:
        return None
    token, professionista, utente = letti
    TokenApi.professionista.field.set_cached_value(token, professionista)
    Professionista.utente.field.set_cached_value(professionista, utente)
    return token


def autentica(chiaro: str, *, adesso=None) -> TokenApi | None:
    """The active token this string is, or None (unknown, wrong secret, revoked or expired)."""
    adesso = adesso or timezone.now()
    parti = (chiaro or "").split("_", 2)
    if len(parti) != 3 or parti[0] != "bp" or not parti[1]:
        return None
    token = _leggi(parti[1][:12])
    if token is None or not hmac.compare_digest(token.impronta, _impronta(chiaro)):
        return None
    if not token.attivo(adesso):
        return None
    if token.ultimo_uso_il is None or adesso - token.ultimo_uso_il >= AGGIORNA_ULTIMO_USO:
        TokenApi.objects.filter(pk=token.pk).update(ultimo_uso_il=adesso)
        token.ultimo_uso_il = adesso
    return token
