"""Registering and withdrawing fatture; the payment states the monthly batch moves them through.

Every write on a Fattura goes through here. The payment-state functions below are set-based (a batch
moves thousands of fatture at once) and are called by `rimborsi` inside its own transaction; each
filters on the state it expects to leave, so a stale call changes nothing.

Lock order. Every writer takes the row locks it needs in this one order, so no two wait on each other:

    the code (`blocca_codice`)  →  the fattura row(s)  →  the seduta rows

- `registra_fattura` locks the code of the ticked sedute, then the sedute (`SELECT … FOR UPDATE`), and
  re-checks their state under the lock: two registrations over one seduta queue, and the second finds it
  fatturata. The database backs it whatever the code path: one active SedutaFatturata per seduta, one
  number per professional and year (a race on the number, over two codes, ends in the field's message).
- `ritira_fattura` locks the code, then the fattura row (`FOR UPDATE`), re-reads its state, then moves
  its sedute back to confermata.
- The monthly batch (`rimborsi`) locks the fattura rows it takes `FOR UPDATE` before moving them with
  `segna_in_pagamento` / `segna_sospese`: a withdrawal and the batch on one fattura queue on that row.
  Whoever comes second re-reads the state: the withdrawal then finds in_pagamento and refuses (the
  fattura is frozen), the batch's state filter skips a ritirata. Both cannot succeed.
"""

import datetime as dt
import re
import unicodedata
import uuid
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from apps.codici.services import blocca_codice
from apps.core.exceptions import DomainError
from apps.core.locking import servizio_occupato
from apps.core.money import MONEY, euro
from apps.core.services import audit
from apps.sedute import services as sedute
from apps.sedute.models import Seduta
from apps.sedute.services import fattura_sedute, rilascia_sedute_fatturate

from .models import Fattura, SedutaFatturata

CENT = Decimal("0.01")
# The largest amount a money column holds (12 digits, 2 decimals): 9 999 999 999,99.
MASSIMO_TOTALE = Decimal(10) ** (MONEY["max_digits"] - MONEY["decimal_places"]) - CENT
LUNGHEZZA_NUMERO = Fattura._meta.get_field("numero").max_length
LUNGHEZZA_EMITTENTE = Fattura._meta.get_field("emittente").max_length
_SEPARATORI = re.compile(r"\s*([/\\\-._])\s*")


class FatturaNonValida(DomainError):
    """Every rule a registration broke, each a DomainError with its field, so the form shows them all at
    once. Read as one DomainError it is the first of them."""

    def __init__(self, errori: list[DomainError]):
        super().__init__(errori[0].message, errori[0].field)
        self.errori = errori


def normalizza_numero(numero) -> str:
    """The invoice number as it is compared and stored: NFKC (full-width digits, no-break spaces), trimmed,
    runs of spaces as one, no spaces around / - . _ \\, upper case. " fa 12 / 2026" → "FA 12/2026"."""
    testo = " ".join(unicodedata.normalize("NFKC", str(numero or "")).split())
    return _SEPARATORI.sub(r"\1", testo).upper()


def normalizza_emittente(emittente) -> str:
    return " ".join(unicodedata.normalize("NFKC", str(emittente or "")).split())


def _giorno(seduta: Seduta) -> dt.date:
    return timezone.localdate(seduta.inizio)


def _data(giorno: dt.date) -> str:
    return formats.date_format(giorno, "SHORT_DATE_FORMAT")


def _ids(sedute_scelte) -> list[int]:
    """The ticked sedute as distinct ids (rows or ids accepted), in their order."""
    ids: list[int] = []
    for voce in sedute_scelte or ():
        valore = voce.pk if isinstance(voce, Seduta) else voce
        try:
            numero = int(valore)
        except (TypeError, ValueError) as exc:
            raise FatturaNonValida([DomainError(_("Seleziona le sedute dall'elenco."), "sedute")]) from exc
        if numero not in ids:
            ids.append(numero)
    return ids


def _errori_sedute(righe: list[Seduta], richieste: int) -> list[DomainError]:
    if not richieste:
        return [DomainError(_("Seleziona almeno una seduta da fatturare."), "sedute")]
    if len(righe) < richieste:  # someone else's, or no seduta at all: the same words, nothing revealed
        return [
            DomainError(_("Una o più sedute selezionate non sono tra le tue sedute da fatturare."), "sedute")
        ]
    errori = []
    for seduta in sorted(righe, key=lambda s: (s.inizio, s.pk)):
        giorno = _data(_giorno(seduta))
        if seduta.stato == Seduta.Stato.ANNULLATA:
            messaggio = _("La seduta del %(giorno)s è annullata: non si può fatturare.")
        elif seduta.stato == Seduta.Stato.PRENOTATA:
            messaggio = _("La seduta del %(giorno)s non è ancora confermata: confermala prima di fatturarla.")
        elif seduta.stato != Seduta.Stato.CONFERMATA:
            messaggio = _("La seduta del %(giorno)s è già fatturata.")
        else:
            continue
        errori.append(DomainError(messaggio % {"giorno": giorno}, "sedute"))
    if len({s.codice_id for s in righe}) > 1:
        errori.append(
            DomainError(
                _(
                    "Una fattura riguarda un solo paziente e un solo codice univoco: seleziona le sedute "
                    "di un solo paziente."
                ),
                "sedute",
            )
        )
    return errori


def _errori(professionista, righe, richieste, *, emittente, numero, data, totale, oggi) -> list[DomainError]:
    """Every rule, on what was given. None for a field: the form already said what is wrong with it, and
    the rules on it are skipped. Writes nothing."""
    errori = [] if righe is None else _errori_sedute(righe, richieste)
    valide = [s for s in righe or () if s.stato == Seduta.Stato.CONFERMATA]
    if emittente is not None and not emittente:
        errori.append(
            DomainError(_("Indica chi ha emesso la fattura (ragione sociale o nominativo)."), "emittente")
        )
    elif emittente is not None and len(emittente) > LUNGHEZZA_EMITTENTE:
        errori.append(
            DomainError(
                _("Al massimo %(n)d caratteri per chi ha emesso la fattura.") % {"n": LUNGHEZZA_EMITTENTE},
                "emittente",
            )
        )
    if data is not None:
        if data > oggi:
            errori.append(DomainError(_("La data della fattura non può essere nel futuro."), "data"))
        elif valide and data < max(_giorno(s) for s in valide):
            ultima = max(_giorno(s) for s in valide)
            errori.append(
                DomainError(
                    _("La data della fattura non può precedere l'ultima seduta fatturata, del %(giorno)s.")
                    % {"giorno": _data(ultima)},
                    "data",
                )
            )
    if numero is not None:
        if not numero:
            errori.append(DomainError(_("Indica il numero della fattura."), "numero"))
        elif len(numero) > LUNGHEZZA_NUMERO:
            errori.append(
                DomainError(
                    _("Il numero della fattura ha al massimo %(n)d caratteri.") % {"n": LUNGHEZZA_NUMERO},
                    "numero",
                )
            )
        elif not numero.isprintable():
            errori.append(DomainError(_("Il numero della fattura contiene caratteri non ammessi."), "numero"))
        elif data is not None and _numero_usato(professionista, numero, data.year):
            errori.append(_numero_gia_usato(numero, data.year))
    if totale is not None:
        if totale < CENT:
            errori.append(
                DomainError(
                    _("Il totale della fattura deve essere di almeno %(minimo)s.") % {"minimo": euro(CENT)},
                    "totale",
                )
            )
        elif totale > MASSIMO_TOTALE:
            errori.append(
                DomainError(
                    _("Il totale della fattura non può superare %(massimo)s.")
                    % {"massimo": euro(MASSIMO_TOTALE)},
                    "totale",
                )
            )
        elif valide and totale < sum((s.importo for s in valide), Decimal("0")):
            errori.append(
                DomainError(
                    _(
                        "Il totale della fattura (%(totale)s) non può essere inferiore alla somma delle "
                        "sedute selezionate (%(somma)s)."
                    )
                    % {"totale": euro(totale), "somma": euro(sum((s.importo for s in valide), Decimal("0")))},
                    "totale",
                )
            )
    return errori


def _numero_usato(professionista, numero: str, anno: int) -> bool:
    return (
        Fattura.objects.filter(professionista=professionista, anno=anno, numero=numero)
        .exclude(stato=Fattura.Stato.RITIRATA)
        .exists()
    )


def _numero_gia_usato(numero: str, anno: int) -> DomainError:
    return DomainError(
        _("Hai già registrato la fattura numero %(numero)s del %(anno)s: indica un altro numero.")
        % {"numero": numero, "anno": anno},
        "numero",
    )


def _totale(totale) -> Decimal | None:
    if totale is None:
        return None
    try:
        valore = Decimal(str(totale).strip())
    except (InvalidOperation, ValueError) as exc:
        raise FatturaNonValida([DomainError(_("Indica il totale della fattura in euro."), "totale")]) from exc
    if not valore.is_finite():
        raise FatturaNonValida([DomainError(_("Indica il totale della fattura in euro."), "totale")])
    if abs(valore) <= MASSIMO_TOTALE and valore != valore.quantize(CENT):
        raise FatturaNonValida(
            [DomainError(_("Il totale della fattura ha al massimo due decimali."), "totale")]
        )
    return valore


def _sedute_del_professionista(professionista, ids: list[int]):
    return Seduta.objects.filter(pk__in=ids, professionista=professionista).order_by("pk")


def _blocca_sedute(professionista, ids: list[int]) -> list[Seduta]:
    """The ticked sedute FOR UPDATE, in id order (the caller holds the code's lock already)."""
    return list(_sedute_del_professionista(professionista, ids).select_for_update())


def _blocca_fattura(pk: int) -> Fattura:
    """The fattura row FOR UPDATE: the monthly batch locks the same row before moving it."""
    return Fattura.objects.select_for_update().get(pk=pk)


def controlla_fattura(
    professionista, *, sedute, emittente=None, numero=None, data=None, totale=None, oggi=None
) -> list[DomainError]:
    """What `registra_fattura` would refuse, read without locks and without writing: the form calls it
    when some of its fields are already wrong, so every error shows at once. None skips that field."""
    oggi = oggi or timezone.localdate()
    try:
        ids = None if sedute is None else _ids(sedute)
        totale = _totale(totale)
    except FatturaNonValida as exc:
        return exc.errori
    righe = None if ids is None else list(_sedute_del_professionista(professionista, ids))
    return _errori(
        professionista,
        righe,
        len(ids or ()),
        emittente=None if emittente is None else normalizza_emittente(emittente),
        numero=None if numero is None else normalizza_numero(numero),
        data=data,
        totale=totale,
        oggi=oggi,
    )


def _vincolo(exc: IntegrityError) -> str:
    return getattr(getattr(exc.__cause__, "diag", None), "constraint_name", "") or ""


def registra_fattura(
    utente,
    professionista,
    *,
    sedute,
    emittente: str,
    numero: str,
    data: dt.date,
    totale,
    chiave_invio: uuid.UUID | None = None,
    oggi: dt.date | None = None,
    adesso: dt.datetime | None = None,
) -> Fattura:
    """Register the fattura of the ticked sedute (rows or ids): confirmed, not yet invoiced sedute of the
    professional on ONE code. Raises FatturaNonValida (a DomainError) listing every rule broken, each with
    its field ("sedute", "emittente", "numero", "data", "totale"); nothing is written then.

    One transaction: the code locked first, then the sedute FOR UPDATE, every rule re-checked under the
    locks, then the Fattura, one SedutaFatturata per seduta and the sedute confermata → fatturata. With
    `chiave_invio` (the form's one-time key) a resubmission returns the fattura already registered.
    `adesso` is the registration time (default now; seed_demo and tests move it), `oggi` its local day."""
    adesso = adesso or timezone.now()
    oggi = oggi or timezone.localdate(adesso)
    emittente, numero = normalizza_emittente(emittente), normalizza_numero(numero)
    ids, totale = _ids(sedute), _totale(totale)
    if data is None or totale is None:
        raise FatturaNonValida(
            [DomainError(_("Indica la data della fattura."), "data")] * (data is None)
            + [DomainError(_("Indica il totale della fattura in euro."), "totale")] * (totale is None)
        )
    if isinstance(data, dt.datetime):
        data = timezone.localdate(data) if timezone.is_aware(data) else data.date()
    if not isinstance(data, dt.date):
        raise FatturaNonValida([DomainError(_("Indica la data della fattura."), "data")])
    codici = set(_sedute_del_professionista(professionista, ids).values_list("codice_id", flat=True))
    if len(codici) != 1:  # none, someone else's, or two patients: nothing to lock, the rules say why
        raise FatturaNonValida(
            controlla_fattura(
                professionista,
                sedute=ids,
                emittente=emittente,
                numero=numero,
                data=data,
                totale=totale,
                oggi=oggi,
            )
        )
    try:
        with servizio_occupato(), transaction.atomic():
            codice = blocca_codice(codici.pop())
            if chiave_invio is not None:
                # Under the code's lock: the first submission has committed, or still holds the lock.
                gia = Fattura.objects.filter(chiave_invio=chiave_invio).first()
                if gia is not None:
                    return _stessa_chiave(gia, professionista)
            righe = _blocca_sedute(professionista, ids)
            errori = _errori(
                professionista,
                righe,
                len(ids),
                emittente=emittente,
                numero=numero,
                data=data,
                totale=totale,
                oggi=oggi,
            )
            if errori:
                raise FatturaNonValida(errori)
            bonus = sum((s.importo for s in righe), Decimal("0"))
            fattura = Fattura.objects.create(
                professionista=professionista,
                codice=codice,
                bando_id=codice.domanda.bando_id,
                regione_id=codice.domanda.regione_id,
                emittente=emittente,
                numero=numero,
                data=data,
                totale=totale,
                importo_bonus=bonus,
                chiave_invio=chiave_invio,
                registrata_il=adesso,
            )
            SedutaFatturata.objects.bulk_create(
                [SedutaFatturata(fattura=fattura, seduta=s, importo=s.importo) for s in righe]
            )
            if fattura_sedute(utente, [s.pk for s in righe]) != len(righe):
                raise FatturaNonValida(
                    [
                        DomainError(
                            _(
                                "Le sedute selezionate sono cambiate nel frattempo: ricarica la pagina e "
                                "riprova."
                            ),
                            "sedute",
                        )
                    ]
                )
            audit(
                utente,
                "fattura.registrata",
                fattura,
                numero=numero,
                data=data.isoformat(),
                totale=str(totale),
                importo_bonus=str(bonus),
                sedute=[s.pk for s in righe],
            )
            return fattura
    except IntegrityError as exc:
        vincolo = _vincolo(exc)
        if vincolo == "fattura_chiave_invio_unica":
            return _stessa_chiave(Fattura.objects.get(chiave_invio=chiave_invio), professionista)
        if vincolo == "fattura_numero_unico_per_anno":
            raise FatturaNonValida([_numero_gia_usato(numero, data.year)]) from exc
        if vincolo == "seduta_su_una_sola_fattura":
            raise FatturaNonValida(
                [DomainError(_("Una o più sedute selezionate sono già state fatturate."), "sedute")]
            ) from exc
        raise


def _stessa_chiave(fattura: Fattura, professionista) -> Fattura:
    if fattura.professionista_id != professionista.pk:
        raise DomainError(_("Modulo non valido: ricomincia la registrazione della fattura."))
    return fattura


@servizio_occupato()  # a lock wait past LOCK_TIMEOUT_MS: DomainError, all rolled back
@transaction.atomic
def ritira_fattura(utente, fattura: Fattura, *, adesso=None) -> Fattura:
    """Withdraw a fattura not yet in a payment batch (da_pagare or sospesa): it stays, as ritirata, its
    links to the sedute are kept inactive and the sedute go back to confermata (to be invoiced again). In a
    batch (in_pagamento, rimborsata) it is frozen. A second click changes nothing.

    Locks the code, then the fattura row FOR UPDATE (the batch locks the same row: see the module's
    docstring), and re-reads the state under the lock."""
    adesso = adesso or timezone.now()
    blocca_codice(fattura.codice_id)
    fattura = _blocca_fattura(fattura.pk)
    if fattura.stato == Fattura.Stato.RITIRATA:
        return fattura
    if not fattura.ritirabile:
        raise DomainError(
            _("La fattura è %(stato)s: è entrata in un lotto di pagamento e non si può più ritirare.")
            % {"stato": fattura.get_stato_display()}
        )
    righe = SedutaFatturata.objects.filter(fattura=fattura, attiva=True)
    seduta_ids = list(righe.values_list("seduta_id", flat=True))
    righe.update(attiva=False)
    rilascia_sedute_fatturate(seduta_ids)
    stato_prima = fattura.stato
    fattura.stato, fattura.ritirata_il = Fattura.Stato.RITIRATA, adesso
    fattura.save(update_fields=["stato", "ritirata_il"])
    audit(utente, "fattura.ritirata", fattura, numero=fattura.numero, prima=stato_prima, sedute=seduta_ids)
    return fattura


# --- Payment states (called by rimborsi) ------------------------------------------------------------


def segna_in_pagamento(fattura_ids) -> int:
    """da_pagare / sospesa → in_pagamento: the fatture entered a batch's rimborsi."""
    return Fattura.objects.filter(
        pk__in=fattura_ids, stato__in=[Fattura.Stato.DA_PAGARE, Fattura.Stato.SOSPESA]
    ).update(stato=Fattura.Stato.IN_PAGAMENTO)


def segna_sospese(fattura_ids) -> int:
    """da_pagare → sospesa: the batch found the region's funds short; the next batch tries again."""
    return Fattura.objects.filter(pk__in=fattura_ids, stato=Fattura.Stato.DA_PAGARE).update(
        stato=Fattura.Stato.SOSPESA
    )


def segna_rimborsate(fattura_ids, pagata_il: dt.date) -> int:
    """in_pagamento → rimborsata, and their sedute fatturata → rimborsata, with the payment date."""
    if not isinstance(fattura_ids, QuerySet):
        fattura_ids = list(fattura_ids)
    sedute.segna_sedute_rimborsate(
        SedutaFatturata.objects.filter(fattura_id__in=fattura_ids, attiva=True).values("seduta_id"), pagata_il
    )
    return Fattura.objects.filter(pk__in=fattura_ids, stato=Fattura.Stato.IN_PAGAMENTO).update(
        stato=Fattura.Stato.RIMBORSATA, rimborsata_il=pagata_il
    )


def segna_da_pagare(fattura_ids) -> int:
    """in_pagamento → da_pagare: the bank rejected the transfer; a later batch pays them."""
    return Fattura.objects.filter(pk__in=fattura_ids, stato=Fattura.Stato.IN_PAGAMENTO).update(
        stato=Fattura.Stato.DA_PAGARE
    )
