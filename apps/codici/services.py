"""Writes on codes. Every change of an amount appends a MovimentoCodice in the same transaction."""

import datetime as dt
import secrets
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.db.models import F

from apps.core.locking import limita_attesa

from .models import ALFABETO, LUNGHEZZA, CodiceUnivoco, MovimentoCodice


def genera_codice() -> str:
    return "".join(secrets.choice(ALFABETO) for _ in range(LUNGHEZZA))


def _codici_nuovi(n: int) -> list[str]:
    """n distinct codes, none already in the database (a 60-bit space: clashes are rare, not impossible)."""
    codici: set[str] = set()
    while len(codici) < n:
        batch = {genera_codice() for _ in range(n - len(codici))} - codici
        esistenti = set(CodiceUnivoco.objects.filter(codice__in=batch).values_list("codice", flat=True))
        codici |= batch - esistenti
    return list(codici)


@transaction.atomic
def crea_codici(
    assegnazioni: Iterable[tuple[int, Decimal]],
    valido_dal: dt.date,
    valido_fino_al: dt.date,
    prima_seduta_entro: dt.date | None,
    riferimento: str = "",
    batch_size: int = 2000,
) -> int:
    """One code per (domanda_id, importo), with its ASSEGNAZIONE movement. Returns how many."""
    creati = 0
    assegnazioni = list(assegnazioni)
    for start in range(0, len(assegnazioni), batch_size):
        chunk = assegnazioni[start : start + batch_size]
        codici = CodiceUnivoco.objects.bulk_create(
            [
                CodiceUnivoco(
                    codice=codice,
                    domanda_id=domanda_id,
                    assegnato=importo,
                    valido_dal=valido_dal,
                    valido_fino_al=valido_fino_al,
                    prima_seduta_entro=prima_seduta_entro,
                )
                for (domanda_id, importo), codice in zip(chunk, _codici_nuovi(len(chunk)), strict=True)
            ]
        )
        if any(c.pk is None for c in codici):  # backends without RETURNING (old SQLite)
            ids = dict(
                CodiceUnivoco.objects.filter(domanda_id__in=[d for d, _ in chunk]).values_list(
                    "domanda_id", "pk"
                )
            )
            for c in codici:
                c.pk = ids[c.domanda_id]
        MovimentoCodice.objects.bulk_create(
            [
                MovimentoCodice(
                    codice_id=c.pk,
                    tipo=MovimentoCodice.Tipo.ASSEGNAZIONE,
                    delta_assegnato=c.assegnato,
                    riferimento=riferimento,
                )
                for c in codici
            ]
        )
        creati += len(codici)
    return creati


def blocca_codice(codice_id: int) -> CodiceUnivoco:
    """Lock the code row until the end of the transaction. Every change of its amounts starts here,
    freeing included, so the check against the residuo and the ledger stay exact.

    The wait for the lock is bounded (LOCK_TIMEOUT_MS): a code held by a stuck transaction must not
    hang every request on it. Callers wrap their atomic block in `servizio_occupato()`, which turns
    the timeout into "il servizio è occupato, riprova" with everything rolled back."""
    limita_attesa()
    return CodiceUnivoco.objects.select_for_update().get(pk=codice_id)


def muovi_importi(
    codice: CodiceUnivoco,
    tipo: str,
    *,
    prenotato: Decimal = Decimal("0.00"),
    utilizzato: Decimal = Decimal("0.00"),
    riferimento: str = "",
) -> None:
    """Apply deltas to a code locked with `blocca_codice`, append the movement, update the state.

    The UPDATE uses F() so the database adds to what it holds; its CheckConstraint refuses any
    overspending even if a caller forgot the lock."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("muovi_importi va chiamata dentro una transazione, col codice bloccato")
    codice.prenotato += prenotato
    codice.utilizzato += utilizzato
    stato = codice.stato
    if stato == CodiceUnivoco.Stato.ATTIVO and codice.residuo == 0:
        stato = CodiceUnivoco.Stato.ESAURITO
    elif stato == CodiceUnivoco.Stato.ESAURITO and codice.residuo > 0:
        stato = CodiceUnivoco.Stato.ATTIVO
    CodiceUnivoco.objects.filter(pk=codice.pk).update(
        prenotato=F("prenotato") + prenotato, utilizzato=F("utilizzato") + utilizzato, stato=stato
    )
    codice.stato = stato
    MovimentoCodice.objects.create(
        codice=codice,
        tipo=tipo,
        delta_prenotato=prenotato,
        delta_utilizzato=utilizzato,
        riferimento=riferimento,
    )
