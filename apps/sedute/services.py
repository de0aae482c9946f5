"""Booking, changing, cancelling and confirming sedute on the code's balance.

Every action is one transaction that starts by locking the code row (`blocca_codice`), then re-reads
the seduta under lock, re-checks, and moves the amounts with a ledger movement. Locking the code first,
always, gives one lock order: two professionals on one code, or a confirmation racing a cancellation,
queue behind each other instead of both reading the same residuo.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.codici.models import CodiceUnivoco, MovimentoCodice
from apps.codici.services import blocca_codice, muovi_importi
from apps.core.exceptions import DomainError
from apps.core.locking import servizio_occupato
from apps.core.money import euro
from apps.core.services import audit
from apps.core.validators import normalize_codice_fiscale

from . import ratelimit
from .models import Seduta
from .selectors import nominativo_beneficiario, prima_seduta_in_tempo

CENT = Decimal("0.01")
MESSAGGIO_ASSOCIAZIONE = gettext_lazy(
    "Codice fiscale e codice univoco non corrispondono a un contributo utilizzabile. "
    "Controlla i dati comunicati dal paziente."
)
MESSAGGIO_TROPPI_TENTATIVI = gettext_lazy(
    "Troppe verifiche non riuscite. Per sicurezza la verifica è sospesa: riprova tra qualche minuto."
)


def _data(giorno: dt.date) -> str:
    return formats.date_format(giorno, "SHORT_DATE_FORMAT")


class AssociazioneNonValida(DomainError):
    def __init__(self):
        super().__init__(MESSAGGIO_ASSOCIAZIONE, None)


@dataclass(frozen=True)
class Verifica:
    codice_id: int
    codice_fiscale: str
    nominativo: str
    residuo: Decimal
    massimo: Decimal
    valido_dal: dt.date
    valido_fino_al: dt.date


def _oggi(adesso: dt.datetime) -> dt.date:
    return timezone.localdate(adesso)


def _prima_seduta_scaduta(codice: CodiceUnivoco, oggi: dt.date) -> bool:
    """Past the first-seduta deadline without a timely confirmed seduta: the code lapses at the next run of
    the decadenza job, and nothing can be booked or confirmed on it meanwhile."""
    if codice.prima_seduta_entro is None or oggi <= codice.prima_seduta_entro:
        return False
    return not prima_seduta_in_tempo(codice)


def _associato(codice: CodiceUnivoco | None, codice_fiscale: str, oggi: dt.date) -> bool:
    """The pairing holds and the code may still be spent on (its residuo aside)."""
    return (
        codice is not None
        and codice.domanda.cf_beneficiario == codice_fiscale
        and codice.stato in (CodiceUnivoco.Stato.ATTIVO, CodiceUnivoco.Stato.ESAURITO)
        and codice.valido_dal <= oggi <= codice.valido_fino_al
        and not _prima_seduta_scaduta(codice, oggi)
    )


def _utilizzabile(codice: CodiceUnivoco | None, codice_fiscale: str, oggi: dt.date) -> bool:
    """One answer for unknown, mismatched, expired, decaduto or exhausted: nothing to learn from it."""
    return _associato(codice, codice_fiscale, oggi) and codice.residuo > 0


def massimo_per_seduta(codice: CodiceUnivoco, disponibile: Decimal | None = None) -> Decimal:
    """`min(massimo_seduta of the code's bando, disponibile)`; `disponibile` is the residuo unless a
    seduta being modified adds back its own amount."""
    disponibile = codice.residuo if disponibile is None else disponibile
    return min(codice.domanda.bando.massimo_seduta, disponibile)


def verifica_associazione(utente, professionista, *, codice_fiscale: str, codice: str, ip: str, adesso=None):
    """Check the pairing the patient gave the professional; rate-limited and audited."""
    adesso = adesso or timezone.now()
    if ratelimit.bloccato(utente.pk, ip):
        audit(utente, "seduta.verifica", esito="bloccata", ip=ip)
        raise DomainError(MESSAGGIO_TROPPI_TENTATIVI)
    cf = normalize_codice_fiscale(codice_fiscale)
    trovato = (
        CodiceUnivoco.objects.select_related("domanda__bando")
        .filter(codice="".join(codice.split()).upper())
        .first()
    )
    if not _utilizzabile(trovato, cf, _oggi(adesso)):
        ratelimit.registra_errore(utente.pk, ip)
        audit(utente, "seduta.verifica", esito="non_valida", ip=ip)
        raise AssociazioneNonValida()
    audit(utente, "seduta.verifica", trovato, esito="ok", ip=ip)
    return Verifica(
        codice_id=trovato.pk,
        codice_fiscale=cf,
        nominativo=nominativo_beneficiario(cf),
        residuo=trovato.residuo,
        massimo=massimo_per_seduta(trovato),
        valido_dal=trovato.valido_dal,
        valido_fino_al=trovato.valido_fino_al,
    )


def _controlla_dati(codice: CodiceUnivoco, inizio: dt.datetime, durata_minuti: int, importo: Decimal) -> None:
    if timezone.is_naive(inizio):
        raise ValueError("inizio deve essere un datetime con fuso orario")
    giorno = timezone.localdate(inizio)
    if giorno < codice.valido_dal:
        raise DomainError(
            _("La data non può precedere l'inizio della validità del codice (%(dal)s).")
            % {"dal": _data(codice.valido_dal)},
            "data",
        )
    if giorno > codice.valido_fino_al:
        raise DomainError(
            _("Il codice è valido fino al %(al)s.") % {"al": _data(codice.valido_fino_al)}, "data"
        )
    if not 1 <= durata_minuti <= 600:
        raise DomainError(_("Indica una durata tra 1 e 600 minuti."), "durata_minuti")
    if importo < CENT or importo != importo.quantize(CENT):
        raise DomainError(
            _("Indica un importo di almeno %(minimo)s con al massimo due decimali.") % {"minimo": euro(CENT)},
            "importo",
        )


def _controlla_prima_seduta(codice: CodiceUnivoco, inizio: dt.datetime, seduta: Seduta | None = None) -> None:
    """The first seduta must fall by `prima_seduta_entro`; once one is booked, later ones may follow.
    `seduta` is the one being moved: it does not count as the booked one, or moving the code's only
    seduta past the deadline would dodge the rule."""
    if not codice.prima_seduta_entro or timezone.localdate(inizio) <= codice.prima_seduta_entro:
        return
    altre = codice.sedute.exclude(stato=Seduta.Stato.ANNULLATA)
    if seduta is not None:
        altre = altre.exclude(pk=seduta.pk)
    if not altre.exists():
        raise DomainError(
            _("La prima seduta deve svolgersi entro il %(entro)s.")
            % {"entro": _data(codice.prima_seduta_entro)},
            "data",
        )


def _troppo(massimo: Decimal) -> DomainError:
    return DomainError(
        _("L'importo supera il massimo disponibile per questa seduta: %(massimo)s")
        % {"massimo": euro(massimo)},
        "importo",
    )


def prenota_seduta(
    utente,
    professionista,
    *,
    codice_id: int,
    codice_fiscale: str,
    studio,
    inizio: dt.datetime,
    durata_minuti: int,
    importo: Decimal,
    chiave_invio=None,
    adesso=None,
) -> Seduta:
    """Book on a code the professional has verified. With `chiave_invio` (the form's one-time key) a
    resubmission returns the seduta already booked instead of booking it twice."""
    adesso = adesso or timezone.now()
    if not professionista.puo_prenotare:
        raise DomainError(
            _(
                "La tua adesione all'iniziativa non risulta attiva nella lista CNOP: non puoi prenotare "
                "nuove sedute. Puoi ancora confermare e fatturare quelle già prenotate."
            )
        )
    if studio.professionista_id != professionista.pk:
        raise DomainError(_("Scegli uno dei tuoi studi."), "studio")
    with servizio_occupato(), transaction.atomic():
        codice = blocca_codice(codice_id)
        if chiave_invio is not None:
            # Under the code's lock: the first submission has committed, or is still holding the lock.
            gia_prenotata = Seduta.objects.filter(chiave_invio=chiave_invio).first()
            if gia_prenotata is not None:
                if gia_prenotata.professionista_id != professionista.pk:
                    raise DomainError(_("Modulo non valido: ricomincia la prenotazione."))
                return gia_prenotata
        if not _associato(codice, normalize_codice_fiscale(codice_fiscale), _oggi(adesso)):
            raise AssociazioneNonValida()
        if codice.residuo == 0:
            # Already verified in this session, so saying so reveals nothing new.
            raise DomainError(
                _("Il codice non ha più importo disponibile: residuo %(residuo)s.") % {"residuo": euro(0)},
                "importo",
            )
        _controlla_dati(codice, inizio, durata_minuti, importo)
        _controlla_prima_seduta(codice, inizio)
        if importo > massimo_per_seduta(codice):
            raise _troppo(massimo_per_seduta(codice))
        seduta = Seduta.objects.create(
            professionista=professionista,
            codice=codice,
            studio=studio,
            inizio=inizio,
            durata_minuti=durata_minuti,
            importo=importo,
            chiave_invio=chiave_invio,
        )
        muovi_importi(codice, MovimentoCodice.Tipo.PRENOTAZIONE, prenotato=importo, riferimento=seduta.numero)
        audit(utente, "seduta.prenotata", seduta, importo=str(importo))
    return seduta


def _rileggi(seduta: Seduta) -> tuple[CodiceUnivoco, Seduta]:
    """Lock the code first (one lock order for every action), then the seduta, and re-read both."""
    codice = blocca_codice(seduta.codice_id)
    return codice, Seduta.objects.select_for_update().select_related("studio").get(pk=seduta.pk)


def _colonna(seduta: Seduta) -> str:
    return "prenotato" if seduta.stato == Seduta.Stato.PRENOTATA else "utilizzato"


@servizio_occupato()  # a lock wait past LOCK_TIMEOUT_MS: DomainError, all rolled back
@transaction.atomic
def modifica_seduta(
    utente, seduta: Seduta, *, inizio: dt.datetime, durata_minuti: int, importo: Decimal, adesso=None
) -> Seduta:
    adesso = adesso or timezone.now()
    codice, seduta = _rileggi(seduta)
    if not seduta.modificabile:
        raise DomainError(
            _("La seduta è %(stato)s: non si può più modificare.") % {"stato": seduta.get_stato_display()}
        )
    _controlla_dati(codice, inizio, durata_minuti, importo)
    _controlla_prima_seduta(codice, inizio, seduta)
    if seduta.stato == Seduta.Stato.CONFERMATA and inizio > adesso:
        raise DomainError(_("Una seduta già confermata non può essere spostata a una data futura."), "data")
    massimo = massimo_per_seduta(codice, codice.residuo + seduta.importo)
    if importo > massimo:
        raise _troppo(massimo)
    delta = importo - seduta.importo
    if delta > 0 and codice.stato not in (CodiceUnivoco.Stato.ATTIVO, CodiceUnivoco.Stato.ESAURITO):
        raise DomainError(
            _("Il codice è %(stato)s: l'importo della seduta si può solo ridurre.")
            % {"stato": codice.get_stato_display()},
            "importo",
        )
    if delta:
        tipo = MovimentoCodice.Tipo.RILASCIO if delta < 0 else MovimentoCodice.Tipo.PRENOTAZIONE
        if seduta.stato == Seduta.Stato.CONFERMATA and delta > 0:
            tipo = MovimentoCodice.Tipo.UTILIZZO
        muovi_importi(codice, tipo, **{_colonna(seduta): delta}, riferimento=seduta.numero)
    prima = {
        "inizio": seduta.inizio.isoformat(),
        "importo": str(seduta.importo),
        "durata": seduta.durata_minuti,
    }
    if (inizio, durata_minuti) != (seduta.inizio, seduta.durata_minuti):
        seduta.revisione += 1  # the appointment moved: calendar feeds must replace their copy
    seduta.inizio, seduta.durata_minuti, seduta.importo = inizio, durata_minuti, importo
    seduta.modificata_il = adesso
    seduta.save(update_fields=["inizio", "durata_minuti", "importo", "modificata_il", "revisione"])
    audit(utente, "seduta.modificata", seduta, prima=prima, importo=str(importo))
    return seduta


def _annulla(utente, seduta: Seduta, da: str, adesso) -> Seduta:
    codice, seduta = _rileggi(seduta)
    if seduta.stato == Seduta.Stato.ANNULLATA:
        return seduta  # already done: a second click changes nothing
    if da == Seduta.AnnullataDa.BENEFICIARIO and not seduta.annullabile_dal_beneficiario(adesso):
        raise DomainError(_("Puoi annullare solo una seduta prenotata che non si è ancora svolta."))
    if not seduta.annullabile:
        raise DomainError(
            _("La seduta è %(stato)s: non si può più annullare.") % {"stato": seduta.get_stato_display()}
        )
    muovi_importi(
        codice,
        MovimentoCodice.Tipo.RILASCIO,
        **{_colonna(seduta): -seduta.importo},
        riferimento=seduta.numero,
    )
    seduta.stato, seduta.annullata_il, seduta.annullata_da = Seduta.Stato.ANNULLATA, adesso, da
    seduta.revisione += 1  # calendar feeds: same UID, higher SEQUENCE, STATUS:CANCELLED
    seduta.save(update_fields=["stato", "annullata_il", "annullata_da", "revisione"])
    audit(utente, "seduta.annullata", seduta, da=da)
    return seduta


@servizio_occupato()  # a lock wait past LOCK_TIMEOUT_MS: DomainError, all rolled back
@transaction.atomic
def annulla_seduta(utente, seduta: Seduta, *, adesso=None) -> Seduta:
    """The professional cancels (prenotata or confermata, until invoiced)."""
    return _annulla(utente, seduta, Seduta.AnnullataDa.PROFESSIONISTA, adesso or timezone.now())


@servizio_occupato()  # a lock wait past LOCK_TIMEOUT_MS: DomainError, all rolled back
@transaction.atomic
def annulla_seduta_beneficiario(utente, seduta: Seduta, *, adesso=None) -> Seduta:
    """The beneficiary (or the applicant for them) cancels a booking that has not happened yet."""
    return _annulla(utente, seduta, Seduta.AnnullataDa.BENEFICIARIO, adesso or timezone.now())


@servizio_occupato()  # a lock wait past LOCK_TIMEOUT_MS: DomainError, all rolled back
@transaction.atomic
def conferma_seduta(utente, seduta: Seduta, *, adesso=None) -> Seduta:
    adesso = adesso or timezone.now()
    codice, seduta = _rileggi(seduta)
    if seduta.stato == Seduta.Stato.CONFERMATA:
        return seduta
    if seduta.stato != Seduta.Stato.PRENOTATA:
        raise DomainError(
            _("La seduta è %(stato)s: non si può confermare.") % {"stato": seduta.get_stato_display()}
        )
    if _prima_seduta_scaduta(codice, _oggi(adesso)):
        raise DomainError(
            _(
                "Il termine per svolgere e confermare la prima seduta era il %(entro)s: il codice decade "
                "e la seduta non si può più confermare."
            )
            % {"entro": _data(codice.prima_seduta_entro)}
        )
    if seduta.inizio > adesso:
        inizio = timezone.localtime(seduta.inizio)
        raise DomainError(
            _("Potrai confermare la seduta dopo il suo inizio, il %(giorno)s alle %(ora)s.")
            % {"giorno": _data(inizio.date()), "ora": inizio.strftime("%H:%M")}
        )
    muovi_importi(
        codice,
        MovimentoCodice.Tipo.UTILIZZO,
        prenotato=-seduta.importo,
        utilizzato=seduta.importo,
        riferimento=seduta.numero,
    )
    seduta.stato, seduta.confermata_il = Seduta.Stato.CONFERMATA, adesso
    seduta.save(update_fields=["stato", "confermata_il"])
    audit(utente, "seduta.confermata", seduta)
    return seduta


# --- Invoicing and payment (called by fatture, which owns the fattura's rules) -------------------------


def fattura_sedute(utente, seduta_ids: list[int]) -> int:
    """confermata → fatturata for these sedute. The caller (registra_fattura) holds the code's lock and has
    checked them under `select_for_update`; the state filter makes a stale id change nothing. Returns how
    many changed: fewer than asked means some were no longer confermata, and the caller rolls back."""
    return Seduta.objects.filter(pk__in=seduta_ids, stato=Seduta.Stato.CONFERMATA).update(
        stato=Seduta.Stato.FATTURATA
    )


def rilascia_sedute_fatturate(seduta_ids: list[int]) -> int:
    """fatturata → confermata: the fattura was withdrawn; the sedute can be invoiced again."""
    return Seduta.objects.filter(pk__in=seduta_ids, stato=Seduta.Stato.FATTURATA).update(
        stato=Seduta.Stato.CONFERMATA
    )


def segna_sedute_rimborsate(seduta_ids, pagata_il: dt.date) -> int:
    """fatturata → rimborsata with the payment date (set-based: a batch pays thousands at once).
    `seduta_ids` may be a queryset of ids."""
    return Seduta.objects.filter(pk__in=seduta_ids, stato=Seduta.Stato.FATTURATA).update(
        stato=Seduta.Stato.RIMBORSATA, rimborsata_il=pagata_il
    )


# --- Ex officio (called by graduatorie's billing-deadline sweep) ---------------------------------------


@transaction.atomic
def annulla_seduta_d_ufficio(seduta: Seduta, adesso: dt.datetime) -> bool:
    """Cancel ex officio (annullata_da = ufficio) a seduta still prenotata or confermata, releasing its
    amount from the code's `prenotato` or `utilizzato` like any cancellation (code locked first). True
    if it changed; False if meanwhile it was cancelled, invoiced or paid (a re-run changes nothing)."""
    codice, seduta = _rileggi(seduta)
    if seduta.stato not in (Seduta.Stato.PRENOTATA, Seduta.Stato.CONFERMATA):
        return False
    muovi_importi(
        codice,
        MovimentoCodice.Tipo.RILASCIO,
        **{_colonna(seduta): -seduta.importo},
        riferimento=seduta.numero,
    )
    seduta.stato, seduta.annullata_il, seduta.annullata_da = (
        Seduta.Stato.ANNULLATA,
        adesso,
        Seduta.AnnullataDa.UFFICIO,
    )
    seduta.revisione += 1
    seduta.save(update_fields=["stato", "annullata_il", "annullata_da", "revisione"])
    audit(None, "seduta.annullata", seduta, da=Seduta.AnnullataDa.UFFICIO, motivo="termine_fatturazione")
    return True
