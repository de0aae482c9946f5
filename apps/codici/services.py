"""Writes on codes. Every change of an amount appends a MovimentoCodice in the same transaction."""

import datetime as dt
import secrets
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.core.locking import limita_attesa
from apps.domande.models import Domanda

from .models import ALFABETO, LUNGHEZZA, CodiceUnivoco, MovimentoCodice, MovimentoFondo

# States in which a code can no longer spend: whatever is released on it goes to the region's pool.
NON_SPENDIBILI = (CodiceUnivoco.Stato.SCADUTO, CodiceUnivoco.Stato.DECADUTO, CodiceUnivoco.Stato.ANNULLATO)

# The pool's column (Graduatoria.assegnato) belongs to graduatorie, a layer above this one: it registers
# here, when the app starts, the function that moves it (apps.graduatorie.apps). (bando_id, regione_id,
# delta of the pool) → None; called inside the transaction that writes the MovimentoFondo.
_aggiorna_fondo: Callable[[int, str, Decimal], None] | None = None


def registra_fondo(funzione: Callable[[int, str, Decimal], None]) -> None:
    global _aggiorna_fondo
    _aggiorna_fondo = funzione


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


# Bytes of a version-4 UUID that are wholly random in their low five bits: byte 6 carries the version
# (0100xxxx: its bit 4 is always 0), byte 8 the variant only in its two high bits.
_BYTE_CASUALI = (0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12)
assert len(_BYTE_CASUALI) == LUNGHEZZA and len(ALFABETO) == 32  # 256 % 32 == 0: each letter equally likely


def _codice_sql(colonna: str) -> str:
    """SQL of a new code from the random bytes in `colonna` (uuid_send(gen_random_uuid()): PostgreSQL's
    pg_strong_random, a cryptographic source like `secrets`): LUNGHEZZA letters of ALFABETO."""
    return " || ".join(f"substr(%(alfabeto)s, 1 + get_byte({colonna}, {k}) %% 32, 1)" for k in _BYTE_CASUALI)


def crea_codici_da_sql(
    select_sql: str,
    params: dict,
    valido_dal: dt.date,
    valido_fino_al: dt.date,
    prima_seduta_entro: dt.date | None,
    riferimento: str = "",
) -> int:
    """One code per row (domanda_id, importo) of `select_sql`, with its ASSEGNAZIONE movement: what
    `crea_codici` does, set-based. On PostgreSQL the database draws the codes and writes codes and movements
    in one statement (a clash with an existing code is skipped and drawn again; a domanda that already has
    a code raises IntegrityError as before); elsewhere (SQLite, `make run`) the rows go through crea_codici.
    Returns how many."""
    from django.db import connection

    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(select_sql, params)
            righe = [(d, Decimal(i)) for d, i in cursor.fetchall()]
        return crea_codici(righe, valido_dal, valido_fino_al, prima_seduta_entro, riferimento)
    c, m = CodiceUnivoco._meta.db_table, MovimentoCodice._meta.db_table
    ops = connection.ops
    valori = {
        "alfabeto": ALFABETO,
        "dal": ops.adapt_datefield_value(valido_dal),
        "al": ops.adapt_datefield_value(valido_fino_al),
        "entro": ops.adapt_datefield_value(prima_seduta_entro),
        "adesso": ops.adapt_datetimefield_value(timezone.now()),
        "rif": riferimento,
        "attivo": CodiceUnivoco.Stato.ATTIVO.value,
        "assegnazione": MovimentoCodice.Tipo.ASSEGNAZIONE.value,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS codici_da_creare")
        cursor.execute(
            "CREATE TEMP TABLE codici_da_creare (n serial, domanda_id bigint, importo numeric(12, 2)) "
            "ON COMMIT DROP"
        )
        cursor.execute(f"INSERT INTO codici_da_creare (domanda_id, importo) {select_sql}", params)
        attesi, creati = cursor.rowcount, 0
        for tentativo in range(10):
            # First pass: every row (a domanda with a code already breaks the unique key, as bulk_create
            # did). Then only the rows whose drawn code clashed with an existing one.
            ancora = f"WHERE NOT EXISTS (SELECT 1 FROM {c} e WHERE e.domanda_id = x.domanda_id)"
            cursor.execute(
                f"""WITH nuovi AS (
                        INSERT INTO {c} (codice, domanda_id, assegnato, prenotato, utilizzato, stato,
                            valido_dal, valido_fino_al, prima_seduta_entro, creato_il)
                        SELECT {_codice_sql("x.r")}, x.domanda_id, x.importo, 0, 0, %(attivo)s, %(dal)s,
                            %(al)s, %(entro)s, %(adesso)s
                        FROM (SELECT t.n, t.domanda_id, t.importo, uuid_send(gen_random_uuid()) AS r
                              FROM codici_da_creare t) x
                        {ancora if tentativo else ""}
                        ORDER BY x.n
                        ON CONFLICT (codice) DO NOTHING
                        RETURNING id, assegnato)
                    INSERT INTO {m} (codice_id, tipo, delta_assegnato, delta_prenotato, delta_utilizzato,
                        riferimento, creato_il)
                    SELECT id, %(assegnazione)s, assegnato, 0, 0, %(rif)s, %(adesso)s
                    FROM nuovi ORDER BY id""",
                valori,
            )
            creati += cursor.rowcount
            if creati == attesi:
                break
        else:
            raise RuntimeError(f"crea_codici_da_sql: {attesi - creati} codici non generati")
        cursor.execute("DROP TABLE codici_da_creare")
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
    assegnato: Decimal = Decimal("0.00"),
    prenotato: Decimal = Decimal("0.00"),
    utilizzato: Decimal = Decimal("0.00"),
    riferimento: str = "",
) -> None:
    """Apply deltas to a code locked with `blocca_codice`, append the movement, update the state.

    The UPDATE uses F() so the database adds to what it holds; its CheckConstraint refuses any
    overspending even if a caller forgot the lock.

    On a code that can no longer spend (scaduto, decaduto, annullato) a release never stays on the code:
    the residuo it leaves goes back to the region's pool in the same transaction (`restituisci_al_fondo`)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("muovi_importi va chiamata dentro una transazione, col codice bloccato")
    codice.assegnato += assegnato
    codice.prenotato += prenotato
    codice.utilizzato += utilizzato
    stato = codice.stato
    if stato == CodiceUnivoco.Stato.ATTIVO and codice.residuo == 0:
        stato = CodiceUnivoco.Stato.ESAURITO
    elif stato == CodiceUnivoco.Stato.ESAURITO and codice.residuo > 0:
        stato = CodiceUnivoco.Stato.ATTIVO
    CodiceUnivoco.objects.filter(pk=codice.pk).update(
        assegnato=F("assegnato") + assegnato,
        prenotato=F("prenotato") + prenotato,
        utilizzato=F("utilizzato") + utilizzato,
        stato=stato,
    )
    codice.stato = stato
    MovimentoCodice.objects.create(
        codice=codice,
        tipo=tipo,
        delta_assegnato=assegnato,
        delta_prenotato=prenotato,
        delta_utilizzato=utilizzato,
        riferimento=riferimento,
    )
    if stato in NON_SPENDIBILI and codice.residuo > 0:
        restituisci_al_fondo(codice, codice.residuo, MovimentoFondo.Causale.RILASCIO, riferimento)


def muovi_fondo(
    codice: CodiceUnivoco, delta: Decimal, causale: str, riferimento: str = "", adesso=None
) -> MovimentoFondo:
    """Move the pool of the code's region and bando by `delta` (> 0: back to the pool), with its ledger row.
    Inside the transaction of the code's own movement."""
    bando_id, regione_id = Domanda.objects.values_list("bando_id", "regione_id").get(pk=codice.domanda_id)
    if _aggiorna_fondo is None:
        raise RuntimeError("Nessun fondo regionale registrato (apps.graduatorie non è installata?)")
    _aggiorna_fondo(bando_id, regione_id, delta)
    return MovimentoFondo.objects.create(
        bando_id=bando_id,
        regione_id=regione_id,
        delta=delta,
        causale=causale,
        codice=codice,
        riferimento=riferimento,
        creato_il=adesso or timezone.now(),
    )


def restituisci_al_fondo(
    codice: CodiceUnivoco, importo: Decimal, causale: str, riferimento: str = ""
) -> None:
    """Give `importo` of the code's residuo back to its region's pool: the code's `assegnato` shrinks
    (RESTITUZIONE), the pool grows (MovimentoFondo), one transaction. The code is locked by the caller."""
    if importo <= 0:
        return
    muovi_importi(codice, MovimentoCodice.Tipo.RESTITUZIONE, assegnato=-importo, riferimento=riferimento)
    muovi_fondo(codice, importo, causale, riferimento)
