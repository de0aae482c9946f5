"""The demo world of `seed_demo`: idempotent, so `make run` can call it on every start.

Nothing imports this app. It composes the domain apps like an operator and the citizens would:
reference data, an open demo bando (window contains today), a closed one whose graduatoria is
computed and published with the real services, the ISEE archive, CNOP's demo list of psychotherapists
(fixtures/cnop_demo.csv, through the real importer), the verified legal representations
(fixtures/rappresentanze_demo.csv: Mario is Giulia's parent, Laura Paolo's amministratore di
sostegno) and the demo identities of apps.accounts.demo in every state."""

import datetime as dt
import uuid
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from stdnum.it import codicefiscale

from apps.accounts.demo import DEMO_IDENTITIES
from apps.accounts.models import User
from apps.codici.models import CodiceUnivoco
from apps.core.models import Provincia, Regione
from apps.domande import protocolli
from apps.domande.importer_rappresentanze import importa_rappresentanze
from apps.domande.models import AttestazioneIsee, Bando, BudgetRegionale, Domanda, RappresentanzaLegale
from apps.domande.reference import OPERATORE_GROUP, load_reference_data
from apps.domande.services import presenta_domanda
from apps.fatture.models import Fattura
from apps.fatture.services import registra_fattura
from apps.graduatorie.models import Graduatoria
from apps.graduatorie.services import calcola_graduatorie, pubblica_graduatorie
from apps.professionisti.importer import importa_cnop
from apps.professionisti.models import CanaleAccredito, ImportazioneCnop, Professionista
from apps.professionisti.services import aggiungi_canale
from apps.rimborsi.importer import importa_trasferimenti
from apps.rimborsi.pagamenti import registra_pagamento
from apps.rimborsi.sepa import esporta_lotto
from apps.rimborsi.services import genera_rimborsi, mese_successivo
from apps.sedute.services import conferma_seduta, prenota_seduta

ANNO_APERTO = 2099
ANNO_CHIUSO = 2098
D = Decimal

_CF = {f"{d.nome} {d.cognome}": d.codice_fiscale for d in DEMO_IDENTITIES}
MARIO, LAURA, GIUSEPPE = _CF["Mario Rossi"], _CF["Laura Bianchi"], _CF["Giuseppe Verdi"]
FRANCESCA, LUCA, ANNA = _CF["Francesca Neri"], _CF["Luca Gialli"], _CF["Anna Bruni"]
# Psychotherapists: Paola has no IBAN yet (her first access asks for one), Marco has one.
PAOLA, MARCO = _CF["Paola Neri"], _CF["Marco Galli"]
CNOP_DEMO = Path(settings.BASE_DIR) / "fixtures" / "cnop_demo.csv"
RAPPRESENTANZE_DEMO = Path(settings.BASE_DIR) / "fixtures" / "rappresentanze_demo.csv"
IBAN_MARCO = "IT60X0542811101000000123456"  # a well-known valid test IBAN

# ISEE of each demo citizen in the DSU archive.
ISEE_DEMO = {MARIO: D("12000.00"), LAURA: D("18500.00"), GIUSEPPE: D("8000.00"),
             FRANCESCA: D("22000.00"), LUCA: D("28000.00")}  # fmt: skip


def _cf(base15: str) -> str:
    return base15 + codicefiscale.calc_check_digit(base15)


# A few more people in the archive, to try the rules: Giulia, Mario's daughter (born 2015, his verified
# link in RAPPRESENTANZE_DEMO), Paolo with a difforme ISEE (the form warns with the regularisation
# deadline; Laura is his amministratore di sostegno), an ISEE above 50 000 (refused).
GIULIA = _cf("RSSGLI15A41H501")
EXTRA = [
    (GIULIA, D("12000.00"), False),
    (_cf("DFRPLA82B12F205"), D("16000.00"), True),
    (_cf("RCCMRC70C20H501"), D("58000.00"), False),
]

# The Lazio graduatoria of the closed bando: (ISEE, who). With a budget of 7 600.00 the walk gives
# 1500 + 1500 + 1500 (Verdi) + 1500 + 1000 = 7 000, then Neri gets the 600 left, Gialli nothing.
LAZIO_CHIUSO = [
    (D("5000.00"), None), (D("6000.00"), None), (D("8000.00"), GIUSEPPE), (D("12000.00"), None),
    (D("18000.00"), None), (D("22000.00"), FRANCESCA), (D("25000.00"), None), (D("28000.00"), LUCA),
    (D("32000.00"), None), (D("36000.00"), None), (D("41000.00"), None), (D("45000.00"), None),
    (D("49000.00"), None),
]  # fmt: skip
BUDGET_LAZIO_CHIUSO = D("7600.00")

ANNO_RIMBORSI = 2097
# Marco Galli's patients on an older demo bando, published six months ago, so that their sedute, fatture and
# one monthly batch lie in the past: Lazio's and Lombardia's funds have arrived, Campania's have not.
# (codice fiscale, regione, provincia, ISEE)
PAZIENTI_RIMBORSI = [
    (_cf("DMOPZA80A01H501"), "120", "RM", D("9000.00")),  # fattura paid in a past batch
    (_cf("DMOPZB81A02F839"), "150", "NA", D("11000.00")),  # same batch: sospesa, no funds from Campania
    (_cf("DMOPZC82A03F205"), "030", "MI", D("14000.00")),  # fattura registered today: waiting
]
TRASFERIMENTI_DEMO = Path(settings.BASE_DIR) / "fixtures" / "trasferimenti_demo.csv"  # Lazio, Lombardia


def _filler_cf(n: int) -> str:
    return _cf(f"DMOFLR{70 + n:02d}A{n + 1:02d}H501")


def _regole(bando_anno: int, apertura: dt.date, chiusura: dt.date, nome: str) -> dict:
    return {
        "nome": nome, "demo": True, "apertura": apertura, "chiusura": chiusura,
        "importo_fascia_a": D("1500.00"), "importo_fascia_b": D("1000.00"), "importo_fascia_c": D("500.00"),
        "giorni_regolarizzazione": 15, "giorni_validita": 270, "giorni_prima_seduta": 60,
        "scorrimenti_massimi": 1,
    }  # fmt: skip


def _bando_aperto(oggi: dt.date) -> Bando:
    bando, created = Bando.objects.get_or_create(
        anno=ANNO_APERTO,
        defaults=_regole(
            ANNO_APERTO, oggi - dt.timedelta(days=30), oggi + dt.timedelta(days=60), "Bando dimostrativo"
        ),
    )
    if created:
        bando.territori_esclusi.set(["042"])
    elif not bando.apertura <= oggi <= bando.chiusura:
        # A later start of `make run`: move the window so that it still contains today.
        Bando.objects.filter(pk=bando.pk).update(
            apertura=oggi - dt.timedelta(days=30), chiusura=oggi + dt.timedelta(days=60)
        )
        bando.refresh_from_db()
    for codice in Regione.objects.values_list("codice", flat=True):
        BudgetRegionale.objects.get_or_create(
            bando=bando, regione_id=codice, defaults={"importo": D("250000.00")}
        )
    return bando


def _bando_chiuso(oggi: dt.date) -> Bando:
    bando, _ = Bando.objects.get_or_create(
        anno=ANNO_CHIUSO,
        defaults=_regole(
            ANNO_CHIUSO, oggi - dt.timedelta(days=90), oggi - dt.timedelta(days=1),
            "Bando dimostrativo (graduatoria pubblicata)",
        ),
    )  # fmt: skip
    BudgetRegionale.objects.get_or_create(
        bando=bando, regione_id="120", defaults={"importo": BUDGET_LAZIO_CHIUSO}
    )
    return bando


def _attestazione(cf: str, valore: Decimal, oggi: dt.date, difforme: bool = False) -> AttestazioneIsee:
    return AttestazioneIsee.objects.get_or_create(
        protocollo_dsu=f"INPS-ISEE-DEMO-{cf}",
        defaults={
            "codice_fiscale": cf, "valore": valore, "difforme": difforme,
            "rilasciata_il": oggi - dt.timedelta(days=120), "valida_fino_al": dt.date(oggi.year + 1, 12, 31),
        },
    )[0]  # fmt: skip


def _domanda(
    bando: Bando,
    cf: str,
    attestazione: AttestazioneIsee,
    presentata_il,
    richiedente=None,
    regione: str = "120",
    provincia: str = "RM",
) -> Domanda:
    esistente = Domanda.objects.filter(bando=bando, cf_beneficiario=cf).first()
    if esistente:
        return esistente
    numero = protocolli.nuovo_numero(bando)  # the web channel's numbering, as if submitted there
    return Domanda.objects.create(
        bando=bando, protocollo=protocolli.protocollo(bando, numero), richiedente=richiedente,
        cf_richiedente=cf, cf_beneficiario=cf, regione=Regione.objects.get(pk=regione),
        provincia=Provincia.objects.get(pk=provincia), isee=attestazione.valore, isee_tipo=attestazione.tipo,
        attestazione=attestazione, presentata_il=presentata_il,
        email=richiedente.email if richiedente else f"demo.{numero}@example.org",
        cellulare=f"+39333{numero:07d}",
        canale=Domanda.Canale.WEB if richiedente else Domanda.Canale.CONTACT_CENTER,
    )  # fmt: skip


def _lista_cnop(utenti: dict[str, User]) -> None:
    """CNOP's demo list, once: a later run must not re-import it (and must not take off the list any
    professional imported since). Marco gets his IBAN through the service the professional's page uses."""
    if not ImportazioneCnop.objects.filter(
        file=CNOP_DEMO.name, esito=ImportazioneCnop.Esito.COMPLETATA
    ).exists():
        importa_cnop(CNOP_DEMO, CNOP_DEMO.name, operatore=utenti[ANNA])
    marco = Professionista.objects.get(codice_fiscale=MARCO)
    if not CanaleAccredito.objects.filter(professionista=marco).exists():
        aggiungi_canale(utenti[MARCO], marco, iban=IBAN_MARCO, tipo=CanaleAccredito.Tipo.PERSONALE)


def _rappresentanze(utenti: dict[str, User]) -> None:
    """The demo links, through the real importer, once (a second run must not write a second audit)."""
    if not RappresentanzaLegale.objects.filter(cf_richiedente=MARIO, cf_beneficiario=GIULIA).exists():
        importa_rappresentanze(RAPPRESENTANZE_DEMO, RAPPRESENTANZE_DEMO.name, operatore=utenti[ANNA])


def _a(giorno: dt.date, ora: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(giorno, dt.time(ora)))


def _bando_rimborsi(oggi: dt.date) -> Bando:
    regole = _regole(
        ANNO_RIMBORSI,
        oggi - dt.timedelta(days=260),
        oggi - dt.timedelta(days=200),
        "Bando dimostrativo (rimborsi)",
    )
    bando, _ = Bando.objects.get_or_create(
        anno=ANNO_RIMBORSI, defaults=regole | {"giorni_prima_seduta": None}
    )
    for _cf_paziente, regione, _provincia, _isee in PAZIENTI_RIMBORSI:
        BudgetRegionale.objects.get_or_create(
            bando=bando, regione_id=regione, defaults={"importo": D("10000.00")}
        )
    return bando


def _fattura_demo(
    utenti, marco: Professionista, codice: CodiceUnivoco, quando: dt.datetime, numero: str
) -> Fattura:
    """Two sedute a week apart, booked and confirmed by Marco, then invoiced at `quando` (140.00 € in all:
    100.00 € on the bonus, 40.00 € paid by the patient)."""
    utente, studio, sedute = utenti[MARCO], marco.studi.first(), []
    for giorni in (14, 7):
        inizio = quando - dt.timedelta(days=giorni)
        seduta = prenota_seduta(
            utente, marco, codice_id=codice.pk, codice_fiscale=codice.domanda.cf_beneficiario, studio=studio,
            inizio=inizio, durata_minuti=50, importo=D("50.00"), adesso=inizio - dt.timedelta(days=3),
        )  # fmt: skip
        sedute.append(conferma_seduta(utente, seduta, adesso=inizio + dt.timedelta(hours=1)))
    return registra_fattura(
        utente, marco, sedute=sedute, emittente=marco.nominativo, numero=numero,
        data=timezone.localdate(quando), totale=D("140.00"), adesso=quando,
    )  # fmt: skip


def _rimborsi_demo(utenti: dict[str, User], oggi: dt.date) -> None:
    """Marco Galli's fatture on the older demo bando: one paid in a past monthly batch (Lazio), one of the
    same batch sospesa (Campania has transferred nothing), one registered today and waiting (Lombardia)."""
    bando = _bando_rimborsi(oggi)
    operatore = utenti[ANNA]
    if not Graduatoria.objects.filter(bando=bando, stato=Graduatoria.Stato.PUBBLICATA).exists():
        for n, (cf, regione, provincia, isee) in enumerate(PAZIENTI_RIMBORSI):
            _domanda(
                bando, cf, _attestazione(cf, isee, oggi), _a(bando.apertura + dt.timedelta(days=1 + n)),
                regione=regione, provincia=provincia,
            )  # fmt: skip
        calcola_graduatorie(bando, attore=operatore)
        pubblica_graduatorie(bando, data=oggi - dt.timedelta(days=180), attore=operatore)
    if Fattura.objects.filter(bando=bando).exists():
        return
    marco = Professionista.objects.get(codice_fiscale=MARCO)
    codici = {
        c.domanda.cf_beneficiario: c
        for c in CodiceUnivoco.objects.filter(domanda__bando=bando).select_related("domanda")
    }
    (lazio, *_), (campania, *_), (lombardia, *_) = PAZIENTI_RIMBORSI
    passato = _a(oggi - dt.timedelta(days=60))
    _fattura_demo(utenti, marco, codici[lazio], passato, f"1/{passato.year}")
    _fattura_demo(utenti, marco, codici[campania], passato + dt.timedelta(hours=1), f"2/{passato.year}")
    importa_trasferimenti(TRASFERIMENTI_DEMO, TRASFERIMENTI_DEMO.name, operatore=operatore)
    lotto = genera_rimborsi(passato.date(), operatore)
    # Exported on the 1st of the next month; the bank paid on the file's execution date.
    esportazione = esporta_lotto(lotto.mese, utente=operatore, oggi=mese_successivo(lotto.mese))
    for rimborso in lotto.rimborsi.all():
        registra_pagamento(operatore, rimborso, min(esportazione.data_esecuzione, oggi))
    adesso = timezone.now()
    _fattura_demo(utenti, marco, codici[lombardia], adesso, f"3/{adesso.year}")


def _utenti() -> dict[str, User]:
    operatori = Group.objects.get(name=OPERATORE_GROUP)
    utenti = {}
    for identita in DEMO_IDENTITIES:
        user = User.objects.filter(codice_fiscale=identita.codice_fiscale).first()
        if user is None:
            user = User.objects.create_user(
                identita.codice_fiscale, nome=identita.nome, cognome=identita.cognome,
                email=f"{identita.nome.lower()}.{identita.cognome.lower()}@example.org",
                is_staff=identita.operatore,
            )  # fmt: skip
        if identita.operatore:
            if not user.is_staff:
                User.objects.filter(pk=user.pk).update(is_staff=True)
            user.groups.add(operatori)
        utenti[identita.codice_fiscale] = user
    return utenti


@transaction.atomic
def seed_demo(oggi: dt.date | None = None) -> dict:
    """Build (or complete) the demo world. A second run changes nothing."""
    oggi = oggi or timezone.localdate()
    load_reference_data()
    utenti = _utenti()
    _lista_cnop(utenti)
    attestazioni = {cf: _attestazione(cf, valore, oggi) for cf, valore in ISEE_DEMO.items()}
    for cf, valore, difforme in EXTRA:
        _attestazione(cf, valore, oggi, difforme)
    _rappresentanze(utenti)

    aperto = _bando_aperto(oggi)
    # Laura Bianchi: submitted on the open bando through the web service, not ranked yet (in
    # istruttoria). Mario: nothing yet. The closed bando's domande below predate its closing, so
    # they are written as the bulk channel would (the web service refuses a closed window).
    if not Domanda.objects.filter(bando=aperto, cf_beneficiario=LAURA).exists():
        presenta_domanda(
            utenti[LAURA], aperto, cf_beneficiario=LAURA, relazione=Domanda.Relazione.SE_STESSO,
            provincia="RM", email=utenti[LAURA].email, cellulare="", dichiarazione=True,
            chiave_invio=uuid.uuid5(uuid.NAMESPACE_URL, f"seed-demo:{aperto.anno}:{LAURA}"),
        )  # fmt: skip

    chiuso = _bando_chiuso(oggi)
    for n, (isee, cf) in enumerate(LAZIO_CHIUSO):
        presentata_il = chiuso.inizio_finestra + dt.timedelta(days=1, hours=n)
        if cf is None:
            cf = _filler_cf(n)
            attestazione = _attestazione(cf, isee, oggi)
            _domanda(chiuso, cf, attestazione, presentata_il)
        else:
            _domanda(chiuso, cf, attestazioni[cf], presentata_il, richiedente=utenti[cf])

    stati = set(Graduatoria.objects.filter(bando=chiuso).values_list("stato", flat=True))
    pubblicata = stati == {Graduatoria.Stato.PUBBLICATA}
    if not pubblicata:
        operatore = utenti[ANNA]
        calcola_graduatorie(chiuso, attore=operatore)
        pubblica_graduatorie(chiuso, data=oggi, attore=operatore)
    _rimborsi_demo(utenti, oggi)
    return {
        "bando_aperto": aperto.anno,
        "bando_chiuso": chiuso.anno,
        "graduatoria_pubblicata_ora": not pubblicata,
        # Demo data only: the codes of the demo citizens, for a tester to book on (seed_demo prints them).
        "codici": dict(
            CodiceUnivoco.objects.filter(
                domanda__bando=chiuso, domanda__cf_beneficiario__in=ISEE_DEMO
            ).values_list("domanda__cf_beneficiario", "codice")
        ),
    }
