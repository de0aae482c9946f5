"""Writes of the domande app: the submission of a domanda (web channel)."""

import datetime as dt
import uuid

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from apps.core import riferimenti
from apps.core.exceptions import DomainError
from apps.core.locking import servizio_occupato
from apps.core.models import Provincia
from apps.core.money import euro
from apps.core.nascita import minorenne
from apps.core.services import audit
from apps.core.validators import is_valid_codice_fiscale, normalize_codice_fiscale

from . import conferma, protocolli
from .models import ROME, Bando, Domanda, RappresentanzaLegale
from .selectors import cerca_isee, cerca_rappresentanza, controlli_domanda

GIA_PRESENTATA = _("Per questo beneficiario è già stata presentata una domanda per questo bando.")
CF_NON_VALIDO = _(
    "Codice fiscale del beneficiario non valido: servono 16 caratteri con il carattere di controllo corretto."
)
CF_NON_PROPRIO = _("Per una domanda per sé stessi il codice fiscale del beneficiario deve essere il proprio.")
CF_PROPRIO = _("Il codice fiscale indicato è il proprio: scegliere «per me stesso/a».")
NESSUN_ISEE = _(
    "Non risulta un'attestazione ISEE valida per il beneficiario: presentare la DSU e riprovare quando "
    "l'ISEE è disponibile."
)
# One message for every reason an applicant may not act for this person (no link, a link expired or not yet
# valid, of another tipo, a parent's link to an adult): it must tell nothing about the beneficiary.
RAPPRESENTANZA_NON_VERIFICATA = _(
    "Non risulta un rapporto di rappresentanza verificato che ti consenta di presentare la domanda per "
    "questo codice fiscale con la relazione indicata. Se sei genitore, affidatario, tutore, curatore o "
    "amministratore di sostegno del beneficiario, rivolgiti al Contact Center INPS per la verifica."
)
NESSUN_RECAPITO = _("Indicare almeno un indirizzo e-mail o un numero di cellulare per l'esito.")
NESSUNA_RELAZIONE = _("Indicare per chi si presenta la domanda.")
NESSUNA_DICHIARAZIONE = _("La dichiarazione ai sensi del DPR 445/2000 è obbligatoria.")
NESSUNA_PROVINCIA = _("Indicare la provincia di residenza del beneficiario.")
MODULO_ALTRUI = _("Modulo non valido: ricominciare la domanda.")
MODULO_NON_VALIDO = _("Modulo scaduto o non valido: ricominciare la domanda.")


def verifica_rappresentanza(cf_richiedente: str, cf_beneficiario: str, relazione: str, giorno: dt.date):
    """The applicant holds a verified link of this tipo to the beneficiary, valid on `giorno` (the
    submission day, Europe/Rome); genitore and affidatario only while the beneficiary is under 18
    (age from the codice fiscale). Otherwise RAPPRESENTANZA_NON_VERIFICATA, whatever the reason."""
    link = cerca_rappresentanza(cf_richiedente, cf_beneficiario, relazione, giorno)
    if link is None or (
        link.tipo in RappresentanzaLegale.TIPI_PER_MINORI and not minorenne(cf_beneficiario, giorno)
    ):
        raise DomainError(RAPPRESENTANZA_NON_VERIFICATA, "cf_beneficiario")
    return link


def controlli_del_modulo(
    richiedente, *, cf_beneficiario, relazione, email, cellulare, dichiarazione
) -> list[DomainError]:
    """The rules that read nothing but the form, all at once (the form shows every error of a submission
    together): the codice fiscale's shape, who it is for, a contact for the outcome, the DPR 445
    declaration. verifica_domanda raises the first; the form view shows them all."""
    errori = []
    cf = normalize_codice_fiscale(cf_beneficiario or "")
    cf_valido = is_valid_codice_fiscale(cf)
    if not cf_valido:
        errori.append(DomainError(CF_NON_VALIDO, "cf_beneficiario"))
    if relazione not in Domanda.Relazione.values:
        errori.append(DomainError(NESSUNA_RELAZIONE, "relazione"))
    elif relazione == Domanda.Relazione.SE_STESSO and cf_valido and cf != richiedente.codice_fiscale:
        errori.append(DomainError(CF_NON_PROPRIO, "cf_beneficiario"))
    elif relazione != Domanda.Relazione.SE_STESSO and cf == richiedente.codice_fiscale:
        errori.append(DomainError(CF_PROPRIO, "relazione"))
    if not (email or "").strip() and not (cellulare or "").strip():
        errori.append(DomainError(NESSUN_RECAPITO, "email"))
    if not dichiarazione:
        errori.append(DomainError(NESSUNA_DICHIARAZIONE, "dichiarazione"))
    return errori


def verifica_domanda(
    richiedente,
    bando: Bando,
    *,
    cf_beneficiario,
    relazione,
    provincia,
    email,
    cellulare,
    dichiarazione,
    adesso: dt.datetime,
    conferma: bool = False,
):
    """Check every rule that does not need a lock; return (cf, provincia, attestazione).

    Used by the riepilogo step too, so that the applicant sees a refusal before confirming. With
    `conferma` (presenta_domanda) the beneficiary's earlier domanda is not looked up: the unique key
    (beneficiary, bando) decides under the INSERT, which a lookup here could not (two confirmations at once).
    """
    _bando_aperto(bando, adesso)
    errori = controlli_del_modulo(
        richiedente, cf_beneficiario=cf_beneficiario, relazione=relazione, email=email, cellulare=cellulare,
        dichiarazione=dichiarazione,
    )  # fmt: skip
    if errori:
        raise errori[0]
    cf = normalize_codice_fiscale(cf_beneficiario)
    if relazione != Domanda.Relazione.SE_STESSO:
        # Before anything that reveals the beneficiary (a domanda already filed, the ISEE).
        verifica_rappresentanza(richiedente.codice_fiscale, cf, relazione, adesso.astimezone(ROME).date())
    provincia = _provincia(provincia)
    # One query for the territory, the earlier domanda and the ISEE; the refusals keep their order.
    attestazione, escluso, presentata = controlli_domanda(
        bando, provincia.regione_id, cf, adesso.astimezone(ROME).date()
    )
    if escluso:
        raise DomainError(
            _(
                "I residenti in %(regione)s non possono presentare domanda per il %(bando)s: "
                "il territorio è escluso dal bando."
            )
            % {"regione": provincia.regione.nome, "bando": bando.nome},
            "provincia",
        )
    if not conferma and presentata:
        raise DomainError(GIA_PRESENTATA, "cf_beneficiario")
    if attestazione is None:
        raise DomainError(NESSUN_ISEE, "cf_beneficiario")
    if attestazione.valore > bando.isee_massimo:
        raise DomainError(
            _("L'ISEE del beneficiario (%(isee)s) supera il limite di %(limite)s: la domanda non è ammessa.")
            % {"isee": euro(attestazione.valore), "limite": euro(bando.isee_massimo)},
            "cf_beneficiario",
        )
    return cf, provincia, attestazione


def verifica_per_conferma(richiedente, bando: Bando, *, chiave_invio, adesso: dt.datetime, **dati):
    """The riepilogo step: verifica_domanda, then the signed token of what it verified for the confirm
    step (apps.domande.conferma). Returns (cf, provincia, attestazione, token)."""
    cf, provincia, attestazione = verifica_domanda(richiedente, bando, adesso=adesso, **dati)
    token = conferma.firma(
        richiedente, bando, chiave_invio=chiave_invio, cf=cf, relazione=dati["relazione"],
        provincia=provincia, email=dati["email"], cellulare=dati["cellulare"],
        dichiarazione=dati["dichiarazione"], attestazione=attestazione,
        giorno=adesso.astimezone(ROME).date(), adesso=adesso,
    )  # fmt: skip
    return cf, provincia, attestazione, token


def _verificata(token, richiedente, bando: Bando, *, chiave, cf_beneficiario, relazione, provincia, email,
                cellulare, dichiarazione, adesso: dt.datetime):  # fmt: skip
    """The confirm step with the riepilogo's token: only what may have changed since it was signed.
    Returns (cf, provincia, attestazione) as verifica_domanda does."""
    _bando_aperto(bando, adesso)  # the publication is re-read under the lock too (_registra)
    cf, giorno = normalize_codice_fiscale(cf_beneficiario), adesso.astimezone(ROME).date()
    provincia = _provincia(provincia)
    try:
        isee = conferma.leggi(
            token, richiedente, bando, chiave_invio=chiave, cf=cf, relazione=relazione, provincia=provincia,
            email=email, cellulare=cellulare, dichiarazione=dichiarazione, giorno=giorno, adesso=adesso,
        )  # fmt: skip
    except conferma.TokenNonValido as exc:
        raise DomainError(MODULO_NON_VALIDO) from exc
    attestazione = cerca_isee(cf, giorno)
    if not conferma.corrisponde(isee, attestazione):  # replaced or changed since the riepilogo
        raise DomainError(MODULO_NON_VALIDO)
    return cf, provincia, attestazione


def _bando_aperto(bando: Bando, adesso: dt.datetime) -> None:
    if bando.graduatoria_pubblicata_il:
        raise DomainError(_pubblicata(bando, bando.graduatoria_pubblicata_il))
    if not bando.in_finestra(adesso):
        raise DomainError(
            _(
                "Le domande per il %(bando)s si presentano dal %(apertura)s al %(chiusura)s (ora italiana): "
                "la finestra non è aperta."
            )
            % {
                "bando": bando.nome,
                "apertura": date_format(bando.apertura, "SHORT_DATE_FORMAT"),
                "chiusura": date_format(bando.chiusura, "SHORT_DATE_FORMAT"),
            }
        )


def _provincia(provincia) -> Provincia:
    if isinstance(provincia, Provincia):
        return provincia
    in_cache = riferimenti.per_chiave(Provincia.objects.select_related("regione"))
    if (provincia or "").upper() in in_cache:
        return in_cache[provincia.upper()]
    trovata = Provincia.objects.select_related("regione").filter(pk=(provincia or "").upper()).first()
    if trovata is None:
        raise DomainError(NESSUNA_PROVINCIA, "provincia")
    return trovata


def _pubblicata(bando: Bando, il: dt.date) -> str:
    return _(
        "La graduatoria del %(bando)s è stata pubblicata il %(data)s: non si accettano nuove domande."
    ) % {
        "bando": bando.nome,
        "data": date_format(il, "SHORT_DATE_FORMAT"),
    }


def _gia_inviata(chiave: uuid.UUID, richiedente) -> Domanda | None:
    """The domanda this form already created (a double click, the back button), if any."""
    # Two columns first: nearly always there is none, and the full row costs more to build than to read.
    trovata = Domanda.objects.filter(chiave_invio=chiave).values_list("pk", "richiedente_id").first()
    if trovata is None:
        return None
    if trovata[1] != richiedente.pk:
        raise DomainError(MODULO_ALTRUI)
    return Domanda.objects.get(pk=trovata[0])


def presenta_domanda(
    richiedente,
    bando: Bando,
    *,
    cf_beneficiario,
    relazione,
    provincia,
    email,
    cellulare,
    dichiarazione,
    chiave_invio,
    adesso: dt.datetime | None = None,
    verifica: str | None = None,
) -> Domanda:
    """Submit a domanda on the web channel. Idempotent on `chiave_invio` for the same richiedente:
    a double click or a back-button resubmission returns the domanda already created.

    Each check runs once: the rules without a lock in verifica_domanda — or, with `verifica` (the token
    verifica_per_conferma gave the riepilogo for these very inputs), only what may have changed since then:
    the window and the attestation still the current one; a token that does not hold is MODULO_NON_VALIDO —
    the publication under the bando's lock, the beneficiary's earlier domanda by the unique key under the
    INSERT (looked up only when it fires: two confirmations at the same moment are both past any lookup).
    Without `verifica` (other callers, a page from before the token) every rule runs here."""
    adesso = adesso or timezone.now()
    try:
        chiave = uuid.UUID(str(chiave_invio))
    except (TypeError, ValueError) as exc:
        raise DomainError(MODULO_NON_VALIDO) from exc

    dati_modulo = {
        "cf_beneficiario": cf_beneficiario, "relazione": relazione, "provincia": provincia, "email": email,
        "cellulare": cellulare, "dichiarazione": dichiarazione, "adesso": adesso,
    }  # fmt: skip
    if verifica is None:
        esistente = _gia_inviata(chiave, richiedente)  # one indexed lookup; a resubmission takes no number
        if esistente is not None:
            return esistente
        cf, provincia, attestazione = verifica_domanda(richiedente, bando, conferma=True, **dati_modulo)
    else:
        # With a token, the form's earlier domanda is looked up only when something refuses: the unique
        # chiave_invio under the INSERT (a double click; the second one's number stays unused, see
        # protocolli), or a token no longer valid (the back button an hour later still gets the receipt).
        try:
            cf, provincia, attestazione = _verificata(
                verifica, richiedente, bando, chiave=chiave, **dati_modulo
            )
        except DomainError:
            esistente = _gia_inviata(chiave, richiedente)
            if esistente is not None:
                return esistente
            raise
    dati = {
        "bando": bando,
        "richiedente": richiedente,
        "cf_richiedente": richiedente.codice_fiscale,
        "cf_beneficiario": cf,
        "relazione": relazione,
        "regione_id": provincia.regione_id,
        "provincia": provincia,
        "isee": attestazione.valore,
        "isee_tipo": attestazione.tipo,
        "isee_difforme": attestazione.difforme,
        "isee_regolarizzato_il": attestazione.regolarizzata_il,
        "attestazione": attestazione,
        "presentata_il": adesso,
        "email": (email or "").strip(),
        "cellulare": (cellulare or "").strip(),
        "canale": Domanda.Canale.WEB,
        "dichiarazione_dpr445": True,
        "chiave_invio": chiave,
    }
    try:
        try:
            return _registra(richiedente, bando, dati)
        except protocolli.SequenzaMancante:
            protocolli.crea_sequenza(bando)  # the bando's first web domanda (once per bando)
            return _registra(richiedente, bando, dati)
    except IntegrityError as exc:
        # The same form twice, or the same beneficiary from two applicants (maybe at the same moment).
        esistente = _gia_inviata(chiave, richiedente)
        if esistente is not None:
            return esistente
        raise DomainError(GIA_PRESENTATA, "cf_beneficiario") from exc


def _inserisci(domanda: Domanda) -> Domanda:
    """Domanda.objects.create() on PostgreSQL without the ORM's query building (~1 ms here, on the flow's
    busiest request): the same columns and values save() computes (pre_save for auto_now_add,
    get_db_prep_save), one INSERT … RETURNING id; unique keys raise IntegrityError as create() does."""
    if connection.vendor != "postgresql":
        domanda.save(force_insert=True)
        return domanda
    campi = [f for f in Domanda._meta.concrete_fields if not f.primary_key]
    valori = [f.get_db_prep_save(f.pre_save(domanda, True), connection) for f in campi]
    colonne = ", ".join(f'"{f.column}"' for f in campi)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Domanda._meta.db_table} ({colonne}) VALUES ({', '.join(['%s'] * len(campi))}) "
            "RETURNING id",
            valori,
        )
        domanda.pk = cursor.fetchone()[0]
    domanda._state.adding, domanda._state.db = False, connection.alias
    return domanda


def _registra(richiedente, bando: Bando, dati: dict) -> Domanda:
    with servizio_occupato(), transaction.atomic():
        # blocca_e_numera bounds the lock wait (settings.LOCK_TIMEOUT_MS) in the same round trip. The
        # SHARED lock on the bando row, held until commit, closes the race with the publication of
        # the graduatoria (which locks the row FOR UPDATE and ranks what has committed): re-read here,
        # graduatoria_pubblicata_il is the truth. Submissions never wait on each other (see protocolli).
        pubblicata_il, numero = protocolli.blocca_e_numera(bando)
        if pubblicata_il:
            raise DomainError(_pubblicata(bando, pubblicata_il))
        domanda = _inserisci(Domanda(protocollo=protocolli.protocollo(bando, numero), **dati))
        audit(richiedente, "domanda.presentata", domanda, bando=bando.anno, relazione=dati["relazione"])
    return domanda
