"""Acting for someone else needs a verified link (RappresentanzaLegale), checked before anything that
reveals the beneficiary; every refusal is the same message."""

import datetime as dt
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from stdnum.it import codicefiscale

from apps.core.exceptions import DomainError
from apps.domande.models import Domanda, RappresentanzaLegale
from apps.domande.selectors import cerca_rappresentanza
from apps.domande.services import RAPPRESENTANZA_NON_VERIFICATA, presenta_domanda, verifica_domanda
from tests.factories import (
    AttestazioneIseeFactory,
    BandoFactory,
    DomandaFactory,
    RappresentanzaFactory,
    UserFactory,
    make_cf,
    provincia,
)

ROME = ZoneInfo("Europe/Rome")
pytestmark = pytest.mark.django_db

DENTRO = dt.datetime(2026, 5, 4, 10, 0, tzinfo=ROME)
GIORNO = DENTRO.date()
FIGLIO = make_cf(70001, nato_il=dt.date(2015, 1, 1))
ADULTO = make_cf(70002)
T = RappresentanzaLegale.Tipo


@pytest.fixture
def bando():
    return BandoFactory(anno=2927, apertura=dt.date(2026, 3, 29), chiusura=dt.date(2026, 10, 25))


@pytest.fixture
def alice():
    return UserFactory(nome="Alice")


def link(richiedente, beneficiario=FIGLIO, tipo=T.GENITORE, **kw):
    kw.setdefault("valida_dal", dt.date(2025, 1, 1))
    return RappresentanzaFactory(
        cf_richiedente=richiedente.codice_fiscale, cf_beneficiario=beneficiario, tipo=tipo, **kw
    )


def isee(cf, valore="12000.00", **kw):
    return AttestazioneIseeFactory(
        codice_fiscale=cf, valore=Decimal(valore), rilasciata_il=dt.date(2026, 1, 15),
        valida_fino_al=dt.date(2026, 12, 31), **kw,
    )  # fmt: skip


def verifica(user, bando, cf=FIGLIO, relazione=T.GENITORE, adesso=DENTRO):
    return verifica_domanda(
        user, bando, cf_beneficiario=cf, relazione=relazione, provincia=provincia("RM", "120"),
        email="alice@example.org", cellulare="", dichiarazione=True, adesso=adesso,
    )  # fmt: skip


def rifiuto(user, bando, **kw) -> DomainError:
    with pytest.raises(DomainError) as exc:
        verifica(user, bando, **kw)
    return exc.value


def test_a_parent_with_a_verified_link_applies_for_the_minor_child(alice, bando):
    link(alice)
    att = isee(FIGLIO, "14999.99")
    assert verifica(alice, bando)[2] == att
    domanda = presenta_domanda(
        alice, bando, cf_beneficiario=FIGLIO.lower(), relazione=T.GENITORE, provincia="RM",
        email="alice@example.org", cellulare="", dichiarazione=True, chiave_invio=uuid.uuid4(), adesso=DENTRO,
    )  # fmt: skip
    assert domanda.cf_beneficiario == FIGLIO and domanda.relazione == "genitore"


@pytest.mark.parametrize("tipo", [T.TUTORE, T.CURATORE, T.AMMINISTRATORE_SOSTEGNO])
def test_a_tutore_curatore_or_amministratore_acts_for_an_adult(alice, bando, tipo):
    link(alice, ADULTO, tipo)
    isee(ADULTO)
    assert verifica(alice, bando, cf=ADULTO, relazione=tipo)[0] == ADULTO


def test_a_tutore_acts_for_a_minor_too(alice, bando):
    link(alice, FIGLIO, T.TUTORE)
    isee(FIGLIO)
    assert verifica(alice, bando, relazione=T.TUTORE)[0] == FIGLIO


def test_an_affidatario_of_a_minor(alice, bando):
    link(alice, FIGLIO, T.AFFIDATARIO)
    isee(FIGLIO)
    assert verifica(alice, bando, relazione=T.AFFIDATARIO)[0] == FIGLIO


def test_the_link_is_valid_on_its_first_and_last_day(alice, bando):
    link(alice, valida_dal=GIORNO, valida_al=GIORNO)
    isee(FIGLIO)
    assert verifica(alice, bando)[0] == FIGLIO


def test_an_omocodic_childs_code(alice, bando):
    base = "RSSGLI15A41H5LM"  # the place code's last two digits replaced (omocodia)
    omocodico = base + codicefiscale.calc_check_digit(base)
    link(alice, omocodico)
    isee(omocodico)
    assert verifica(alice, bando, cf=omocodico)[0] == omocodico


# --- every refusal: the same message, before anything about the beneficiary --------------------------


def _nessun_link(alice):
    pass


def _scaduto(alice):
    link(alice, valida_al=GIORNO - dt.timedelta(days=1))


def _non_ancora_valido(alice):
    link(alice, valida_dal=GIORNO + dt.timedelta(days=1))


def _altro_tipo(alice):
    link(alice, tipo=T.TUTORE)


def _altro_tipo_per_minori(alice):
    link(alice, tipo=T.AFFIDATARIO)


def _di_un_altro_richiedente(alice):
    link(UserFactory())


def _genitore_di_un_adulto(alice):
    link(alice, ADULTO)


CASI = {
    "nessun-link": (_nessun_link, FIGLIO),
    "scaduto-ieri": (_scaduto, FIGLIO),
    "valido-da-domani": (_non_ancora_valido, FIGLIO),
    "link-tutore": (_altro_tipo, FIGLIO),
    "link-affidatario": (_altro_tipo_per_minori, FIGLIO),
    "link-di-un-altro": (_di_un_altro_richiedente, FIGLIO),
    "genitore-di-un-adulto": (_genitore_di_un_adulto, ADULTO),
}


def _gia_presentata(bando, cf):
    isee(cf)
    DomandaFactory(bando=bando, cf_beneficiario=cf, cf_richiedente=make_cf())


def _isee_oltre_limite(bando, cf):
    isee(cf, "58000.00")


def _isee_valido(bando, cf):
    isee(cf, "7000.00")


def _senza_isee(bando, cf):
    pass


BENEFICIARIO = {
    "gia-presentata": _gia_presentata,
    "isee-oltre-limite": _isee_oltre_limite,
    "isee-valido": _isee_valido,
    "senza-isee": _senza_isee,
}


@pytest.mark.parametrize("caso", CASI)
@pytest.mark.parametrize("stato", BENEFICIARIO)
def test_without_a_verified_link_one_message_that_tells_nothing(alice, bando, caso, stato):
    prepara, cf = CASI[caso]
    prepara(alice)
    BENEFICIARIO[stato](bando, cf)
    errore = rifiuto(alice, bando, cf=cf)
    assert (str(errore.message), errore.field) == (str(RAPPRESENTANZA_NON_VERIFICATA), "cf_beneficiario")
    assert "58.000" not in errore.message and "ISEE valida" not in errore.message


def test_presenta_domanda_refuses_too_and_writes_nothing(alice, bando):
    isee(FIGLIO)
    with pytest.raises(DomainError) as exc:
        presenta_domanda(
            alice, bando, cf_beneficiario=FIGLIO, relazione=T.GENITORE, provincia="RM", email="a@example.org",
            cellulare="", dichiarazione=True, chiave_invio=uuid.uuid4(), adesso=DENTRO,
        )  # fmt: skip
    assert exc.value.message == RAPPRESENTANZA_NON_VERIFICATA
    assert not Domanda.objects.exists()


class TestComingOfAge:
    """A parent's link holds while the child is under 18 on the submission day (Europe/Rome)."""

    def _figlio(self, alice, nato_il):
        cf = make_cf(70100 + nato_il.day, nato_il=nato_il)
        link(alice, cf)
        isee(cf)
        return cf

    def test_the_day_before_the_18th_birthday(self, alice, bando):
        cf = self._figlio(alice, dt.date(2008, 5, 5))
        assert verifica(alice, bando, cf=cf)[0] == cf

    @pytest.mark.parametrize(
        "nato_il", [dt.date(2008, 5, 4), dt.date(2008, 5, 3)], ids=["18-anni", "giorno-dopo"]
    )
    def test_on_and_after_the_18th_birthday(self, alice, bando, nato_il):
        cf = self._figlio(alice, nato_il)
        assert rifiuto(alice, bando, cf=cf).message == RAPPRESENTANZA_NON_VERIFICATA

    def test_the_day_is_the_italian_one(self, alice, bando):
        """00:30 in Rome on the 18th birthday is still the day before in UTC: already of age."""
        cf = self._figlio(alice, dt.date(2008, 5, 4))
        adesso = dt.datetime(2026, 5, 3, 22, 30, tzinfo=dt.UTC)
        assert rifiuto(alice, bando, cf=cf, adesso=adesso).message == RAPPRESENTANZA_NON_VERIFICATA
        altro = self._figlio(alice, dt.date(2008, 5, 5))
        assert verifica(alice, bando, cf=altro, adesso=adesso)[0] == altro

    @pytest.mark.parametrize(
        ("adesso", "ammesso"),
        [
            (dt.datetime(2026, 2, 28, 12, tzinfo=ROME), True),
            (dt.datetime(2026, 3, 1, 12, tzinfo=ROME), False),
        ],
        ids=["28-febbraio", "1-marzo"],
    )
    def test_born_on_29_february(self, alice, adesso, ammesso):
        bando = BandoFactory(anno=2928, apertura=dt.date(2026, 1, 1), chiusura=dt.date(2026, 4, 30))
        cf = self._figlio(alice, dt.date(2008, 2, 29))
        if ammesso:
            assert verifica(alice, bando, cf=cf, adesso=adesso)[0] == cf
        else:
            assert rifiuto(alice, bando, cf=cf, adesso=adesso).message == RAPPRESENTANZA_NON_VERIFICATA

    def test_a_tutore_is_not_limited_by_age(self, alice, bando):
        cf = make_cf(70200, nato_il=dt.date(2008, 5, 4))
        link(alice, cf, T.TUTORE)
        isee(cf)
        assert verifica(alice, bando, cf=cf, relazione=T.TUTORE)[0] == cf


def test_cerca_rappresentanza_takes_the_latest_valid_link(alice):
    link(alice, valida_dal=dt.date(2020, 1, 1), valida_al=dt.date(2024, 12, 31))
    attuale = link(alice, valida_dal=dt.date(2025, 1, 1))
    assert cerca_rappresentanza(alice.codice_fiscale, FIGLIO.lower(), T.GENITORE, GIORNO) == attuale
    assert cerca_rappresentanza(alice.codice_fiscale, FIGLIO, T.GENITORE, dt.date(2024, 6, 1)).valida_dal == (
        dt.date(2020, 1, 1)
    )
    assert cerca_rappresentanza(alice.codice_fiscale, FIGLIO, T.GENITORE, dt.date(2019, 12, 31)) is None


def test_the_bulk_channel_keeps_accepting_what_the_contact_center_verified(tmp_path, bando):
    """import_domande carries the relazione verified by the contact center: no link is needed."""
    from apps.domande.importer import INTESTAZIONE, importa_domande

    genitore, tutore = make_cf(70301), make_cf(70302)
    righe = [
        f"P-R1,{FIGLIO},{genitore},genitore,120,RM,1000.00,ordinario,false,,2026-05-04T10:00:00+02:00,,,contact_center",
        f"P-R2,{ADULTO},{tutore},tutore,120,RM,2000.00,ordinario,false,,2026-05-04T10:00:00+02:00,,,contact_center",
    ]  # fmt: skip
    provincia("RM", "120")
    path = tmp_path / "domande.csv"
    path.write_text(",".join(INTESTAZIONE) + "\n" + "\n".join(righe) + "\n")
    assert not RappresentanzaLegale.objects.exists()
    assert importa_domande(bando, path) == 2
    assert set(Domanda.objects.values_list("relazione", flat=True)) == {"genitore", "tutore"}
