"""An operator changes a bando's rule while another publishes its graduatorie: the publication must use the
rules as they end up, never publish and then see them change.

Real parallel transactions on PostgreSQL, one thread and one connection each. The change passes its
"not yet published" check and then pauses; the publication starts meanwhile. With the service's row lock
on the bando the publication waits for the change to commit and reads the new validity; the control, with
the locks disabled, shows the race: the publication creates codes with the old validity and the change
then lands on a published bando.
"""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import QuerySet

from apps.codici.models import CodiceUnivoco
from apps.domande import services_bando
from apps.domande.models import Bando
from apps.graduatorie import services
from tests.factories import BandoFactory, BudgetFactory, DomandaFactory, regione

pytestmark = pytest.mark.django_db(transaction=True)

OGGI = dt.date(2093, 6, 1)


@pytest.fixture
def bando():
    bando = BandoFactory(anno=2093, giorni_validita=270)
    BudgetFactory(bando=bando, regione=regione("120"), importo=Decimal("3000.00"))
    DomandaFactory(bando=bando, protocollo="C-1", isee=Decimal("1000.00"))
    services.calcola_graduatorie(bando)
    return bando


def change_while_publishing(bando, monkeypatch) -> bool:
    """Returns whether the publication finished while the change was paused after its check."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    checked, published = threading.Event(), threading.Event()
    controlla = services_bando._rifiuta_se_pubblicato

    def check_then_pause(attuale, campi):
        controlla(attuale, campi)
        checked.set()
        published.wait(timeout=1)  # with the lock the publication cannot finish meanwhile

    monkeypatch.setattr(services_bando, "_rifiuta_se_pubblicato", check_then_pause)
    finished_during_pause = []

    def change():
        try:
            modifica = Bando.objects.get(pk=bando.pk)
            modifica.giorni_validita = 300
            services_bando.salva_bando(modifica, None)
            finished_during_pause.append(published.is_set())
        finally:
            connection.close()

    def publish():
        try:
            checked.wait(timeout=5)
            services.pubblica_graduatorie(Bando.objects.get(pk=bando.pk), data=OGGI)
            published.set()
        finally:
            connection.close()

    threads = [threading.Thread(target=change), threading.Thread(target=publish)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return finished_during_pause == [True]


def test_the_publication_waits_for_the_change_and_uses_the_new_rules(bando, monkeypatch):
    assert change_while_publishing(bando, monkeypatch) is False
    codice = CodiceUnivoco.objects.get(domanda__bando=bando)
    assert Bando.objects.get(pk=bando.pk).giorni_validita == 300
    assert codice.valido_fino_al == OGGI + dt.timedelta(days=300)


def test_control_without_locks_the_rule_changes_after_the_publication(bando, monkeypatch):
    monkeypatch.setattr(QuerySet, "select_for_update", lambda self, *a, **kw: self)
    assert change_while_publishing(bando, monkeypatch) is True
    codice = CodiceUnivoco.objects.get(domanda__bando=bando)
    # The race: codes published with the old validity, and the bando now says otherwise.
    assert codice.valido_fino_al == OGGI + dt.timedelta(days=270)
    assert Bando.objects.get(pk=bando.pk).giorni_validita == 300
