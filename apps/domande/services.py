"""Writes of the domande app: the submission of a domanda (web channel)."""

import datetime as dt
import uuid

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from apps.core.models import Provincia
from apps.core.services import audit
from apps.core.validators import is_valid_codice_fiscale, normalize_codice_fiscale

from .models import ROME, Bando, Domanda
from .selectors import cerca_isee


class DomandaError(Exception):
    """A rule the applicant broke; `field` names the form field the message belongs to."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


GIA_PRESENTATA = "Per questo beneficiario è già stata presentata una domanda per questo bando."
CF_NON_VALIDO = (
    "Codice fiscale del beneficiario non valido: servono 16 caratteri con il carattere di controllo corretto."
)
CF_NON_PROPRIO = "Per una domanda per sé stessi il codice fiscale del beneficiario deve essere il proprio."
CF_PROPRIO = "Il codice fiscale indicato è il proprio: scegliere «per me stesso/a»."
NESSUN_ISEE = (
    "Non risulta un'attestazione ISEE valida per il beneficiario: presentare la DSU e riprovare quando "
    "l'ISEE è disponibile."
)
NESSUN_RECAPITO = "Indicare almeno un indirizzo e-mail o un numero di cellulare per l'esito."


def _euro(value) -> str:
    return f"{value:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")


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
):
    """Check every rule that does not need a lock; return (cf, provincia, attestazione).

    Used by the riepilogo step too, so that the applicant sees a refusal before confirming.
    """
    if bando.graduatoria_pubblicata_il:
        raise DomandaError(
            None,
            f"La graduatoria del {bando.nome} è stata pubblicata il "
            f"{bando.graduatoria_pubblicata_il:%d/%m/%Y}: non si accettano nuove domande.",
        )
    if not bando.in_finestra(adesso):
        raise DomandaError(
            None,
            f"Le domande per il {bando.nome} si presentano dal {bando.apertura:%d/%m/%Y} "
            f"al {bando.chiusura:%d/%m/%Y} (ora italiana): la finestra non è aperta.",
        )
    cf = normalize_codice_fiscale(cf_beneficiario)
    if not is_valid_codice_fiscale(cf):
        raise DomandaError("cf_beneficiario", CF_NON_VALIDO)
    if relazione not in Domanda.Relazione.values:
        raise DomandaError("relazione", "Indicare per chi si presenta la domanda.")
    if relazione == Domanda.Relazione.SE_STESSO and cf != richiedente.codice_fiscale:
        raise DomandaError("cf_beneficiario", CF_NON_PROPRIO)
    if relazione != Domanda.Relazione.SE_STESSO and cf == richiedente.codice_fiscale:
        raise DomandaError("relazione", CF_PROPRIO)
    if not isinstance(provincia, Provincia):
        provincia = Provincia.objects.select_related("regione").filter(pk=(provincia or "").upper()).first()
        if provincia is None:
            raise DomandaError("provincia", "Indicare la provincia di residenza del beneficiario.")
    if bando.territori_esclusi.filter(pk=provincia.regione_id).exists():
        raise DomandaError(
            "provincia",
            f"I residenti in {provincia.regione.nome} non possono presentare domanda per il {bando.nome}: "
            "il territorio è escluso dal bando.",
        )
    if not (email or "").strip() and not (cellulare or "").strip():
        raise DomandaError("email", NESSUN_RECAPITO)
    if not dichiarazione:
        raise DomandaError("dichiarazione", "La dichiarazione ai sensi del DPR 445/2000 è obbligatoria.")
    if Domanda.objects.filter(bando=bando, cf_beneficiario=cf).exists():
        raise DomandaError("cf_beneficiario", GIA_PRESENTATA)
    attestazione = cerca_isee(cf, adesso.astimezone(ROME).date())
    if attestazione is None:
        raise DomandaError("cf_beneficiario", NESSUN_ISEE)
    if attestazione.valore > bando.isee_massimo:
        raise DomandaError(
            "cf_beneficiario",
            f"L'ISEE del beneficiario ({_euro(attestazione.valore)} €) supera il limite di "
            f"{_euro(bando.isee_massimo)} €: la domanda non è ammessa.",
        )
    return cf, provincia, attestazione


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
) -> Domanda:
    """Submit a domanda on the web channel. Idempotent on `chiave_invio` for the same richiedente:
    a double click or a back-button resubmission returns the domanda already created."""
    adesso = adesso or timezone.now()
    try:
        chiave = uuid.UUID(str(chiave_invio))
    except (TypeError, ValueError) as exc:
        raise DomandaError(None, "Modulo scaduto o non valido: ricominciare la domanda.") from exc

    esistente = Domanda.objects.filter(chiave_invio=chiave).first()
    if esistente is not None:
        if esistente.richiedente_id == richiedente.pk:
            return esistente
        raise DomandaError(None, "Modulo non valido: ricominciare la domanda.")

    cf, provincia, attestazione = verifica_domanda(
        richiedente,
        bando,
        cf_beneficiario=cf_beneficiario,
        relazione=relazione,
        provincia=provincia,
        email=email,
        cellulare=cellulare,
        dichiarazione=dichiarazione,
        adesso=adesso,
    )
    try:
        with transaction.atomic():
            # The row lock on the bando serialises protocol numbers: no gaps, no duplicates.
            Bando.objects.filter(pk=bando.pk).update(ultimo_protocollo=F("ultimo_protocollo") + 1)
            numero = Bando.objects.values_list("ultimo_protocollo", flat=True).get(pk=bando.pk)
            domanda = Domanda.objects.create(
                bando=bando,
                protocollo=f"INPS-BP-{bando.anno}-{numero:07d}",
                richiedente=richiedente,
                cf_richiedente=richiedente.codice_fiscale,
                cf_beneficiario=cf,
                relazione=relazione,
                regione_id=provincia.regione_id,
                provincia=provincia,
                isee=attestazione.valore,
                isee_tipo=attestazione.tipo,
                isee_difforme=attestazione.difforme,
                isee_regolarizzato_il=attestazione.regolarizzata_il,
                attestazione=attestazione,
                presentata_il=adesso,
                email=(email or "").strip(),
                cellulare=(cellulare or "").strip(),
                canale=Domanda.Canale.WEB,
                dichiarazione_dpr445=True,
                chiave_invio=chiave,
            )
            audit(richiedente, "domanda.presentata", domanda, bando=bando.anno, relazione=relazione)
    except IntegrityError as exc:
        # Two concurrent submissions: the same form twice, or the same beneficiary from two applicants.
        esistente = Domanda.objects.filter(chiave_invio=chiave, richiedente=richiedente).first()
        if esistente is not None:
            return esistente
        raise DomandaError("cf_beneficiario", GIA_PRESENTATA) from exc
    return domanda
