"""Property: the set-based SQL ranking equals DESIGN.md's walk, written as plain Python."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.domande.models import Domanda
from apps.graduatorie.models import Esito, Posizione
from apps.graduatorie.services import calcola_graduatorie
from tests.factories import BandoFactory, BudgetFactory, DomandaFactory, regione

REGIONI = ["030", "120", "150"]
CENT = Decimal("0.01")
EDGES = [Decimal(x) for x in ["0.00", "14999.99", "15000.00", "30000.00", "30000.01", "50000.00", "50000.01"]]

isee = st.one_of(
    st.sampled_from(EDGES),
    st.sampled_from([Decimal("8000.00"), Decimal("20000.00"), Decimal("40000.00")]),  # frequent ties
    st.integers(0, 5_000_000).map(lambda c: Decimal(c) * CENT),
)
domanda = st.fixed_dictionaries(
    {
        "regione": st.sampled_from(["030", "120", "120", "120", "150"]),
        "isee": isee,
        # Minutes from the opening; negative ones and those past the end are out of the window.
        "minuti": st.one_of(st.sampled_from([-1, 0, 60, 60, 120]), st.integers(0, 60 * 24 * 60)),
        "dpr": st.sampled_from([True] * 9 + [False]),
        "difforme": st.sampled_from([None] * 9 + ["in_tempo", "tardi", "mai"]),
    }
)
# Budgets around the sums of a few amounts (multiples of 500), exactly, a cent more, or half-way.
budget = st.one_of(
    st.just(Decimal("0.00")),
    st.builds(
        lambda n, resto: Decimal(500 * n) + resto,
        st.integers(0, 24),
        st.sampled_from([Decimal("0.00"), Decimal("0.01"), Decimal("250.00"), Decimal("499.99")]),
    ),
    st.integers(0, 1_500_000).map(lambda c: Decimal(c) * CENT),
)


def reference(bando, domande: list[Domanda], budgets: dict[str, Decimal]) -> dict[str, tuple]:
    """DESIGN.md, literally: exclude, sort, walk the list subtracting from B."""
    risultato = {}
    ammesse = []
    esclusi = {r.pk for r in bando.territori_esclusi.all()}
    for d in domande:
        fuori = not bando.in_finestra(d.presentata_il) or d.regione_id in esclusi
        if not d.dichiarazione_dpr445 or fuori or d.isee > bando.isee_massimo:
            risultato[d.protocollo] = (None, Esito.INAMMISSIBILE, Decimal("0.00"))
        elif d.isee_difforme and (
            d.isee_regolarizzato_il is None or d.isee_regolarizzato_il > bando.termine_regolarizzazione
        ):
            risultato[d.protocollo] = (None, Esito.IMPROCEDIBILE, Decimal("0.00"))
        else:
            ammesse.append(d)
    for regione_id in REGIONI:
        b = budgets.get(regione_id, Decimal("0.00"))
        ordinate = sorted(
            (d for d in ammesse if d.regione_id == regione_id),
            # .timestamp(): two aware datetimes with the same tzinfo compare by wall clock in Python,
            # which is wrong across the daylight-saving change; the database compares instants.
            key=lambda d: (d.isee, d.presentata_il.timestamp(), d.protocollo),
        )
        for pos, d in enumerate(ordinate, start=1):
            importo = bando.importo_per_isee(d.isee)
            if importo <= b:
                risultato[d.protocollo] = (pos, Esito.ACCOLTA, importo)
                b -= importo
            elif b > 0:
                risultato[d.protocollo] = (pos, Esito.PARZIALMENTE_ACCOLTA, b)
                b = Decimal("0.00")
            else:
                risultato[d.protocollo] = (pos, Esito.NON_ACCOLTA_PROVVISORIA, Decimal("0.00"))
    return risultato


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    domande=st.lists(domanda, max_size=30),
    budgets=st.fixed_dictionaries(dict.fromkeys(REGIONI[:2], budget)),  # 150 has no budget row at all
    escludi_campania=st.booleans(),
)
def test_sql_ranking_equals_the_plain_python_walk(domande, budgets, escludi_campania):
    with transaction.atomic():
        bando = BandoFactory(anno=2097, apertura=dt.date(2026, 3, 29), chiusura=dt.date(2026, 5, 31))
        if escludi_campania:
            bando.territori_esclusi.add(regione("150"))
        for codice, importo in budgets.items():
            BudgetFactory(bando=bando, regione=regione(codice), importo=importo)
        termine = bando.termine_regolarizzazione
        regolarizzazione = {
            None: (False, None), "in_tempo": (True, termine),
            "tardi": (True, termine + dt.timedelta(days=1)), "mai": (True, None),
        }  # fmt: skip
        create = []
        for n, spec in enumerate(domande):
            difforme, regolarizzato = regolarizzazione[spec["difforme"]]
            create.append(
                DomandaFactory(
                    bando=bando,
                    protocollo=f"P-{n:04d}",
                    regione=regione(spec["regione"]),
                    isee=spec["isee"],
                    # Real minutes: arithmetic in UTC (Rome's wall clock skips an hour on 29/03/2026).
                    presentata_il=bando.inizio_finestra.astimezone(dt.UTC)
                    + dt.timedelta(minutes=spec["minuti"]),
                    dichiarazione_dpr445=spec["dpr"],
                    isee_difforme=difforme,
                    isee_regolarizzato_il=regolarizzato,
                )  # fmt: skip
            )
        calcola_graduatorie(bando)
        ottenuto = {
            protocollo: (pos, esito, importo)
            for protocollo, pos, esito, importo in Posizione.objects.filter(
                graduatoria__bando=bando
            ).values_list("domanda__protocollo", "posizione", "esito", "importo_assegnato")
        }
        assert ottenuto == reference(bando, create, budgets)
        transaction.set_rollback(True)
