"""The submission rules of apps.domande.services.presenta_domanda, each at its edge."""

import datetime as dt
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from apps.core.exceptions import DomainError
from apps.core.models import AuditEvent
from apps.domande import protocolli
from apps.domande.models import Bando, Domanda
from apps.domande.selectors import cerca_isee
from apps.domande.services import presenta_domanda
from tests.factories import (
    AttestazioneIseeFactory,
    BandoFactory,
    DomandaFactory,
    RappresentanzaFactory,
    UserFactory,
    cf_minore,
    make_cf,
    provincia,
    regione,
)

ROME = ZoneInfo("Europe/Rome")
pytestmark = pytest.mark.django_db

# The window opens and closes on the days clocks change (last Sunday of March / October 2026).
APERTURA = dt.date(2026, 3, 29)
CHIUSURA = dt.date(2026, 10, 25)
DENTRO = dt.datetime(2026, 5, 4, 10, 0, tzinfo=ROME)


@pytest.fixture
def bando():
    return BandoFactory(anno=2926, apertura=APERTURA, chiusura=CHIUSURA, giorni_regolarizzazione=15)


@pytest.fixture
def alice():
    return UserFactory(nome="Alice")


def rappresentanza(genitore, figlio):
    """A parent's verified link, valid from a year before DENTRO (the factory's "a year ago" is from today:
    from 2027-05-04 on it would no longer cover the submission day)."""
    return RappresentanzaFactory(
        cf_richiedente=genitore.codice_fiscale, cf_beneficiario=figlio, valida_dal=dt.date(2025, 5, 4)
    )


def isee(cf, valore="12000.00", **kw):
    kw.setdefault("rilasciata_il", dt.date(2026, 1, 15))
    kw.setdefault("valida_fino_al", dt.date(2026, 12, 31))
    return AttestazioneIseeFactory(codice_fiscale=cf, valore=Decimal(valore), **kw)


def presenta(user, bando, **kw):
    dati = {
        "cf_beneficiario": user.codice_fiscale,
        "relazione": Domanda.Relazione.SE_STESSO,
        "provincia": provincia("RM", "120"),
        "email": "alice@example.org",
        "cellulare": "",
        "dichiarazione": True,
        "chiave_invio": uuid.uuid4(),
        "adesso": DENTRO,
    }
    dati.update(kw)
    return presenta_domanda(user, bando, **dati)


def test_it_creates_the_domanda_with_protocol_region_isee_and_audit(alice, bando):
    att = isee(alice.codice_fiscale, "15000.00", difforme=True, tipo="corrente")
    domanda = presenta(alice, bando)
    domanda.refresh_from_db()
    assert domanda.protocollo == "INPS-BP-2926-0000001"
    assert domanda.regione_id == "120" and domanda.provincia_id == "RM"
    assert domanda.isee == Decimal("15000.00") and domanda.isee_tipo == "corrente" and domanda.isee_difforme
    assert domanda.attestazione == att and domanda.richiedente == alice
    assert domanda.cf_richiedente == alice.codice_fiscale and domanda.presentata_il == DENTRO
    assert domanda.importo_spettante == Decimal("1000.00")
    assert AuditEvent.objects.filter(azione="domanda.presentata", oggetto_id=str(domanda.pk)).count() == 1


def test_protocol_numbers_increase_per_bando(alice, bando):
    bob = UserFactory()
    isee(alice.codice_fiscale)
    isee(bob.codice_fiscale)
    assert presenta(alice, bando).protocollo == "INPS-BP-2926-0000001"
    assert presenta(bob, bando).protocollo == "INPS-BP-2926-0000002"
    assert protocolli.ultimo_numero(bando) == 2


def test_a_bando_numbered_by_the_old_counter_goes_on_from_it(alice, bando):
    Bando.objects.filter(pk=bando.pk).update(ultimo_protocollo=41)
    isee(alice.codice_fiscale)
    assert protocolli.ultimo_numero(bando) == 41
    assert presenta(alice, bando).protocollo == "INPS-BP-2926-0000042"
    assert protocolli.ultimo_numero(bando) == 42


def test_a_refused_submission_under_the_lock_takes_a_number_never_given_again(alice, bando):
    bob = UserFactory()
    isee(alice.codice_fiscale)
    isee(bob.codice_fiscale)
    Bando.objects.filter(pk=bando.pk).update(graduatoria_pubblicata_il=dt.date(2026, 5, 1))
    with pytest.raises(DomainError, match="pubblicata il 01/05/2026"):
        presenta(alice, bando)  # `bando` in memory is unpublished: only the locked re-read sees it
    Bando.objects.filter(pk=bando.pk).update(graduatoria_pubblicata_il=None)
    atteso = "INPS-BP-2926-0000002" if connection.vendor == "postgresql" else "INPS-BP-2926-0000001"
    assert presenta(bob, bando).protocollo == atteso  # PostgreSQL: a gap, documented in protocolli


@pytest.mark.parametrize("valore", ["50000.00", "49999.99", "0.00"])
def test_it_accepts_isee_up_to_50000_00(alice, bando, valore):
    isee(alice.codice_fiscale, valore)
    assert presenta(alice, bando).isee == Decimal(valore)


def test_it_refuses_isee_of_50000_01(alice, bando):
    isee(alice.codice_fiscale, "50000.01")
    with pytest.raises(DomainError) as exc:
        presenta(alice, bando)
    assert exc.value.field == "cf_beneficiario" and "supera il limite" in exc.value.message
    assert not Domanda.objects.exists()


@pytest.mark.parametrize(
    "adesso",
    [
        dt.datetime(2026, 3, 29, 0, 0, 0, tzinfo=ROME),  # first second of apertura
        dt.datetime(2026, 10, 25, 23, 59, 59, tzinfo=ROME),  # last second of chiusura
        dt.datetime(2026, 10, 25, 22, 59, 59, tzinfo=dt.UTC),  # the same instant in UTC (CET, +01:00)
    ],
    ids=["apertura-00:00:00", "chiusura-23:59:59", "chiusura-utc"],
)
def test_it_accepts_the_first_and_last_second_of_the_window(alice, bando, adesso):
    isee(alice.codice_fiscale)
    assert presenta(alice, bando, adesso=adesso).presentata_il == adesso


@pytest.mark.parametrize(
    "adesso",
    [
        dt.datetime(2026, 3, 28, 23, 59, 59, tzinfo=ROME),
        dt.datetime(2026, 10, 26, 0, 0, 0, tzinfo=ROME),
    ],
    ids=["un-secondo-prima", "un-secondo-dopo"],
)
def test_it_refuses_one_second_outside_the_window(alice, bando, adesso):
    isee(alice.codice_fiscale)
    with pytest.raises(DomainError) as exc:
        presenta(alice, bando, adesso=adesso)
    assert "29/03/2026" in exc.value.message and "25/10/2026" in exc.value.message
    assert not Domanda.objects.exists()


def test_it_refuses_a_second_domanda_for_the_same_beneficiary(alice, bando):
    bambino = cf_minore(il=DENTRO.date())
    bob = UserFactory()
    for genitore in (alice, bob):
        rappresentanza(genitore, bambino)
    isee(bambino)
    presenta(alice, bando, cf_beneficiario=bambino, relazione=Domanda.Relazione.GENITORE)
    with pytest.raises(DomainError) as exc:
        presenta(bob, bando, cf_beneficiario=bambino, relazione=Domanda.Relazione.GENITORE)
    assert exc.value.field == "cf_beneficiario" and "già stata presentata" in exc.value.message
    assert Domanda.objects.count() == 1


def test_the_database_constraint_turns_into_the_same_message(alice, bando, monkeypatch):
    """A concurrent submission passes the check, then hits the unique constraint."""
    isee(alice.codice_fiscale)
    DomandaFactory(bando=bando, cf_beneficiario=alice.codice_fiscale)
    from apps.domande import services

    originale = services.Domanda.objects.filter
    monkeypatch.setattr(services.Domanda.objects, "filter", _filter_senza_domande(originale))
    with pytest.raises(DomainError) as exc:
        presenta(alice, bando)
    assert "già stata presentata" in exc.value.message
    assert Domanda.objects.filter(bando=bando).count() == 1


def _filter_senza_domande(original):
    def filtro(*args, **kwargs):
        qs = original(*args, **kwargs)
        return qs.none() if "cf_beneficiario" in kwargs else qs

    return filtro


def test_the_same_chiave_invio_twice_creates_one_domanda(alice, bando):
    isee(alice.codice_fiscale)
    chiave = uuid.uuid4()
    prima = presenta(alice, bando, chiave_invio=chiave)
    seconda = presenta(alice, bando, chiave_invio=str(chiave))
    assert prima.pk == seconda.pk
    assert Domanda.objects.count() == 1
    assert protocolli.ultimo_numero(bando) == 1  # the resubmission took no number


def test_another_users_chiave_invio_is_not_theirs(alice, bando):
    bob = UserFactory()
    isee(alice.codice_fiscale)
    isee(bob.codice_fiscale)
    chiave = uuid.uuid4()
    presenta(alice, bando, chiave_invio=chiave)
    with pytest.raises(DomainError):
        presenta(bob, bando, chiave_invio=chiave)
    assert Domanda.objects.count() == 1


def test_it_refuses_a_resident_of_an_excluded_territory(reference_data, alice):
    from apps.domande.models import Bando

    bando_2025 = Bando.objects.get(anno=2025)
    isee(alice.codice_fiscale, rilasciata_il=dt.date(2025, 1, 15), valida_fino_al=dt.date(2025, 12, 31))
    from apps.core.models import Provincia

    with pytest.raises(DomainError) as exc:
        presenta(
            alice,
            bando_2025,
            provincia=Provincia.objects.get(sigla="TN"),
            adesso=dt.datetime(2025, 10, 1, 12, tzinfo=ROME),
        )
    assert exc.value.field == "provincia" and "Trento" in exc.value.message
    # Bolzano, the other autonomous province, is not excluded.
    domanda = presenta(
        alice,
        bando_2025,
        provincia=Provincia.objects.get(sigla="BZ"),
        adesso=dt.datetime(2025, 10, 1, 12, tzinfo=ROME),
    )
    assert domanda.regione_id == "041"


def test_it_refuses_without_a_valid_isee(alice, bando):
    isee(alice.codice_fiscale, valida_fino_al=dt.date(2026, 5, 3))  # expired the day before
    with pytest.raises(DomainError) as exc:
        presenta(alice, bando)
    assert exc.value.field == "cf_beneficiario" and "ISEE valida" in exc.value.message
    assert not Domanda.objects.exists()


def test_cerca_isee_takes_the_latest_valid_attestazione(alice):
    isee(alice.codice_fiscale, "9000.00", rilasciata_il=dt.date(2026, 1, 10))
    nuova = isee(alice.codice_fiscale, "8000.00", rilasciata_il=dt.date(2026, 2, 10))
    isee(alice.codice_fiscale, "7000.00", rilasciata_il=dt.date(2026, 6, 10))  # not yet issued on that date
    assert cerca_isee(alice.codice_fiscale, dt.date(2026, 5, 4)) == nuova
    assert cerca_isee(make_cf(), dt.date(2026, 5, 4)) is None


def test_se_stesso_requires_own_codice_fiscale(alice, bando):
    altro = make_cf()
    isee(altro)
    with pytest.raises(DomainError) as exc:
        presenta(alice, bando, cf_beneficiario=altro)
    assert exc.value.field == "cf_beneficiario"


def test_on_behalf_requires_another_codice_fiscale(alice, bando):
    isee(alice.codice_fiscale)
    with pytest.raises(DomainError) as exc:
        presenta(alice, bando, relazione=Domanda.Relazione.TUTORE)
    assert exc.value.field == "relazione"


def test_on_behalf_of_a_minor(alice, bando):
    figlio = cf_minore(il=DENTRO.date())
    rappresentanza(alice, figlio)
    isee(figlio, "14999.99")
    domanda = presenta(alice, bando, cf_beneficiario=figlio.lower(), relazione=Domanda.Relazione.GENITORE)
    assert domanda.cf_beneficiario == figlio and domanda.cf_richiedente == alice.codice_fiscale
    assert domanda.importo_spettante == Decimal("1500.00")


def test_it_refuses_an_invalid_codice_fiscale(alice, bando):
    ultimo = alice.codice_fiscale[-1]
    sbagliato = alice.codice_fiscale[:15] + ("A" if ultimo == "Z" else "Z")
    with pytest.raises(DomainError) as exc:
        presenta(alice, bando, cf_beneficiario=sbagliato, relazione=Domanda.Relazione.TUTORE)
    assert exc.value.field == "cf_beneficiario" and "16 caratteri" in exc.value.message


def test_the_dpr_445_declaration_is_mandatory(alice, bando):
    isee(alice.codice_fiscale)
    with pytest.raises(DomainError) as exc:
        presenta(alice, bando, dichiarazione=False)
    assert exc.value.field == "dichiarazione"


def test_an_email_or_a_mobile_is_needed(alice, bando):
    isee(alice.codice_fiscale)
    with pytest.raises(DomainError) as exc:
        presenta(alice, bando, email="", cellulare=" ")
    assert exc.value.field == "email"
    assert presenta(alice, bando, email="", cellulare="+39 333 1234567").cellulare == "+39 333 1234567"


def test_the_region_comes_from_the_province(alice, bando):
    isee(alice.codice_fiscale)
    regione("030")
    domanda = presenta(alice, bando, provincia=provincia("MI", "030"))
    assert domanda.regione_id == "030"


def test_a_regularised_difforme_isee_keeps_its_date(alice, bando):
    isee(alice.codice_fiscale, difforme=True, regolarizzata_il=dt.date(2026, 4, 20))
    domanda = presenta(alice, bando)
    assert domanda.isee_difforme and domanda.isee_regolarizzato_il == dt.date(2026, 4, 20)


def test_the_audit_event_holds_no_codice_fiscale(alice, bando):
    isee(alice.codice_fiscale)
    presenta(alice, bando)
    evento = AuditEvent.objects.get(azione="domanda.presentata")
    assert evento.attore == alice and alice.codice_fiscale not in str(evento.dettagli)


class TestAfterPublication:
    """Once the graduatoria is published, no domanda can join the bando: it would never be ranked."""

    @pytest.fixture
    def pubblicato(self, reference_data, bando):
        from apps.graduatorie.services import calcola_graduatorie, pubblica_graduatorie

        calcola_graduatorie(bando)
        pubblica_graduatorie(bando, data=dt.date(2026, 6, 1))
        bando.refresh_from_db()
        return bando

    def test_publication_is_recorded_on_the_bando(self, pubblicato):
        assert pubblicato.graduatoria_pubblicata_il == dt.date(2026, 6, 1)

    def test_a_web_domanda_is_refused_with_a_clear_message(self, pubblicato, alice):
        isee(alice.codice_fiscale)
        with pytest.raises(DomainError, match="pubblicata il 01/06/2026"):
            presenta(alice, pubblicato)
        assert not Domanda.objects.filter(bando=pubblicato).exists()

    def test_the_bando_is_no_longer_listed_as_open(self, pubblicato):
        from apps.domande.selectors import bandi_aperti

        assert pubblicato not in bandi_aperti(DENTRO)

    def test_a_bulk_import_is_refused_and_imports_nothing(self, pubblicato, tmp_path):
        from apps.domande.importer import INTESTAZIONE, ImportazioneError, importa_domande

        cf = make_cf(91001)
        riga = f"P-1,{cf},{cf},se_stesso,120,RM,1000.00,ordinario,false,,2026-05-04T10:00:00+02:00,,,web"
        path = tmp_path / "domande.csv"
        path.write_text(",".join(INTESTAZIONE) + "\n" + riga + "\n")
        with pytest.raises(ImportazioneError, match="pubblicata"):
            importa_domande(pubblicato, path)
        assert not Domanda.objects.filter(bando=pubblicato).exists()
