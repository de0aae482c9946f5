"""Web submissions racing each other and the publication: real parallel transactions on PostgreSQL.

Each submission runs in its own thread and connection. A submission is held open at a chosen point
(after its checks, or inside its transaction right before commit) by events, so the interleaving is
forced, not hoped for. Every test has a control that puts back what the fix removed (the unlocked
check, the old row counter) and must see the race, or the wait, happen.
"""

import threading
import time
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone

from apps.core.exceptions import DomainError
from apps.core.locking import SERVIZIO_OCCUPATO, limita_attesa
from apps.domande import protocolli, services
from apps.domande.models import Bando, Domanda
from apps.graduatorie.models import Graduatoria
from apps.graduatorie.services import calcola_graduatorie, pubblica_graduatorie
from tests.factories import (
    AttestazioneIseeFactory,
    BandoFactory,
    BudgetFactory,
    DomandaFactory,
    UserFactory,
    provincia,
    regione,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("concorrenza")]

ATTESA = 10  # seconds: the most any event wait may take before the test fails instead of hanging


@pytest.fixture(autouse=True)
def _solo_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("row locks and real parallel transactions need PostgreSQL")


@pytest.fixture
def bando():
    """An open bando with one domanda already ranked: it can be published at any moment."""
    bando = BandoFactory(anno=2094)
    BudgetFactory(bando=bando, regione=regione("120"), importo=Decimal("3000.00"))
    DomandaFactory(bando=bando, protocollo="C-1", isee=Decimal("1000.00"))
    calcola_graduatorie(bando)
    return bando


def cittadino(nome):
    user = UserFactory(nome=nome)
    AttestazioneIseeFactory(codice_fiscale=user.codice_fiscale)
    return user


def presenta(user, bando):
    return services.presenta_domanda(
        user,
        bando,
        cf_beneficiario=user.codice_fiscale,
        relazione=Domanda.Relazione.SE_STESSO,
        provincia=provincia("RM", "120"),
        email="x@example.org",
        cellulare="",
        dichiarazione=True,
        chiave_invio=uuid.uuid4(),
    )


def presenta_col_token(user, bando):
    """The page's path: the riepilogo's token, so that the confirm runs only _verificata's checks."""
    dati = {
        "cf_beneficiario": user.codice_fiscale, "relazione": Domanda.Relazione.SE_STESSO,
        "provincia": provincia("RM", "120"), "email": "x@example.org", "cellulare": "", "dichiarazione": True,
    }  # fmt: skip
    chiave, adesso = uuid.uuid4(), timezone.now()
    token = services.verifica_per_conferma(user, bando, chiave_invio=chiave, adesso=adesso, **dati)[3]
    return services.presenta_domanda(user, bando, chiave_invio=chiave, adesso=adesso, verifica=token, **dati)


# The checks the confirm step runs before its transaction: all of them, or those the token leaves.
PERCORSI = {"verifica_domanda": presenta, "_verificata": presenta_col_token}


class InThread(threading.Thread):
    """Run fn in a thread with its own connection; keep its result or its exception."""

    def __init__(self, fn, *args, name=None):
        super().__init__(name=name, daemon=True)
        self.fn, self.args, self.result, self.error = fn, args, None, None

    def run(self):
        try:
            self.result = self.fn(*self.args)
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            self.error = exc
        finally:
            connection.close()

    def finish(self):
        self.join(timeout=30)
        assert not self.is_alive(), f"{self.name} did not finish"
        return self


def hold_inside_transaction(monkeypatch, thread_name):
    """The submission running in `thread_name` stops inside its transaction, after the INSERT and
    before commit (audit is its last statement), until `release` is set."""
    inside, release = threading.Event(), threading.Event()
    audit = services.audit

    def audit_then_wait(*args, **kwargs):
        audit(*args, **kwargs)
        if threading.current_thread().name == thread_name:
            inside.set()
            assert release.wait(ATTESA)

    monkeypatch.setattr(services, "audit", audit_then_wait)
    return inside, release


def waiting_on_a_lock(query_start: str) -> bool:
    """Whether another backend is waiting for a row lock while running a query starting so."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query LIKE %s",
            [query_start + "%"],
        )
        return cursor.fetchone()[0] > 0


def eventually(condition, seconds=ATTESA) -> bool:
    fine = time.monotonic() + seconds
    while time.monotonic() < fine:
        if condition():
            return True
        time.sleep(0.02)
    return False


def old_counter(bando):
    """What submissions did before: an UPDATE of the bando row, holding its lock until commit, and
    no re-check of the publication under a lock (the lock wait bounded, as everywhere)."""
    limita_attesa()
    Bando.objects.filter(pk=bando.pk).update(ultimo_protocollo=F("ultimo_protocollo") + 1)
    return None, Bando.objects.values_list("ultimo_protocollo", flat=True).get(pk=bando.pk)


def ranked_nowhere(bando):
    return Domanda.objects.filter(bando=bando, posizione__isnull=True)


# --- a submission that passed its checks, then the publication commits -------------------------


def submit_across_a_publication(bando, monkeypatch, controlli="verifica_domanda"):
    """The submission passes its checks before the transaction (verifica_domanda, or with the riepilogo's
    token _verificata: the bando unpublished), then waits while the bando is published and committed,
    then goes on into its transaction."""
    checked, published = threading.Event(), threading.Event()
    verifica = getattr(services, controlli)

    def verifica_then_wait(*args, **kwargs):
        result = verifica(*args, **kwargs)
        if threading.current_thread().name == "submission":
            checked.set()
            assert published.wait(ATTESA)
        return result

    monkeypatch.setattr(services, controlli, verifica_then_wait)
    alice = cittadino("Alice")
    submission = InThread(PERCORSI[controlli], alice, bando, name="submission")
    submission.start()
    assert checked.wait(ATTESA)
    publication = InThread(pubblica_graduatorie, bando, name="publication")
    publication.start()
    publication.finish()
    assert publication.error is None
    published.set()
    return submission.finish()


@pytest.mark.parametrize("controlli", PERCORSI)
def test_a_submission_checked_before_the_publication_is_refused_after_it(bando, monkeypatch, controlli):
    submission = submit_across_a_publication(bando, monkeypatch, controlli)
    assert isinstance(submission.error, DomainError)
    assert "è stata pubblicata il" in submission.error.message
    assert not ranked_nowhere(bando).exists()
    assert Domanda.objects.filter(bando=bando).count() == 1


@pytest.mark.parametrize("controlli", PERCORSI)
def test_control_without_the_recheck_the_domanda_lands_in_the_published_bando(bando, monkeypatch, controlli):
    monkeypatch.setattr(protocolli, "blocca_e_numera", old_counter)
    submission = submit_across_a_publication(bando, monkeypatch, controlli)
    assert submission.error is None
    # The race: a domanda in a published bando, in no graduatoria, so never ranked.
    assert list(ranked_nowhere(bando)) == [submission.result]
    assert Graduatoria.objects.filter(bando=bando, stato=Graduatoria.Stato.PUBBLICATA).exists()


# --- a submission in its transaction when the publication starts -------------------------------


def publish_during_a_submission(bando, monkeypatch):
    """The submission holds its transaction open after the INSERT; the publication starts then."""
    inside, release = hold_inside_transaction(monkeypatch, "submission")
    submission = InThread(presenta, cittadino("Alice"), bando, name="submission")
    submission.start()
    assert inside.wait(ATTESA)
    publication = InThread(pubblica_graduatorie, bando, name="publication")
    publication.start()
    waited = eventually(lambda: waiting_on_a_lock('SELECT "domande_bando"'), seconds=2)
    release.set()
    return submission.finish(), publication.finish(), waited


def test_the_publication_waits_for_the_submission_in_flight_and_then_sees_it_unranked(bando, monkeypatch):
    submission, publication, waited = publish_during_a_submission(bando, monkeypatch)
    assert waited  # the publication's FOR UPDATE queued behind the submission's FOR SHARE
    assert submission.error is None
    assert isinstance(publication.error, DomainError)
    assert "ricalcolarla prima di pubblicarla" in publication.error.message
    assert not Graduatoria.objects.filter(bando=bando, stato=Graduatoria.Stato.PUBBLICATA).exists()
    # Recalculated, the domanda is ranked and the bando can be published.
    calcola_graduatorie(bando)
    pubblica_graduatorie(bando)
    assert not ranked_nowhere(bando).exists()


def test_control_without_the_shared_lock_the_publication_does_not_wait(bando, monkeypatch):
    def number_without_lock(bando):
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s)", [protocolli.nome_sequenza(bando.pk)])
            return None, cursor.fetchone()[0]

    protocolli.crea_sequenza(bando)
    monkeypatch.setattr(protocolli, "blocca_e_numera", number_without_lock)
    submission, publication, waited = publish_during_a_submission(bando, monkeypatch)
    assert not waited
    assert submission.error is None and publication.error is None
    assert list(ranked_nowhere(bando)) == [submission.result]  # the race: committed into a published bando


# --- two submissions in the same bando -----------------------------------------------------------


def submit_while_another_is_open(bando, monkeypatch, settings):
    """A has submitted and not committed; B submits with a short lock_timeout meanwhile."""
    settings.LOCK_TIMEOUT_MS = 300
    protocolli.crea_sequenza(bando)
    inside, release = hold_inside_transaction(monkeypatch, "A")
    a = InThread(presenta, cittadino("Alice"), bando, name="A")
    a.start()
    assert inside.wait(ATTESA)
    try:
        b = InThread(presenta, cittadino("Bob"), bando, name="B")
        b.start()
        b.finish()
        a_still_open = a.is_alive()
        committed_meanwhile = Domanda.objects.filter(bando=bando).count()
    finally:
        release.set()
    return a.finish(), b, a_still_open, committed_meanwhile


def test_two_submissions_in_the_same_bando_do_not_wait_for_each_other(bando, monkeypatch, settings):
    a, b, a_still_open, committed_meanwhile = submit_while_another_is_open(bando, monkeypatch, settings)
    assert a_still_open and b.error is None
    assert committed_meanwhile == 2  # the ranked one and B's, while A was still open
    assert a.error is None
    assert a.result.protocollo != b.result.protocollo
    numeri = sorted(int(d.protocollo.rsplit("-", 1)[1]) for d in (a.result, b.result))
    assert numeri == [1, 2] and protocolli.ultimo_numero(bando) == 2


def test_control_the_old_row_counter_makes_the_second_submission_wait(bando, monkeypatch, settings):
    monkeypatch.setattr(protocolli, "blocca_e_numera", old_counter)
    a, b, a_still_open, committed_meanwhile = submit_while_another_is_open(bando, monkeypatch, settings)
    assert a_still_open
    assert isinstance(b.error, DomainError) and b.error.message == SERVIZIO_OCCUPATO
    assert committed_meanwhile == 1
    assert a.error is None


# --- the bando's first web domanda, from two processes at once -----------------------------------


def test_two_first_submissions_both_create_the_sequence_and_both_commit(bando):
    users = [cittadino("Alice"), cittadino("Bob")]
    via = threading.Barrier(2)

    def first(user):
        via.wait(ATTESA)
        return presenta(user, bando)

    threads = [InThread(first, u, name=f"first-{n}") for n, u in enumerate(users)]
    for t in threads:
        t.start()
    results = [t.finish() for t in threads]
    assert [t.error for t in results] == [None, None]
    assert sorted(t.result.protocollo for t in results) == ["INPS-BP-2094-0000001", "INPS-BP-2094-0000002"]
