"""Two operators publish the same bando at the same moment: codes (money) are assigned once.

Real parallel transactions on PostgreSQL, one thread and one connection each. A barrier placed
after the state checks, right before the codes are created, shows how many publications got past
the checks. With the row locks of the service only one does; the control, with the locks
disabled, shows the race is real: both pass the checks and only the database's unique key on
the code's domanda stops the second one.
"""

import contextlib
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import QuerySet

from apps.codici.models import CodiceUnivoco
from apps.core.exceptions import DomainError
from apps.graduatorie import services
from tests.factories import BandoFactory, BudgetFactory, DomandaFactory, regione

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def bando():
    bando = BandoFactory(anno=2093)
    BudgetFactory(bando=bando, regione=regione("120"), importo=Decimal("3000.00"))
    for n, isee in enumerate(["1000.00", "5000.00", "20000.00", "45000.00"]):
        DomandaFactory(bando=bando, protocollo=f"C-{n}", isee=Decimal(isee))
    services.calcola_graduatorie(bando)
    return bando


def publish_twice_at_once(bando, monkeypatch) -> tuple[list, int]:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    barrier = threading.Barrier(2)
    passed_checks = []
    crea_codici = services.crea_codici

    def crea_codici_after_barrier(*args, **kwargs):
        passed_checks.append(threading.get_ident())
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=3)  # the other publication, if it got past the checks too
        return crea_codici(*args, **kwargs)

    monkeypatch.setattr(services, "crea_codici", crea_codici_after_barrier)
    outcomes = []

    def publish():
        try:
            services.pubblica_graduatorie(bando)
            outcomes.append("pubblicata")
        except DomainError:
            outcomes.append("rifiutata")
        except Exception as exc:  # the control's unique-key violation
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return sorted(outcomes), len(passed_checks)


def test_concurrent_publications_assign_codes_once(bando, monkeypatch):
    outcomes, passed_checks = publish_twice_at_once(bando, monkeypatch)
    assert outcomes == ["pubblicata", "rifiutata"]
    assert passed_checks == 1
    assert CodiceUnivoco.objects.filter(domanda__bando=bando).count() == 2  # 1500 + 1500 of 3000


def test_control_without_locks_both_publications_pass_the_checks(bando, monkeypatch):
    monkeypatch.setattr(QuerySet, "select_for_update", lambda self, *a, **kw: self)
    outcomes, passed_checks = publish_twice_at_once(bando, monkeypatch)
    assert passed_checks == 2  # the race happens: both saw a publishable graduatoria
    # Only the unique key on the code's domanda stopped the second one from assigning money again.
    assert outcomes == ["IntegrityError", "pubblicata"]
