"""Protocol numbers of the web channel: `INPS-BP-{anno}-{numero:07d}`, unique and increasing per bando.

PostgreSQL: one sequence per bando, `domande_protocollo_<pk>`, created on first use (START WITH
`Bando.ultimo_protocollo + 1`, so a bando numbered by the old row counter goes on from where it was).
`nextval` never waits for another transaction, so two submissions in the same bando never queue on each
other: the old counter (an UPDATE of the bando row) held the row's lock until commit, ~3 ms per domanda,
which capped a bando at ~350 domande/s however many servers ran.

What a sequence does not give: numbers without gaps. A number taken by a submission that then rolls back
(a double click, a beneficiary already present, a lock timeout) is never reused; numbers increase in the
order they are taken, and two submissions may commit in the other order. The protocol only has to identify
the domanda: the graduatoria orders by ISEE and submission time, never by protocol.

SQLite (`make run` only): no sequences; the bando's `ultimo_protocollo` column is the counter, and
SQLite's single writer serialises the submissions anyway.

The bulk channel (import_domande) brings its own protocols and takes no number here; the importer refuses
protocols with the web channel's prefix, so the two can never collide.
"""

from django.conf import settings
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.db.models import F

from .models import Bando

PREFISSO = "INPS-BP-"


class SequenzaMancante(Exception):
    """The bando's sequence does not exist yet: roll back, `crea_sequenza`, retry."""


def protocollo(bando: Bando, numero: int) -> str:
    return f"{PREFISSO}{bando.anno}-{numero:07d}"


def nome_sequenza(bando_id: int) -> str:
    return f"domande_protocollo_{int(bando_id)}"


def _sequenza_mancante(exc: Exception) -> bool:
    # 42P01 undefined_table: what nextval('...') raises for a sequence that does not exist.
    return getattr(exc.__cause__, "sqlstate", None) == "42P01"


def blocca_e_numera(bando: Bando):
    """Inside the submission's transaction: take a SHARED lock on the bando row and the next number.

    Returns (graduatoria_pubblicata_il as read under the lock, numero). FOR SHARE never conflicts with
    another FOR SHARE, so concurrent submissions do not wait on each other; it does conflict with the
    FOR UPDATE / UPDATE of the publication (and of calcola_graduatorie and import_domande): a submission
    either commits before those see the bando row, or waits and reads the bando as they left it.
    One statement: nextval is evaluated even when the bando turns out to be published (a gap, harmless
    since a published bando takes no more domande). On PostgreSQL it is sent together with the
    `SET LOCAL lock_timeout` of apps.core.locking.limita_attesa, in one round trip (simple protocol: the
    values are ours — the bando's integer pk, its sequence's name, the setting —, never user input)."""
    tabella = Bando._meta.db_table
    if connection.vendor != "postgresql":
        # SQLite: the UPDATE takes the database's only write lock, held until commit.
        Bando.objects.filter(pk=bando.pk).update(ultimo_protocollo=F("ultimo_protocollo") + 1)
        return Bando.objects.values_list("graduatoria_pubblicata_il", "ultimo_protocollo").get(pk=bando.pk)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SET LOCAL lock_timeout = '{int(settings.LOCK_TIMEOUT_MS)}ms'; "
                f"SELECT graduatoria_pubblicata_il, nextval('{nome_sequenza(int(bando.pk))}') "
                f"FROM {tabella} WHERE id = {int(bando.pk)} FOR SHARE"
            )
            cursor.nextset()
            return cursor.fetchone()
    except ProgrammingError as exc:
        if _sequenza_mancante(exc):
            raise SequenzaMancante from exc
        raise


def crea_sequenza(bando: Bando) -> None:
    """Create the bando's sequence if missing, going on from the old counter. Safe when two processes
    do it at once: the second one's CREATE waits for the first's commit and then fails on the catalog's
    unique index; that failure only means the sequence now exists."""
    if connection.vendor != "postgresql":
        return
    inizio = Bando.objects.values_list("ultimo_protocollo", flat=True).get(pk=bando.pk) + 1
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # DDL takes no bound parameters: both values are integers formatted here.
            sequenza = nome_sequenza(bando.pk)
            cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {sequenza} START WITH {int(inizio)}")
    except IntegrityError:
        pass


def nuovo_numero(bando: Bando) -> int:
    """The next number outside the web submission (the demo data): creates the sequence when missing."""
    try:
        with transaction.atomic():  # a savepoint: the missing sequence aborts only this statement
            return blocca_e_numera(bando)[1]
    except SequenzaMancante:
        crea_sequenza(bando)
        return blocca_e_numera(bando)[1]


def ultimo_numero(bando: Bando) -> int:
    """The last number handed out in the bando (0 when none): for reports and tests."""
    if connection.vendor != "postgresql":
        return Bando.objects.values_list("ultimo_protocollo", flat=True).get(pk=bando.pk)
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [nome_sequenza(bando.pk)])
        if not cursor.fetchone()[0]:
            return Bando.objects.values_list("ultimo_protocollo", flat=True).get(pk=bando.pk)
        cursor.execute(f"SELECT last_value, is_called FROM {nome_sequenza(bando.pk)}")
        last_value, is_called = cursor.fetchone()
    return last_value if is_called else last_value - 1
