"""Sedute on a code's balance, at every edge: verifica, prenota, modifica, conferma, annulla.

alice is the beneficiary (a citizen), bob the psychotherapist who books on her code, carol another
psychotherapist. Time is passed as `adesso=`, never slept. After every scenario the code's columns
are checked against the ledger (`saldi_dal_registro`) and against the sedute that hold its amounts.
"""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from apps.codici.models import CodiceUnivoco, MovimentoCodice
from apps.codici.selectors import saldi_dal_registro
from apps.core.exceptions import DomainError
from apps.core.models import AuditEvent
from apps.domande.models import Bando
from apps.professionisti.models import Professionista
from apps.sedute.models import Seduta
from apps.sedute.services import (
    MESSAGGIO_ASSOCIAZIONE,
    MESSAGGIO_TROPPI_TENTATIVI,
    AssociazioneNonValida,
    annulla_seduta,
    annulla_seduta_beneficiario,
    conferma_seduta,
    modifica_seduta,
    prenota_seduta,
    verifica_associazione,
)
from tests.factories import (
    CodiceFactory,
    DomandaFactory,
    ProfessionistaFactory,
    UserFactory,
    make_cf,
    utente_di,
)

pytestmark = pytest.mark.django_db

IP = "203.0.113.7"
ALTRO_IP = "198.51.100.9"


# --- the world ------------------------------------------------------------------------------


@pytest.fixture
def adesso():
    return timezone.now()


@pytest.fixture
def oggi(adesso):
    return timezone.localdate(adesso)


@pytest.fixture
def alice():
    return UserFactory(nome="Alice", cognome="Russo")


@pytest.fixture
def bob():
    return ProfessionistaFactory(nome="Bob", cognome="Esposito")


@pytest.fixture
def utente_bob(bob):
    return utente_di(bob)


@pytest.fixture
def carol():
    return ProfessionistaFactory(nome="Carol", cognome="Ferri")


@pytest.fixture
def nuovo_codice(alice, oggi):
    """A code of alice's (one per bando), valid from 10 days ago to 260 days ahead unless told."""

    def crea(assegnato="500.00", **kwargs):
        kwargs.setdefault("valido_dal", oggi - dt.timedelta(days=10))
        kwargs.setdefault("valido_fino_al", oggi + dt.timedelta(days=260))
        domanda = DomandaFactory(cf_beneficiario=alice.codice_fiscale)
        return CodiceFactory(domanda=domanda, assegnato=Decimal(assegnato), **kwargs)

    return crea


@pytest.fixture
def codice(nuovo_codice):
    return nuovo_codice()


def alle(giorno: dt.date, ora: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(giorno, dt.time(ora)))


def prenota(professionista, codice, *, importo="50.00", inizio=None, studio=None, adesso=None, cf=None):
    return prenota_seduta(
        utente_di(professionista),
        professionista,
        codice_id=codice.pk,
        codice_fiscale=cf or codice.domanda.cf_beneficiario,
        studio=studio or professionista.studi.get(),
        inizio=inizio or alle(timezone.localdate() + dt.timedelta(days=3)),
        durata_minuti=50,
        importo=Decimal(importo),
        adesso=adesso,
    )


def verifica(utente, professionista, codice, *, cf=None, testo=None, ip=IP, adesso=None):
    return verifica_associazione(
        utente,
        professionista,
        codice_fiscale=cf if cf is not None else codice.domanda.cf_beneficiario,
        codice=testo if testo is not None else codice.codice,
        ip=ip,
        adesso=adesso,
    )


def somma(codice, *stati) -> Decimal:
    return Seduta.objects.filter(codice=codice, stato__in=stati).aggregate(s=Sum("importo"))["s"] or Decimal(
        0
    )


def assert_registro(codice: CodiceUnivoco) -> CodiceUnivoco:
    """The columns equal the ledger's sums, and hold exactly the amounts of the sedute in each state."""
    codice.refresh_from_db()
    colonne = {"assegnato": codice.assegnato, "prenotato": codice.prenotato, "utilizzato": codice.utilizzato}
    assert saldi_dal_registro(codice) == colonne
    assert codice.prenotato == somma(codice, Seduta.Stato.PRENOTATA)
    consumate = (Seduta.Stato.CONFERMATA, Seduta.Stato.FATTURATA, Seduta.Stato.RIMBORSATA)
    assert codice.utilizzato == somma(codice, *consumate)
    assert codice.residuo >= 0
    return codice


def movimenti(codice) -> int:
    return MovimentoCodice.objects.filter(codice=codice).count()


# --- verifica associazione --------------------------------------------------------------------


def test_verifica_shows_the_beneficiary_and_the_maximum_for_the_seduta(utente_bob, bob, codice):
    esito = verifica(utente_bob, bob, codice)
    assert esito.codice_id == codice.pk
    assert esito.nominativo == "RUSSO ALICE"
    assert esito.residuo == Decimal("500.00")
    assert esito.massimo == Decimal("50.00")
    assert (esito.valido_dal, esito.valido_fino_al) == (codice.valido_dal, codice.valido_fino_al)
    assert_registro(codice)


def test_verifica_accepts_lowercase_and_space_padded_inputs(utente_bob, bob, codice):
    codice_scritto = f"  {codice.codice[:4].lower()} {codice.codice[4:8]} {codice.codice[8:].lower()} "
    esito = verifica(
        utente_bob, bob, codice, cf=f" {codice.domanda.cf_beneficiario.lower()}  ", testo=codice_scritto
    )
    assert esito.codice_id == codice.pk
    assert esito.codice_fiscale == codice.domanda.cf_beneficiario


@pytest.mark.parametrize(
    ("assegnato", "massimo"),
    [("20.00", "20.00"), ("49.99", "49.99"), ("50.00", "50.00"), ("50.01", "50.00"), ("1500.00", "50.00")],
)
def test_verifica_maximum_is_the_smaller_of_50_and_the_residuo(
    utente_bob, bob, nuovo_codice, assegnato, massimo
):
    esito = verifica(utente_bob, bob, nuovo_codice(assegnato))
    assert esito.massimo == Decimal(massimo)
    assert esito.residuo == Decimal(assegnato)


def _non_valido(utente, professionista, codice, **kwargs):
    with pytest.raises(AssociazioneNonValida) as exc:
        verifica(utente, professionista, codice, **kwargs)
    return exc.value


def test_verifica_rejects_an_unknown_code_with_the_uniform_message(utente_bob, bob, codice):
    sconosciuto = "".join(reversed(codice.codice))
    assert not CodiceUnivoco.objects.filter(codice=sconosciuto).exists()
    errore = _non_valido(utente_bob, bob, codice, testo=sconosciuto)
    assert (errore.message, errore.field) == (MESSAGGIO_ASSOCIAZIONE, None)


def test_verifica_rejects_the_codice_fiscale_of_someone_else(utente_bob, bob, codice):
    altro = DomandaFactory().cf_beneficiario  # a real beneficiary, of another code
    errore = _non_valido(utente_bob, bob, codice, cf=altro)
    assert errore.message == MESSAGGIO_ASSOCIAZIONE
    errore = _non_valido(utente_bob, bob, codice, cf=make_cf())
    assert errore.message == MESSAGGIO_ASSOCIAZIONE


@pytest.mark.parametrize(
    "caso",
    [
        "scaduto_ieri",
        "non_ancora_valido",
        "decaduto",
        "annullato",
        "scaduto",
        "esaurito",
        "prima_seduta_mancata",
    ],
)
def test_verifica_rejects_every_unusable_code_with_the_same_message(
    utente_bob, bob, nuovo_codice, oggi, caso
):
    giorni = dt.timedelta
    if caso == "scaduto_ieri":
        codice = nuovo_codice(valido_fino_al=oggi - giorni(days=1))
    elif caso == "non_ancora_valido":
        codice = nuovo_codice(valido_dal=oggi + giorni(days=1))
    elif caso == "esaurito":
        codice = nuovo_codice("50.00")
        prenota(bob, codice, importo="50.00")
        codice.refresh_from_db()
        assert (codice.stato, codice.residuo) == (CodiceUnivoco.Stato.ESAURITO, 0)
    elif caso == "prima_seduta_mancata":  # no seduta booked by the deadline: decaduto in all but name
        codice = nuovo_codice(prima_seduta_entro=oggi - giorni(days=1))
    else:
        codice = nuovo_codice(stato=caso)
    errore = _non_valido(utente_bob, bob, codice)
    assert (type(errore), errore.message, errore.field) == (
        AssociazioneNonValida,
        MESSAGGIO_ASSOCIAZIONE,
        None,
    )
    assert_registro(codice)


def test_verifica_accepts_the_first_and_the_last_day_of_validity(utente_bob, bob, nuovo_codice, oggi):
    assert verifica(utente_bob, bob, nuovo_codice(valido_dal=oggi))
    assert verifica(utente_bob, bob, nuovo_codice(valido_fino_al=oggi))


def test_past_the_first_seduta_deadline_only_a_timely_confirmed_seduta_keeps_the_code_usable(
    utente_bob, bob, nuovo_codice, oggi, adesso
):
    """circ. 124/2025 §6: booked is not enough; held and confirmed by the end of day N is."""
    entro = oggi + dt.timedelta(days=5)
    prenotato = nuovo_codice(prima_seduta_entro=entro)
    prenota(bob, prenotato, inizio=alle(entro), importo="40.00")
    confermato = nuovo_codice(prima_seduta_entro=entro)
    seduta = prenota(bob, confermato, inizio=alle(entro), importo="40.00")
    conferma_seduta(utente_bob, seduta, adesso=alle(entro, 23))
    dopo = adesso + dt.timedelta(days=6)
    with pytest.raises(AssociazioneNonValida):
        verifica(utente_bob, bob, prenotato, adesso=dopo)
    assert verifica(utente_bob, bob, confermato, adesso=dopo).residuo == Decimal("460.00")
    assert_registro(confermato)


def test_a_user_is_blocked_after_the_maximum_failures_even_with_correct_data(
    utente_bob, bob, codice, settings
):
    settings.VERIFICA_MAX_ERRORI_IP = 100
    for _ in range(settings.VERIFICA_MAX_ERRORI_UTENTE):
        _non_valido(utente_bob, bob, codice, cf=make_cf())
    with pytest.raises(DomainError) as exc:
        verifica(utente_bob, bob, codice)  # correct pairing: still refused
    assert not isinstance(exc.value, AssociazioneNonValida)
    assert exc.value.message == MESSAGGIO_TROPPI_TENTATIVI
    assert "Troppe verifiche" in exc.value.message
    # Another professional, from another address, is not affected.
    carol = ProfessionistaFactory()
    assert verifica(utente_di(carol), carol, codice, ip=ALTRO_IP).codice_id == codice.pk


def test_one_failure_less_than_the_limit_does_not_block(utente_bob, bob, codice, settings):
    for _ in range(settings.VERIFICA_MAX_ERRORI_UTENTE - 1):
        _non_valido(utente_bob, bob, codice, cf=make_cf())
    assert verifica(utente_bob, bob, codice).codice_id == codice.pk


def test_the_ip_limit_blocks_another_user_from_the_same_address(utente_bob, bob, carol, codice, settings):
    settings.VERIFICA_MAX_ERRORI_UTENTE = 3
    settings.VERIFICA_MAX_ERRORI_IP = 4
    for _ in range(3):
        _non_valido(utente_bob, bob, codice, cf=make_cf())
    utente_carol = utente_di(carol)
    _non_valido(utente_carol, carol, codice, cf=make_cf())  # carol's first failure, the address's fourth
    with pytest.raises(DomainError, match="Troppe verifiche"):
        verifica(utente_carol, carol, codice)
    assert verifica(utente_carol, carol, codice, ip=ALTRO_IP).codice_id == codice.pk


def test_successful_verifications_do_not_count_towards_the_limit(utente_bob, bob, codice, settings):
    limite = settings.VERIFICA_MAX_ERRORI_UTENTE
    for _ in range(limite - 1):
        _non_valido(utente_bob, bob, codice, cf=make_cf())
    for _ in range(limite * 3):  # a busy professional verifying real patients
        assert verifica(utente_bob, bob, codice).codice_id == codice.pk
    _non_valido(utente_bob, bob, codice, cf=make_cf())  # the limit-th failure
    with pytest.raises(DomainError, match="Troppe verifiche"):
        verifica(utente_bob, bob, codice)


def test_every_verification_is_audited_without_code_or_codice_fiscale_in_clear(
    utente_bob, bob, codice, settings
):
    settings.VERIFICA_MAX_ERRORI_UTENTE = 2
    cf = codice.domanda.cf_beneficiario
    verifica(utente_bob, bob, codice)
    _non_valido(utente_bob, bob, codice, cf=make_cf())
    _non_valido(utente_bob, bob, codice, testo=codice.codice[::-1])
    with pytest.raises(DomainError, match="Troppe verifiche"):
        verifica(utente_bob, bob, codice)
    eventi = list(AuditEvent.objects.filter(azione="seduta.verifica").order_by("id"))
    assert [e.dettagli["esito"] for e in eventi] == ["ok", "non_valida", "non_valida", "bloccata"]
    assert {e.attore_id for e in eventi} == {utente_bob.pk}
    assert (eventi[0].oggetto_tipo, eventi[0].oggetto_id) == ("codici.codiceunivoco", str(codice.pk))
    for evento in eventi:
        testo = json.dumps(evento.dettagli) + evento.azione + evento.oggetto_id + evento.oggetto_tipo
        assert codice.codice not in testo
        assert codice.codice[::-1] not in testo
        assert cf not in testo
        assert evento.dettagli["ip"] == IP


# --- prenota ----------------------------------------------------------------------------------


@pytest.mark.parametrize("importo", ["0.01", "12.50", "50.00"])
def test_it_books_amounts_from_one_cent_to_fifty_euro(bob, codice, importo):
    seduta = prenota(bob, codice, importo=importo)
    assert (seduta.stato, seduta.importo) == (Seduta.Stato.PRENOTATA, Decimal(importo))
    codice = assert_registro(codice)
    assert codice.prenotato == Decimal(importo)
    assert codice.residuo == Decimal("500.00") - Decimal(importo)
    ultimo = MovimentoCodice.objects.filter(codice=codice).last()
    assert (ultimo.tipo, ultimo.delta_prenotato, ultimo.riferimento) == (
        "prenotazione",
        Decimal(importo),
        seduta.numero,
    )
    assert AuditEvent.objects.filter(azione="seduta.prenotata", oggetto_id=str(seduta.pk)).exists()


@pytest.mark.parametrize(
    ("importo", "messaggio"),
    [
        ("0.00", "almeno 0,01 €"),
        ("-5.00", "almeno 0,01 €"),
        ("10.005", "al massimo due decimali"),
        ("50.01", "massimo disponibile per questa seduta: 50,00 €"),
        ("75.00", "massimo disponibile per questa seduta: 50,00 €"),
    ],
)
def test_it_rejects_amounts_outside_one_cent_to_fifty_euro(bob, codice, importo, messaggio):
    with pytest.raises(DomainError, match=messaggio) as exc:
        prenota(bob, codice, importo=importo)
    assert exc.value.field == "importo"
    assert not Seduta.objects.exists()
    assert assert_registro(codice).prenotato == 0


def test_it_rejects_amount_over_residuo(bob, nuovo_codice):
    codice = nuovo_codice("30.00")
    with pytest.raises(DomainError) as exc:
        prenota(bob, codice, importo="30.01")
    assert exc.value.field == "importo"
    assert exc.value.message == "L'importo supera il massimo disponibile per questa seduta: 30,00 €"
    prenota(bob, codice, importo="30.00")
    assert assert_registro(codice).residuo == 0


def test_the_code_becomes_esaurito_at_residuo_zero_and_attivo_again_on_cancel(bob, nuovo_codice):
    codice = nuovo_codice("100.00")
    prima = prenota(bob, codice, importo="50.00")
    assert assert_registro(codice).stato == CodiceUnivoco.Stato.ATTIVO
    seconda = prenota(bob, codice, importo="50.00")
    assert (assert_registro(codice).stato, codice.residuo) == (CodiceUnivoco.Stato.ESAURITO, 0)
    # An exhausted code books nothing more; the professional already verified it, so the message says why.
    with pytest.raises(DomainError, match="residuo 0,00") as errore:
        prenota(bob, codice, importo="0.01")
    assert errore.value.field == "importo"
    annulla_seduta(utente_di(bob), seconda)
    assert (assert_registro(codice).stato, codice.residuo) == (CodiceUnivoco.Stato.ATTIVO, Decimal("50.00"))
    assert prima.codice_id == codice.pk


def test_a_code_exhausted_by_confirmed_sedute_is_attivo_again_when_one_is_cancelled(
    bob, nuovo_codice, adesso
):
    codice = nuovo_codice("50.00")
    seduta = prenota(bob, codice, inizio=adesso - dt.timedelta(hours=2))
    conferma_seduta(utente_di(bob), seduta, adesso=adesso)
    assert (assert_registro(codice).stato, codice.utilizzato) == (
        CodiceUnivoco.Stato.ESAURITO,
        Decimal("50.00"),
    )
    annulla_seduta(utente_di(bob), seduta, adesso=adesso)
    assert (assert_registro(codice).stato, codice.residuo) == (CodiceUnivoco.Stato.ATTIVO, Decimal("50.00"))


def test_it_books_on_the_first_and_the_last_day_of_validity(bob, codice):
    prenota(bob, codice, inizio=alle(codice.valido_dal, 8))
    prenota(bob, codice, inizio=alle(codice.valido_fino_al, 19))
    assert assert_registro(codice).prenotato == Decimal("100.00")


@pytest.mark.parametrize(
    ("quando", "messaggio"), [("prima", "non può precedere"), ("dopo", "è valido fino al")]
)
def test_it_rejects_a_date_one_day_outside_validity(bob, codice, quando, messaggio):
    giorno = (
        codice.valido_dal - dt.timedelta(days=1)
        if quando == "prima"
        else codice.valido_fino_al + dt.timedelta(days=1)
    )
    with pytest.raises(DomainError, match=messaggio) as exc:
        prenota(bob, codice, inizio=alle(giorno))
    assert exc.value.field == "data"
    assert not Seduta.objects.exists()
    assert_registro(codice)


def test_a_past_date_inside_validity_is_accepted_as_late_entry(bob, codice, adesso):
    seduta = prenota(bob, codice, inizio=adesso - dt.timedelta(days=4), adesso=adesso)
    assert seduta.confermabile(adesso)
    assert_registro(codice)


def test_it_rejects_a_naive_datetime(bob, codice):
    with pytest.raises(ValueError, match="fuso orario"):
        prenota(bob, codice, inizio=dt.datetime.combine(timezone.localdate(), dt.time(10)))
    assert_registro(codice)


@pytest.mark.parametrize("uscita", ["revocato", "fuori_lista"])
def test_a_professional_out_of_the_cnop_list_cannot_book_but_confirms_and_cancels(
    bob, codice, adesso, uscita
):
    passata = prenota(bob, codice, inizio=adesso - dt.timedelta(hours=1), importo="40.00")
    futura = prenota(bob, codice, inizio=adesso + dt.timedelta(days=2), importo="30.00")
    if uscita == "revocato":
        Professionista.objects.filter(pk=bob.pk).update(stato=Professionista.Stato.REVOCATO)
    else:
        Professionista.objects.filter(pk=bob.pk).update(in_lista=False)
    bob.refresh_from_db()
    assert not bob.puo_prenotare
    with pytest.raises(DomainError, match="lista CNOP") as exc:
        prenota(bob, codice, importo="10.00")
    assert exc.value.field is None
    assert conferma_seduta(utente_di(bob), passata, adesso=adesso).stato == Seduta.Stato.CONFERMATA
    assert annulla_seduta(utente_di(bob), futura, adesso=adesso).stato == Seduta.Stato.ANNULLATA
    codice = assert_registro(codice)
    assert (codice.prenotato, codice.utilizzato) == (0, Decimal("40.00"))


def test_it_refuses_the_studio_of_another_professional(bob, carol, codice):
    with pytest.raises(DomainError, match="tuoi studi") as exc:
        prenota(bob, codice, studio=carol.studi.get())
    assert exc.value.field == "studio"
    assert not Seduta.objects.exists()
    assert_registro(codice)


def test_it_refuses_a_codice_fiscale_that_does_not_match_the_code(bob, codice):
    with pytest.raises(AssociazioneNonValida):
        prenota(bob, codice, cf=make_cf())
    assert_registro(codice)


def test_the_first_seduta_must_fall_within_the_deadline(bob, nuovo_codice, oggi):
    entro = oggi + dt.timedelta(days=5)
    codice = nuovo_codice(prima_seduta_entro=entro)
    with pytest.raises(DomainError, match=f"entro il {entro:%d/%m/%Y}") as exc:
        prenota(bob, codice, inizio=alle(entro + dt.timedelta(days=1)))
    assert exc.value.field == "data"
    prima = prenota(bob, codice, inizio=alle(entro, 19))  # the last day is still in time
    # With a first seduta booked, the next ones may fall after the deadline.
    prenota(bob, codice, inizio=alle(entro + dt.timedelta(days=30)))
    assert prima.stato == Seduta.Stato.PRENOTATA
    assert_registro(codice)


def test_a_cancelled_first_seduta_does_not_count_for_the_deadline(bob, nuovo_codice, oggi):
    entro = oggi + dt.timedelta(days=5)
    codice = nuovo_codice(prima_seduta_entro=entro)
    annulla_seduta(utente_di(bob), prenota(bob, codice, inizio=alle(entro)))
    with pytest.raises(DomainError, match="La prima seduta"):
        prenota(bob, codice, inizio=alle(entro + dt.timedelta(days=1)))
    assert_registro(codice)


def test_one_code_with_two_professionals(bob, carol, codice):
    prenota(bob, codice, importo="50.00")
    prenota(carol, codice, importo="45.00")
    assert assert_registro(codice).residuo == Decimal("405.00")
    assert set(Seduta.objects.values_list("professionista", flat=True)) == {bob.pk, carol.pk}


# --- modifica ---------------------------------------------------------------------------------


def test_modifica_raises_the_amount_up_to_residuo_plus_its_own(bob, nuovo_codice, oggi):
    codice = nuovo_codice("60.00")
    seduta = prenota(bob, codice, importo="30.00")
    prenota(bob, codice, importo="25.00")  # residuo 5.00
    nuovo_inizio = alle(oggi + dt.timedelta(days=7), 16)
    seduta = modifica_seduta(
        utente_di(bob), seduta, inizio=nuovo_inizio, durata_minuti=60, importo=Decimal("35.00")
    )
    seduta.refresh_from_db()
    assert (seduta.importo, seduta.inizio, seduta.durata_minuti) == (Decimal("35.00"), nuovo_inizio, 60)
    assert seduta.modificata_il is not None
    codice = assert_registro(codice)
    assert (codice.residuo, codice.stato) == (0, CodiceUnivoco.Stato.ESAURITO)
    evento = AuditEvent.objects.get(azione="seduta.modificata")
    assert evento.dettagli["prima"]["importo"] == "30.00"


def test_modifica_refuses_one_cent_above_residuo_plus_its_own_and_changes_nothing(bob, nuovo_codice):
    codice = nuovo_codice("60.00")
    seduta = prenota(bob, codice, importo="30.00")
    prenota(bob, codice, importo="25.00")
    prima = movimenti(codice)
    with pytest.raises(DomainError) as exc:
        modifica_seduta(
            utente_di(bob),
            seduta,
            inizio=seduta.inizio + dt.timedelta(hours=1),
            durata_minuti=90,
            importo=Decimal("35.01"),
        )
    assert exc.value.field == "importo"
    assert "35,00 €" in exc.value.message
    ferma = Seduta.objects.get(pk=seduta.pk)
    assert (ferma.importo, ferma.inizio, ferma.durata_minuti, ferma.modificata_il) == (
        Decimal("30.00"),
        seduta.inizio,
        50,
        None,
    )
    assert movimenti(codice) == prima
    assert assert_registro(codice).residuo == Decimal("5.00")
    assert not AuditEvent.objects.filter(azione="seduta.modificata").exists()


def test_modifica_lowering_the_amount_releases_prenotato(bob, nuovo_codice):
    codice = nuovo_codice("100.00")
    seduta = prenota(bob, codice, importo="50.00")
    prenota(bob, codice, importo="50.00")
    assert assert_registro(codice).stato == CodiceUnivoco.Stato.ESAURITO
    modifica_seduta(utente_di(bob), seduta, inizio=seduta.inizio, durata_minuti=50, importo=Decimal("20.00"))
    codice = assert_registro(codice)
    assert (codice.prenotato, codice.stato) == (Decimal("70.00"), CodiceUnivoco.Stato.ATTIVO)
    assert MovimentoCodice.objects.filter(codice=codice).last().tipo == MovimentoCodice.Tipo.RILASCIO


def test_modifica_of_a_confermata_moves_utilizzato(bob, codice, adesso):
    seduta = prenota(bob, codice, importo="30.00", inizio=adesso - dt.timedelta(days=1))
    seduta = conferma_seduta(utente_di(bob), seduta, adesso=adesso)
    modifica_seduta(
        utente_di(bob),
        seduta,
        inizio=seduta.inizio,
        durata_minuti=50,
        importo=Decimal("45.00"),
        adesso=adesso,
    )
    codice = assert_registro(codice)
    assert (codice.prenotato, codice.utilizzato) == (0, Decimal("45.00"))
    assert MovimentoCodice.objects.filter(codice=codice).last().tipo == MovimentoCodice.Tipo.UTILIZZO
    modifica_seduta(
        utente_di(bob),
        seduta,
        inizio=seduta.inizio,
        durata_minuti=50,
        importo=Decimal("10.00"),
        adesso=adesso,
    )
    assert assert_registro(codice).utilizzato == Decimal("10.00")


def test_modifica_refuses_to_move_a_confermata_into_the_future(bob, codice, adesso):
    seduta = prenota(bob, codice, importo="30.00", inizio=adesso - dt.timedelta(hours=3))
    conferma_seduta(utente_di(bob), seduta, adesso=adesso)
    with pytest.raises(DomainError, match="data futura") as exc:
        modifica_seduta(
            utente_di(bob),
            seduta,
            inizio=adesso + dt.timedelta(minutes=1),
            durata_minuti=50,
            importo=Decimal("30.00"),
            adesso=adesso,
        )
    assert exc.value.field == "data"
    assert Seduta.objects.get(pk=seduta.pk).inizio == seduta.inizio
    # Moving it to another moment in the past is a correction, and allowed.
    modifica_seduta(
        utente_di(bob),
        seduta,
        inizio=adesso - dt.timedelta(days=1),
        durata_minuti=50,
        importo=Decimal("30.00"),
        adesso=adesso,
    )
    assert_registro(codice)


def test_modifica_cannot_move_the_only_seduta_past_the_first_seduta_deadline(bob, nuovo_codice, oggi):
    entro = oggi + dt.timedelta(days=5)
    codice = nuovo_codice(prima_seduta_entro=entro)
    seduta = prenota(bob, codice, inizio=alle(entro))
    with pytest.raises(DomainError, match="La prima seduta") as exc:
        modifica_seduta(
            utente_di(bob),
            seduta,
            inizio=alle(entro + dt.timedelta(days=1)),
            durata_minuti=50,
            importo=Decimal("50.00"),
        )
    assert exc.value.field == "data"
    # With another seduta on the code, this one may move after the deadline.
    prenota(bob, codice, inizio=alle(entro - dt.timedelta(days=1)))
    modifica_seduta(
        utente_di(bob),
        seduta,
        inizio=alle(entro + dt.timedelta(days=1)),
        durata_minuti=50,
        importo=Decimal("50.00"),
    )
    assert_registro(codice)


def test_modifica_refuses_an_annullata_seduta(bob, codice):
    seduta = annulla_seduta(utente_di(bob), prenota(bob, codice))
    with pytest.raises(DomainError, match="annullata"):
        modifica_seduta(
            utente_di(bob), seduta, inizio=seduta.inizio, durata_minuti=50, importo=Decimal("10.00")
        )
    assert_registro(codice)


# --- conferma ---------------------------------------------------------------------------------


def test_conferma_is_refused_before_the_seduta_starts(bob, codice, adesso):
    seduta = prenota(bob, codice, inizio=adesso + dt.timedelta(seconds=1))
    with pytest.raises(DomainError, match="dopo il suo inizio"):
        conferma_seduta(utente_di(bob), seduta, adesso=adesso)
    assert Seduta.objects.get(pk=seduta.pk).stato == Seduta.Stato.PRENOTATA
    assert assert_registro(codice).prenotato == Decimal("50.00")


def test_conferma_is_allowed_at_the_exact_start(bob, codice, adesso):
    seduta = prenota(bob, codice, inizio=adesso, importo="45.00")
    seduta = conferma_seduta(utente_di(bob), seduta, adesso=seduta.inizio)
    assert (seduta.stato, seduta.confermata_il) == (Seduta.Stato.CONFERMATA, seduta.inizio)
    codice = assert_registro(codice)
    assert (codice.prenotato, codice.utilizzato) == (0, Decimal("45.00"))


def test_a_second_conferma_changes_nothing(bob, codice, adesso):
    seduta = prenota(bob, codice, inizio=adesso - dt.timedelta(hours=1))
    conferma_seduta(utente_di(bob), seduta, adesso=adesso)
    prima = movimenti(codice)
    di_nuovo = conferma_seduta(utente_di(bob), seduta, adesso=adesso + dt.timedelta(hours=1))
    assert (di_nuovo.stato, di_nuovo.confermata_il) == (Seduta.Stato.CONFERMATA, adesso)
    assert movimenti(codice) == prima
    assert AuditEvent.objects.filter(azione="seduta.confermata").count() == 1
    assert assert_registro(codice).utilizzato == Decimal("50.00")


def test_conferma_is_refused_on_an_annullata(bob, codice, adesso):
    seduta = prenota(bob, codice, inizio=adesso - dt.timedelta(hours=1))
    annulla_seduta(utente_di(bob), seduta, adesso=adesso)
    with pytest.raises(DomainError, match="annullata"):
        conferma_seduta(utente_di(bob), seduta, adesso=adesso)
    codice = assert_registro(codice)
    assert (codice.prenotato, codice.utilizzato) == (0, 0)


# --- annulla ----------------------------------------------------------------------------------


def test_annulla_a_prenotata_releases_prenotato(bob, codice, adesso):
    seduta = annulla_seduta(utente_di(bob), prenota(bob, codice, importo="35.00"), adesso=adesso)
    assert (seduta.stato, seduta.annullata_da, seduta.annullata_il) == (
        Seduta.Stato.ANNULLATA,
        Seduta.AnnullataDa.PROFESSIONISTA,
        adesso,
    )
    codice = assert_registro(codice)
    assert (codice.prenotato, codice.residuo) == (0, Decimal("500.00"))


def test_annulla_a_confermata_releases_utilizzato(bob, codice, adesso):
    seduta = prenota(bob, codice, importo="35.00", inizio=adesso - dt.timedelta(hours=1))
    conferma_seduta(utente_di(bob), seduta, adesso=adesso)
    annulla_seduta(utente_di(bob), seduta, adesso=adesso)
    codice = assert_registro(codice)
    assert (codice.prenotato, codice.utilizzato, codice.residuo) == (0, 0, Decimal("500.00"))


def test_a_second_annulla_changes_nothing(bob, codice, adesso):
    seduta = prenota(bob, codice)
    annulla_seduta(utente_di(bob), seduta, adesso=adesso)
    prima = movimenti(codice)
    di_nuovo = annulla_seduta(utente_di(bob), seduta, adesso=adesso + dt.timedelta(minutes=5))
    assert di_nuovo.annullata_il == adesso
    assert movimenti(codice) == prima
    assert AuditEvent.objects.filter(azione="seduta.annullata").count() == 1
    assert assert_registro(codice).residuo == Decimal("500.00")


@pytest.mark.parametrize("stato", [Seduta.Stato.FATTURATA, Seduta.Stato.RIMBORSATA])
def test_annulla_and_modifica_are_refused_once_invoiced(bob, codice, adesso, stato):
    seduta = prenota(bob, codice, inizio=adesso - dt.timedelta(hours=1))
    conferma_seduta(utente_di(bob), seduta, adesso=adesso)
    Seduta.objects.filter(pk=seduta.pk).update(stato=stato)  # as the invoicing would
    prima = movimenti(codice)
    with pytest.raises(DomainError, match="non si può più annullare"):
        annulla_seduta(utente_di(bob), seduta, adesso=adesso)
    with pytest.raises(DomainError, match="non si può più modificare"):
        modifica_seduta(
            utente_di(bob), seduta, inizio=seduta.inizio, durata_minuti=50, importo=Decimal("10.00")
        )
    assert Seduta.objects.get(pk=seduta.pk).stato == stato
    assert movimenti(codice) == prima
    assert assert_registro(codice).utilizzato == Decimal("50.00")


def test_the_beneficiary_cancels_a_future_prenotata(alice, bob, codice, adesso):
    seduta = prenota(bob, codice, inizio=adesso + dt.timedelta(days=1))
    seduta = annulla_seduta_beneficiario(alice, seduta, adesso=adesso)
    assert (seduta.stato, seduta.annullata_da) == (Seduta.Stato.ANNULLATA, Seduta.AnnullataDa.BENEFICIARIO)
    assert AuditEvent.objects.get(azione="seduta.annullata").attore_id == alice.pk
    assert assert_registro(codice).prenotato == 0


@pytest.mark.parametrize("caso", ["iniziata", "passata", "confermata"])
def test_the_beneficiary_cannot_cancel_a_started_past_or_confermata_seduta(alice, bob, codice, adesso, caso):
    inizio = adesso if caso == "iniziata" else adesso - dt.timedelta(days=1)
    seduta = prenota(bob, codice, inizio=inizio)
    if caso == "confermata":
        conferma_seduta(utente_di(bob), seduta, adesso=adesso)
    with pytest.raises(DomainError, match="Puoi annullare solo una seduta prenotata"):
        annulla_seduta_beneficiario(alice, seduta, adesso=adesso)
    assert Seduta.objects.get(pk=seduta.pk).stato != Seduta.Stato.ANNULLATA
    assert_registro(codice)


def test_the_maximum_per_seduta_comes_from_the_codes_bando(bob, nuovo_codice):
    codice = nuovo_codice("500.00")
    Bando.objects.filter(pk=codice.domanda.bando_id).update(massimo_seduta=Decimal("40.00"))
    codice.refresh_from_db()
    verifica = verifica_associazione(
        utente_di(bob),
        bob,
        codice_fiscale=codice.domanda.cf_beneficiario,
        codice=codice.codice,
        ip="10.0.0.1",
    )
    assert verifica.massimo == Decimal("40.00")
    with pytest.raises(DomainError, match="40,00") as errore:
        prenota(bob, codice, importo="40.01")
    assert errore.value.field == "importo"
    seduta = prenota(bob, codice, importo="40.00")
    with pytest.raises(DomainError, match="40,00"):
        modifica_seduta(
            utente_di(bob), seduta, inizio=seduta.inizio, durata_minuti=50, importo=Decimal("45.00")
        )
    assert_registro(codice)
