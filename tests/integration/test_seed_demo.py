"""seed_demo builds the demo world once; a second run changes nothing."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.accounts.demo import DEMO_IDENTITIES
from apps.accounts.models import User
from apps.codici.models import CodiceUnivoco, MovimentoCodice
from apps.core.models import AuditEvent, Notifica
from apps.domande import protocolli
from apps.domande.models import AttestazioneIsee, Bando, BudgetRegionale, Domanda, RappresentanzaLegale
from apps.domande.reference import OPERATORE_GROUP
from apps.fatture.models import Fattura
from apps.graduatorie.models import Esito, Graduatoria, Posizione
from apps.professionisti.models import CanaleAccredito, ImportazioneCnop, Professionista, Studio
from apps.rimborsi.models import FatturaSospesa, LottoRimborsi, Rimborso, TrasferimentoRisorse
from apps.rimborsi.selectors import pagamento_fattura
from apps.sedute.models import Seduta

pytestmark = pytest.mark.django_db

CF = {f"{d.nome} {d.cognome}": d.codice_fiscale for d in DEMO_IDENTITIES}
MARIO, LAURA, GIUSEPPE = CF["Mario Rossi"], CF["Laura Bianchi"], CF["Giuseppe Verdi"]
FRANCESCA, LUCA, ANNA = CF["Francesca Neri"], CF["Luca Gialli"], CF["Anna Bruni"]
PAOLA, MARCO = CF["Paola Neri"], CF["Marco Galli"]
MODELS = [User, AttestazioneIsee, Bando, BudgetRegionale, Domanda, Graduatoria, Posizione, CodiceUnivoco,
          MovimentoCodice, Notifica, AuditEvent, Professionista, Studio, CanaleAccredito,
          ImportazioneCnop, RappresentanzaLegale, Seduta, Fattura, TrasferimentoRisorse, LottoRimborsi,
          Rimborso]  # fmt: skip


def counts():
    return {m.__name__: m.objects.count() for m in MODELS} | {
        "gruppi": User.groups.through.objects.count(),
        "ultimo_protocollo": [protocolli.ultimo_numero(b) for b in Bando.objects.order_by("anno")],
    }


@pytest.fixture
def seeded(capsys):
    call_command("seed_demo")
    return capsys.readouterr().out


def domanda_demo(cf, anno=2098):
    return Domanda.objects.select_related("posizione").get(bando__anno=anno, cf_beneficiario=cf)


def test_running_twice_changes_nothing(seeded):
    prima = counts()
    call_command("seed_demo")
    assert counts() == prima
    assert prima["Domanda"] == 17  # Laura + 13 in the Lazio graduatoria + Marco's 3 patients on 2097
    assert prima["CodiceUnivoco"] == 9
    assert (prima["Professionista"], prima["ImportazioneCnop"], prima["CanaleAccredito"]) == (6, 1, 1)


def test_it_prints_the_demo_identities_with_their_role(seeded):
    for identita in DEMO_IDENTITIES:
        assert identita.codice_fiscale in seeded
    assert "[operatore]" in seeded and "[cittadino]" in seeded and "[psicoterapeuta]" in seeded


def test_it_prints_verdis_code_next_to_him_to_book_on_it(seeded):
    codice = CodiceUnivoco.objects.get(domanda__cf_beneficiario=GIUSEPPE).codice
    riga = next(r for r in seeded.splitlines() if GIUSEPPE in r)
    assert f"codice univoco {codice}" in riga
    assert not any("codice univoco" in r for r in seeded.splitlines() if MARIO in r)


def test_every_demo_citizen_has_an_isee_and_a_user(seeded):
    for identita in DEMO_IDENTITIES:
        user = User.objects.get(codice_fiscale=identita.codice_fiscale)
        assert (user.nome, user.cognome) == (identita.nome, identita.cognome)
        if not (identita.operatore or identita.professionista):
            assert AttestazioneIsee.objects.filter(codice_fiscale=identita.codice_fiscale).exists()
    assert AttestazioneIsee.objects.filter(valore__gt=Decimal("50000.00")).exists()
    assert AttestazioneIsee.objects.filter(difforme=True).exists()


def test_open_demo_bando_contains_today(seeded):
    bando = Bando.objects.get(anno=2099)
    assert bando.demo and bando.nome == "Bando dimostrativo"
    assert bando.in_finestra(timezone.now())
    assert bando.budget.count() == 21


def test_mario_has_no_domanda(seeded):
    assert not Domanda.objects.filter(cf_beneficiario=MARIO).exists()


def test_mario_may_apply_for_his_minor_daughter_giulia(seeded):
    from apps.demo.services import GIULIA
    from apps.domande.services import verifica_domanda

    link = RappresentanzaLegale.objects.get(cf_richiedente=MARIO)
    assert (link.cf_beneficiario, link.tipo, link.valida_al) == (GIULIA, "genitore", None)
    cf, _, attestazione = verifica_domanda(
        User.objects.get(codice_fiscale=MARIO), Bando.objects.get(anno=2099), cf_beneficiario=GIULIA,
        relazione="genitore", provincia="RM", email="mario@example.org", cellulare="", dichiarazione=True,
        adesso=timezone.now(),
    )  # fmt: skip
    assert cf == GIULIA and attestazione.valore == Decimal("12000.00")
    assert RappresentanzaLegale.objects.get(cf_richiedente=LAURA).tipo == "amministratore_sostegno"


def test_laura_is_in_istruttoria_on_the_open_bando(seeded):
    domanda = domanda_demo(LAURA, anno=2099)
    assert domanda.richiedente.codice_fiscale == LAURA
    assert not Posizione.objects.filter(domanda=domanda).exists()


def test_closed_bando_is_published_with_verdi_neri_gialli(seeded):
    bando = Bando.objects.get(anno=2098)
    assert not bando.in_finestra(timezone.now())
    lazio = Graduatoria.objects.get(bando=bando, regione_id="120")
    assert lazio.stato == Graduatoria.Stato.PUBBLICATA
    assert lazio.pubblicata_il == timezone.localdate()
    assert lazio.disponibile == 0

    verdi = domanda_demo(GIUSEPPE)
    assert verdi.posizione.esito == Esito.ACCOLTA
    assert verdi.codice.assegnato == Decimal("1500.00")

    neri = domanda_demo(FRANCESCA)
    assert neri.posizione.esito == Esito.PARZIALMENTE_ACCOLTA
    assert Decimal("0") < neri.codice.assegnato < neri.importo_spettante

    gialli = domanda_demo(LUCA)
    assert gialli.posizione.esito == Esito.NON_ACCOLTA_PROVVISORIA
    assert gialli.posizione.posizione > neri.posizione.posizione
    assert not CodiceUnivoco.objects.filter(domanda=gialli).exists()


def test_anna_is_an_operator_not_a_superuser(seeded):
    anna = User.objects.get(codice_fiscale=ANNA)
    assert anna.is_staff and not anna.is_superuser
    assert anna.groups.filter(name=OPERATORE_GROUP).exists()
    assert anna.has_perm("graduatorie.change_graduatoria")
    assert not User.objects.filter(is_superuser=True).exists()


def test_the_demo_cnop_list_has_paola_without_iban_and_marco_with_one(seeded):
    imp = ImportazioneCnop.objects.get()
    assert (imp.file, imp.esito, imp.nuovi, imp.revocati) == ("cnop_demo.csv", "completata", 6, 2)
    paola = Professionista.objects.get(codice_fiscale=PAOLA)
    marco = Professionista.objects.get(codice_fiscale=MARCO)
    assert paola.puo_prenotare and marco.puo_prenotare
    assert paola.studi.get().da_cnop and marco.studi.get().provincia_id == "RM"
    assert not paola.canali.exists()
    assert marco.canali.get().attuale
    assert Professionista.objects.filter(stato=Professionista.Stato.REVOCATO).count() == 2
    assert not Professionista.objects.filter(
        psicoterapeuta=False, stato=Professionista.Stato.ADERENTE
    ).exists()
    for cf in (PAOLA, MARCO):
        assert User.objects.filter(codice_fiscale=cf).exists()


def test_marco_has_a_paid_a_suspended_and_a_waiting_fattura(seeded):
    fatture = {
        f.regione_id: f
        for f in Fattura.objects.filter(professionista__codice_fiscale=MARCO, bando__anno=2097)
    }
    assert {r: f.stato for r, f in fatture.items()} == {
        "120": Fattura.Stato.RIMBORSATA, "150": Fattura.Stato.SOSPESA, "030": Fattura.Stato.DA_PAGARE,
    }  # fmt: skip
    lotto = LottoRimborsi.objects.get()
    assert lotto.stato == LottoRimborsi.Stato.PAGATO and lotto.mese < timezone.localdate().replace(day=1)
    pagata = pagamento_fattura(fatture["120"])
    assert pagata.mese_lotto == lotto.mese and pagata.pagato_il and "•" in pagata.iban_mascherato
    assert FatturaSospesa.objects.get(lotto=lotto).fattura == fatture["150"]
    assert pagamento_fattura(fatture["150"]).mese_lotto == lotto.mese
    assert fatture["030"].registrata_il.date() == timezone.now().date()
    assert set(TrasferimentoRisorse.objects.values_list("regione_id", flat=True)) == {"120", "030"}
    for fattura in fatture.values():
        assert (fattura.totale, fattura.importo_bonus, fattura.quota_paziente) == (
            Decimal("140.00"), Decimal("100.00"), Decimal("40.00"),
        )  # fmt: skip
    sedute_pagate = Seduta.objects.filter(stato=Seduta.Stato.RIMBORSATA)
    assert sedute_pagate.count() == 2 and all(s.rimborsata_il == pagata.pagato_il for s in sedute_pagate)
