"""factory_boy factories shared by the whole suite. Codici fiscali are valid (stdnum check digit)."""

import datetime as dt
import itertools
from decimal import Decimal

import factory
from django.db.models import F
from django.utils import timezone
from stdnum.it import codicefiscale

from apps.accounts.models import User
from apps.codici.models import CodiceUnivoco, MovimentoCodice
from apps.codici.services import genera_codice
from apps.core.models import Provincia, Regione
from apps.domande.models import AttestazioneIsee, Bando, BudgetRegionale, Domanda, RappresentanzaLegale
from apps.fatture.models import Fattura, SedutaFatturata
from apps.professionisti.models import CanaleAccredito, Professionista, Studio
from apps.rimborsi.models import TrasferimentoRisorse
from apps.sedute.models import Seduta

_seq = itertools.count(1)
_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


_MESI = "ABCDEHLMPRST"


def make_cf(n: int | None = None, nato_il: dt.date | None = None) -> str:
    """A valid, distinct 16-character codice fiscale for test number n (an adult born 1980–1999 unless
    `nato_il` gives the birth date)."""
    n = next(_seq) if n is None else n
    a, b, c = n % 24, (n // 24) % 24, (n // 576) % 24
    nascita = f"{80 + n % 20:02d}A{(n % 28) + 1:02d}"
    if nato_il is not None:
        nascita = f"{nato_il.year % 100:02d}{_MESI[nato_il.month - 1]}{nato_il.day:02d}"
    base = f"TST{_LETTERS[a]}{_LETTERS[b]}{_LETTERS[c]}{nascita}H501"
    return base + codicefiscale.calc_check_digit(base)


def cf_minore(n: int | None = None, *, il: dt.date | None = None) -> str:
    """The codice fiscale of a child ten years old today, or on `il` (a test that acts on a fixed day)."""
    giorno = il or timezone.localdate()
    return make_cf(n, nato_il=giorno.replace(day=1) - dt.timedelta(days=3650))


def regione(codice="120") -> Regione:
    from apps.domande.reference import REGIONI

    return Regione.objects.get_or_create(codice=codice, defaults={"nome": REGIONI.get(codice, codice)})[0]


def provincia(sigla="RM", regione_codice="120") -> Provincia:
    return Provincia.objects.get_or_create(
        sigla=sigla, defaults={"nome": sigla, "regione": regione(regione_codice)}
    )[0]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("codice_fiscale",)

    codice_fiscale = factory.LazyFunction(make_cf)
    nome = factory.Faker("first_name", locale="it_IT")
    cognome = factory.Faker("last_name", locale="it_IT")


class BandoFactory(factory.django.DjangoModelFactory):
    """A 2025-like bando; by default its window contains today."""

    class Meta:
        model = Bando
        django_get_or_create = ("anno",)

    anno = factory.Sequence(lambda n: 3000 + n)
    nome = factory.LazyAttribute(lambda o: f"Bando di prova {o.anno}")
    apertura = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=10))
    chiusura = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=60))
    importo_fascia_a = Decimal("1500.00")
    importo_fascia_b = Decimal("1000.00")
    importo_fascia_c = Decimal("500.00")
    giorni_regolarizzazione = 15
    giorni_validita = 270
    giorni_prima_seduta = 60


class BudgetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetRegionale

    bando = factory.SubFactory(BandoFactory)
    regione = factory.LazyFunction(regione)
    importo = Decimal("10000.00")


class AttestazioneIseeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AttestazioneIsee

    codice_fiscale = factory.LazyFunction(make_cf)
    protocollo_dsu = factory.Sequence(lambda n: f"INPS-ISEE-2025-{n:08d}")
    valore = Decimal("12000.00")
    rilasciata_il = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
    valida_fino_al = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=300))


class RappresentanzaFactory(factory.django.DjangoModelFactory):
    """A verified link: by default a parent's, to a ten-year-old child, valid from a year ago without end."""

    class Meta:
        model = RappresentanzaLegale

    cf_richiedente = factory.LazyFunction(make_cf)
    cf_beneficiario = factory.LazyFunction(cf_minore)
    tipo = RappresentanzaLegale.Tipo.GENITORE
    valida_dal = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=365))
    provvedimento_numero = factory.LazyAttribute(
        lambda o: "" if o.tipo in RappresentanzaLegale.TIPI_PER_MINORI else "123/2024"
    )
    provvedimento_data = factory.LazyAttribute(
        lambda o: None if o.tipo in RappresentanzaLegale.TIPI_PER_MINORI else o.valida_dal
    )


class DomandaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Domanda

    bando = factory.SubFactory(BandoFactory)
    protocollo = factory.Sequence(lambda n: f"T-{n:09d}")
    cf_beneficiario = factory.LazyFunction(make_cf)
    cf_richiedente = factory.LazyAttribute(lambda o: o.cf_beneficiario)
    regione = factory.LazyFunction(regione)
    provincia = factory.LazyAttribute(
        lambda o: (
            provincia(regione_codice=o.regione.codice)
            if o.regione.codice == "120"
            else Provincia.objects.filter(regione=o.regione).first()
            or provincia(sigla=o.regione.codice[:2], regione_codice=o.regione.codice)
        )
    )
    isee = Decimal("10000.00")
    presentata_il = factory.LazyAttribute(lambda o: o.bando.inizio_finestra + dt.timedelta(hours=12))
    email = "beneficiario@example.org"
    cellulare = "+393331234567"


class CodiceFactory(factory.django.DjangoModelFactory):
    """An active code, valid from 10 days ago, with its ASSEGNAZIONE movement (the ledger stays exact)."""

    class Meta:
        model = CodiceUnivoco
        skip_postgeneration_save = True

    codice = factory.LazyFunction(genera_codice)
    domanda = factory.SubFactory(DomandaFactory)
    assegnato = Decimal("500.00")
    valido_dal = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=10))
    valido_fino_al = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=260))

    @factory.post_generation
    def movimento(obj, create, extracted, **kwargs):
        if create:
            MovimentoCodice.objects.create(
                codice=obj, tipo=MovimentoCodice.Tipo.ASSEGNAZIONE, delta_assegnato=obj.assegnato
            )


class ProfessionistaFactory(factory.django.DjangoModelFactory):
    """An adhering psychotherapist in the latest CNOP list, with the studio CNOP lists for them."""

    class Meta:
        model = Professionista
        skip_postgeneration_save = True
        django_get_or_create = ("codice_fiscale",)

    codice_fiscale = factory.LazyFunction(make_cf)
    cognome = factory.Faker("last_name", locale="it_IT")
    nome = factory.Faker("first_name", locale="it_IT")
    ordine = "Lazio"
    numero_iscrizione = factory.Sequence(lambda n: f"{10000 + n}")
    data_iscrizione = dt.date(2010, 5, 1)
    data_adesione = dt.date(2022, 9, 1)
    email = "studio@example.org"

    @factory.post_generation
    def studio(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            StudioFactory(professionista=obj, da_cnop=True)


class StudioFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Studio

    professionista = factory.SubFactory(ProfessionistaFactory, studio=False)
    indirizzo = factory.Sequence(lambda n: f"Via Roma {n + 1}")
    comune = "Roma"
    provincia = factory.LazyFunction(provincia)
    cap = "00100"


class CanaleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CanaleAccredito

    professionista = factory.SubFactory(ProfessionistaFactory)
    iban = "IT60X0542811101000000123456"
    attuale = True


def utente_di(professionista: Professionista) -> User:
    """The login of a professional: a User with the same codice fiscale."""
    return UserFactory(
        codice_fiscale=professionista.codice_fiscale, nome=professionista.nome, cognome=professionista.cognome
    )


def entra_come_professionista(client, professionista: Professionista, paziente: CodiceUnivoco | None = None):
    """Log the test client in as the professional, already switched to the Psicoterapeuta profile,
    optionally with `paziente`'s code verified (as "Verifica associazione" leaves the session)."""
    client.force_login(utente_di(professionista))
    session = client.session
    session["profilo"] = "psicoterapeuta"
    if paziente is not None:
        session["prenotazione_paziente"] = {"codice_id": paziente.pk, "cf": paziente.domanda.cf_beneficiario}
    session.save()


class SedutaFactory(factory.django.DjangoModelFactory):
    """A prenotata seduta written directly, amounts moved on the code as the service would."""

    class Meta:
        model = Seduta
        skip_postgeneration_save = True

    professionista = factory.SubFactory(ProfessionistaFactory)
    codice = factory.SubFactory(CodiceFactory)
    studio = factory.LazyAttribute(
        lambda o: o.professionista.studi.first() or StudioFactory(professionista=o.professionista)
    )
    inizio = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=3))
    durata_minuti = 50
    importo = Decimal("50.00")

    @factory.post_generation
    def importi(obj, create, extracted, **kwargs):
        if not create or obj.stato == Seduta.Stato.ANNULLATA:
            return
        colonna = "prenotato" if obj.stato == Seduta.Stato.PRENOTATA else "utilizzato"
        CodiceUnivoco.objects.filter(pk=obj.codice_id).update(**{colonna: F(colonna) + obj.importo})
        MovimentoCodice.objects.create(
            codice_id=obj.codice_id,
            tipo=MovimentoCodice.Tipo.PRENOTAZIONE,
            **{f"delta_{colonna}": obj.importo},
            riferimento=obj.numero,
        )
        obj.codice.refresh_from_db()


def seduta_confermata(
    professionista=None, codice=None, *, giorni_fa: int = 5, importo=Decimal("50.00"), **kw
):
    """A confermata seduta that took place `giorni_fa` days ago, amounts in the code's `utilizzato`."""
    extra = {}
    if professionista is not None:
        extra["professionista"] = professionista
    if codice is not None:
        extra["codice"] = codice
    return SedutaFactory(
        **extra,
        stato=Seduta.Stato.CONFERMATA,
        inizio=timezone.now() - dt.timedelta(days=giorni_fa),
        confermata_il=timezone.now() - dt.timedelta(days=giorni_fa),
        importo=importo,
        **kw,
    )


_numeri_fattura = itertools.count(1)


def fattura_registrata(
    professionista=None,
    codice=None,
    *,
    sedute: int = 2,
    totale=None,
    data=None,
    registrata_il=None,
    importo=Decimal("50.00"),
    **kw,
) -> Fattura:
    """A registered (da_pagare) fattura for `sedute` new confermata sedute of one code, written directly
    as registra_fattura would leave it: the sedute fatturata, one SedutaFatturata each."""
    professionista = professionista or ProfessionistaFactory()
    codice = codice or CodiceFactory()
    righe = [
        seduta_confermata(professionista, codice, giorni_fa=10 + i, importo=importo) for i in range(sedute)
    ]
    bonus = sum((s.importo for s in righe), Decimal("0"))
    fattura = Fattura.objects.create(
        professionista=professionista,
        codice=codice,
        bando_id=codice.domanda.bando_id,
        regione_id=codice.domanda.regione_id,
        emittente=kw.pop("emittente", professionista.nominativo),
        numero=kw.pop("numero", f"{next(_numeri_fattura)}/T"),
        data=data or timezone.localdate() - dt.timedelta(days=2),
        totale=totale if totale is not None else bonus,
        importo_bonus=bonus,
        registrata_il=registrata_il or timezone.now(),
        **kw,
    )
    SedutaFatturata.objects.bulk_create(
        [SedutaFatturata(fattura=fattura, seduta=s, importo=s.importo) for s in righe]
    )
    Seduta.objects.filter(pk__in=[s.pk for s in righe]).update(stato=Seduta.Stato.FATTURATA)
    return fattura


class TrasferimentoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrasferimentoRisorse

    bando = factory.SubFactory(BandoFactory)
    regione = factory.LazyFunction(regione)
    data = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
    importo = Decimal("10000.00")
    riferimento = factory.Sequence(lambda n: f"TR-{n:05d}")
