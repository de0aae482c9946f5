"""The ranking at its edges, on the real SQL (one INSERT..SELECT per bando)."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from apps.core.exceptions import DomainError
from apps.graduatorie.models import Esito, Graduatoria, Posizione
from apps.graduatorie.services import calcola_graduatorie, pubblica_graduatorie
from tests.factories import AttestazioneIseeFactory, BandoFactory, BudgetFactory, DomandaFactory, regione

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")
D = Decimal


def esiti(bando) -> dict[str, tuple[int | None, str, Decimal]]:
    return {
        p.domanda.protocollo: (p.posizione, p.esito, p.importo_assegnato)
        for p in Posizione.objects.filter(graduatoria__bando=bando).select_related("domanda")
    }


@pytest.fixture
def bando():
    return BandoFactory(
        anno=2090, apertura=dt.date(2026, 3, 29), chiusura=dt.date(2026, 10, 25), giorni_regolarizzazione=15
    )


@pytest.fixture
def lazio(bando):
    return BudgetFactory(bando=bando, regione=regione("120"), importo=D("10000.00"))


def at(bando, hours=12):
    return bando.inizio_finestra + dt.timedelta(hours=hours)


class TestWindow:
    def test_first_instant_in_and_one_microsecond_before_out(self, bando, lazio):
        inizio = dt.datetime(2026, 3, 29, tzinfo=ROME)
        DomandaFactory(bando=bando, protocollo="P-IN", presentata_il=inizio)
        DomandaFactory(bando=bando, protocollo="P-OUT", presentata_il=inizio - dt.timedelta(microseconds=1))
        calcola_graduatorie(bando)
        r = esiti(bando)
        assert r["P-IN"] == (1, Esito.ACCOLTA, D("1500.00"))
        assert r["P-OUT"] == (None, Esito.INAMMISSIBILE, D("0.00"))

    def test_last_second_of_closing_day_in_and_next_midnight_out(self, bando, lazio):
        DomandaFactory(
            bando=bando, protocollo="P-IN", presentata_il=dt.datetime(2026, 10, 25, 23, 59, 59, tzinfo=ROME)
        )
        DomandaFactory(
            bando=bando, protocollo="P-OUT", presentata_il=dt.datetime(2026, 10, 26, 0, 0, tzinfo=ROME)
        )
        calcola_graduatorie(bando)
        r = esiti(bando)
        assert r["P-IN"][1] == Esito.ACCOLTA
        assert r["P-OUT"] == (None, Esito.INAMMISSIBILE, D("0.00"))


class TestRegolarizzazione:
    def test_regularised_on_the_last_day_is_ranked(self, bando, lazio):
        DomandaFactory(
            bando=bando,
            protocollo="P-1",
            isee_difforme=True,
            isee_regolarizzato_il=dt.date(2026, 10, 25) + dt.timedelta(days=15),
        )
        calcola_graduatorie(bando)
        assert esiti(bando)["P-1"] == (1, Esito.ACCOLTA, D("1500.00"))

    def test_regularised_the_day_after_is_improcedibile(self, bando, lazio):
        DomandaFactory(
            bando=bando,
            protocollo="P-1",
            isee_difforme=True,
            isee_regolarizzato_il=dt.date(2026, 10, 25) + dt.timedelta(days=16),
        )
        calcola_graduatorie(bando)
        assert esiti(bando)["P-1"] == (None, Esito.IMPROCEDIBILE, D("0.00"))

    def test_never_regularised_is_improcedibile(self, bando, lazio):
        DomandaFactory(bando=bando, protocollo="P-1", isee_difforme=True, isee_regolarizzato_il=None)
        calcola_graduatorie(bando)
        assert esiti(bando)["P-1"][1] == Esito.IMPROCEDIBILE

    def test_regularisation_recorded_on_the_dsu_after_submission_counts(self, bando, lazio):
        termine = dt.date(2026, 10, 25) + dt.timedelta(days=15)
        in_tempo = AttestazioneIseeFactory(difforme=True, regolarizzata_il=termine)
        tardi = AttestazioneIseeFactory(difforme=True, regolarizzata_il=termine + dt.timedelta(days=1))
        for protocollo, attestazione in (("P-1", in_tempo), ("P-2", tardi)):
            DomandaFactory(
                bando=bando, protocollo=protocollo, isee_difforme=True, attestazione=attestazione,
                cf_beneficiario=attestazione.codice_fiscale,
            )  # fmt: skip
        calcola_graduatorie(bando)
        assert esiti(bando)["P-1"][1] == Esito.ACCOLTA
        assert esiti(bando)["P-2"][1] == Esito.IMPROCEDIBILE

    def test_out_of_window_wins_over_difforme(self, bando, lazio):
        DomandaFactory(
            bando=bando,
            protocollo="P-1",
            isee_difforme=True,
            presentata_il=dt.datetime(2026, 10, 26, 1, 0, tzinfo=ROME),
        )
        calcola_graduatorie(bando)
        assert esiti(bando)["P-1"][1] == Esito.INAMMISSIBILE


class TestInammissibile:
    def test_isee_above_50000_is_inammissibile_and_50000_is_ranked(self, bando, lazio):
        DomandaFactory(bando=bando, protocollo="P-MAX", isee=D("50000.00"))
        DomandaFactory(bando=bando, protocollo="P-OVER", isee=D("50000.01"))
        calcola_graduatorie(bando)
        r = esiti(bando)
        assert r["P-MAX"] == (1, Esito.ACCOLTA, D("500.00"))
        assert r["P-OVER"] == (None, Esito.INAMMISSIBILE, D("0.00"))

    def test_no_dpr445_declaration_is_inammissibile(self, bando, lazio):
        DomandaFactory(bando=bando, protocollo="P-1", dichiarazione_dpr445=False)
        calcola_graduatorie(bando)
        assert esiti(bando)["P-1"][1] == Esito.INAMMISSIBILE

    def test_excluded_territory_is_inammissibile(self, bando, lazio):
        trento = regione("042")
        bando.territori_esclusi.add(trento)
        BudgetFactory(bando=bando, regione=trento, importo=D("5000.00"))
        DomandaFactory(bando=bando, protocollo="P-TN", regione=trento)
        DomandaFactory(bando=bando, protocollo="P-RM")
        calcola_graduatorie(bando)
        r = esiti(bando)
        assert r["P-TN"] == (None, Esito.INAMMISSIBILE, D("0.00"))
        assert r["P-RM"] == (1, Esito.ACCOLTA, D("1500.00"))
        tn = Graduatoria.objects.get(bando=bando, regione=trento)
        assert (tn.assegnato, tn.finanziate, tn.domande_in_graduatoria) == (0, 0, 0)


class TestOrder:
    def test_lower_isee_first_whatever_the_submission_time(self, bando, lazio):
        DomandaFactory(bando=bando, protocollo="P-EARLY", isee=D("20000.00"), presentata_il=at(bando, 1))
        DomandaFactory(bando=bando, protocollo="P-LATE", isee=D("19999.99"), presentata_il=at(bando, 100))
        calcola_graduatorie(bando)
        r = esiti(bando)
        assert r["P-LATE"][0] == 1 and r["P-EARLY"][0] == 2

    def test_same_isee_earlier_submission_first(self, bando, lazio):
        DomandaFactory(bando=bando, protocollo="P-A", isee=D("8000.00"), presentata_il=at(bando, 5))
        DomandaFactory(bando=bando, protocollo="P-B", isee=D("8000.00"), presentata_il=at(bando, 4))
        calcola_graduatorie(bando)
        r = esiti(bando)
        assert r["P-B"][0] == 1 and r["P-A"][0] == 2

    def test_same_isee_and_time_broken_by_protocollo(self, bando, lazio):
        quando = at(bando, 7)
        for p in ["P-0003", "P-0001", "P-0002"]:
            DomandaFactory(bando=bando, protocollo=p, isee=D("8000.00"), presentata_il=quando)
        calcola_graduatorie(bando)
        r = esiti(bando)
        assert [r[p][0] for p in ["P-0001", "P-0002", "P-0003"]] == [1, 2, 3]


class TestBudgetWalk:
    def test_partially_funded_last_then_non_accolta_even_if_amount_would_fit(self, bando):
        BudgetFactory(bando=bando, regione=regione("120"), importo=D("2100.00"))
        DomandaFactory(bando=bando, protocollo="P-1", isee=D("1000.00"))  # A 1500 → accolta, B=600
        DomandaFactory(bando=bando, protocollo="P-2", isee=D("20000.00"))  # B 1000 → parziale 600, B=0
        DomandaFactory(bando=bando, protocollo="P-3", isee=D("40000.00"))  # C 500: would not fit anyway
        calcola_graduatorie(bando)
        r = esiti(bando)
        assert r["P-1"] == (1, Esito.ACCOLTA, D("1500.00"))
        assert r["P-2"] == (2, Esito.PARZIALMENTE_ACCOLTA, D("600.00"))
        assert r["P-3"] == (3, Esito.NON_ACCOLTA_PROVVISORIA, D("0.00"))
        g = Graduatoria.objects.get(bando=bando, regione_id="120")
        assert g.assegnato == D("2100.00")
        assert g.disponibile == D("0.00")
        assert g.finanziate == 2
        assert g.domande_in_graduatoria == 3
        assert g.isee_ultimo_finanziato == D("20000.00")

    def test_after_the_partial_one_a_small_amount_is_not_funded(self, bando):
        # 1500 + 1000 partial (700 left after A) … the C applicant's 500 would fit in 700 but the walk stops.
        BudgetFactory(bando=bando, regione=regione("120"), importo=D("2200.00"))
        DomandaFactory(bando=bando, protocollo="P-1", isee=D("1000.00"))
        DomandaFactory(bando=bando, protocollo="P-2", isee=D("20000.00"))
        DomandaFactory(bando=bando, protocollo="P-3", isee=D("40000.00"))
        calcola_graduatorie(bando)
        r = esiti(bando)
        assert r["P-2"] == (2, Esito.PARZIALMENTE_ACCOLTA, D("700.00"))
        assert r["P-3"] == (3, Esito.NON_ACCOLTA_PROVVISORIA, D("0.00"))

    def test_budget_exactly_consumed_next_is_non_accolta_and_none_partial(self, bando):
        BudgetFactory(bando=bando, regione=regione("120"), importo=D("2500.00"))
        DomandaFactory(bando=bando, protocollo="P-1", isee=D("1000.00"))
        DomandaFactory(bando=bando, protocollo="P-2", isee=D("20000.00"))
        DomandaFactory(bando=bando, protocollo="P-3", isee=D("40000.00"))
        calcola_graduatorie(bando)
        r = esiti(bando)
        assert r["P-1"][1] == r["P-2"][1] == Esito.ACCOLTA
        assert r["P-3"] == (3, Esito.NON_ACCOLTA_PROVVISORIA, D("0.00"))
        assert not Posizione.objects.filter(
            graduatoria__bando=bando, esito=Esito.PARZIALMENTE_ACCOLTA
        ).exists()
        assert Graduatoria.objects.get(bando=bando, regione_id="120").disponibile == 0

    def test_a_remainder_in_cents(self, bando):
        BudgetFactory(bando=bando, regione=regione("120"), importo=D("1500.01"))
        DomandaFactory(bando=bando, protocollo="P-1", isee=D("1000.00"))
        DomandaFactory(bando=bando, protocollo="P-2", isee=D("1000.00"))
        calcola_graduatorie(bando)
        assert esiti(bando)["P-2"] == (2, Esito.PARZIALMENTE_ACCOLTA, D("0.01"))

    def test_region_without_budget_ranks_everyone_non_accolta(self, bando):
        DomandaFactory(bando=bando, protocollo="P-1", regione=regione("150"))
        DomandaFactory(bando=bando, protocollo="P-2", regione=regione("150"))
        calcola_graduatorie(bando)
        r = esiti(bando)
        assert r["P-1"] == (1, Esito.NON_ACCOLTA_PROVVISORIA, D("0.00"))
        assert r["P-2"] == (2, Esito.NON_ACCOLTA_PROVVISORIA, D("0.00"))
        g = Graduatoria.objects.get(bando=bando, regione_id="150")
        assert (g.budget, g.assegnato, g.finanziate, g.isee_ultimo_finanziato) == (0, 0, 0, None)

    def test_regions_are_ranked_separately(self, bando):
        BudgetFactory(bando=bando, regione=regione("120"), importo=D("1500.00"))
        BudgetFactory(bando=bando, regione=regione("030"), importo=D("1500.00"))
        DomandaFactory(bando=bando, protocollo="P-RM", regione=regione("120"))
        DomandaFactory(bando=bando, protocollo="P-MI", regione=regione("030"))
        calcola_graduatorie(bando)
        r = esiti(bando)
        assert r["P-RM"] == r["P-MI"] == (1, Esito.ACCOLTA, D("1500.00"))


class TestGraduatoriaLifecycle:
    def test_empty_region_gets_a_computed_empty_graduatoria(self, reference_data, bando):
        BudgetFactory(bando=bando, regione=regione("120"), importo=D("3000.00"))
        DomandaFactory(bando=bando, protocollo="P-1")
        calcola_graduatorie(bando)
        assert Graduatoria.objects.filter(bando=bando).count() == 21
        vuota = Graduatoria.objects.get(bando=bando, regione_id="010")
        assert vuota.stato == Graduatoria.Stato.CALCOLATA
        assert (vuota.assegnato, vuota.finanziate, vuota.domande_in_graduatoria) == (0, 0, 0)
        assert vuota.isee_ultimo_finanziato is None
        lazio = Graduatoria.objects.get(bando=bando, regione_id="120")
        assert (lazio.budget, lazio.assegnato, lazio.disponibile) == (
            D("3000.00"),
            D("1500.00"),
            D("1500.00"),
        )

    def test_recompute_gives_the_same_result(self, bando, lazio):
        for i in range(8):
            DomandaFactory(bando=bando, isee=D(5000 * i), presentata_il=at(bando, i))
        calcola_graduatorie(bando)
        prima = esiti(bando)
        calcola_graduatorie(bando)
        assert esiti(bando) == prima
        assert Posizione.objects.filter(graduatoria__bando=bando).count() == 8

    def test_recompute_picks_up_a_new_budget(self, bando, lazio):
        DomandaFactory(bando=bando, protocollo="P-1")
        calcola_graduatorie(bando)
        assert esiti(bando)["P-1"][1] == Esito.ACCOLTA
        lazio.importo = D("100.00")
        lazio.save()
        calcola_graduatorie(bando)
        assert esiti(bando)["P-1"] == (1, Esito.PARZIALMENTE_ACCOLTA, D("100.00"))

    def test_recompute_after_publication_is_refused(self, bando, lazio):
        DomandaFactory(bando=bando, protocollo="P-1")
        calcola_graduatorie(bando)
        pubblica_graduatorie(bando, data=dt.date(2026, 12, 1))
        with pytest.raises(DomainError, match="già pubblicata"):
            calcola_graduatorie(bando)
        assert esiti(bando)["P-1"][1] == Esito.ACCOLTA

    def test_publication_before_computing_is_refused(self, bando, lazio):
        with pytest.raises(DomainError, match="Calcolare"):
            pubblica_graduatorie(bando)

    def test_calcola_returns_a_summary_and_writes_audit(self, bando, lazio):
        from apps.core.models import AuditEvent

        DomandaFactory(bando=bando, isee=D("1000.00"))
        DomandaFactory(bando=bando, isee=D("20000.00"))
        riepilogo = calcola_graduatorie(bando)
        assert riepilogo == {"domande": 2, "finanziate": 2, "assegnato": "2500.00"}
        assert (
            AuditEvent.objects.filter(azione="graduatoria.calcolata", oggetto_id=str(bando.pk)).count() == 1
        )
