"""The bank's status report (pain.002) on a SEPA file: each transaction paid or rejected.

Accepted: ISO 20022 CustomerPaymentStatusReport in the namespaces `NAMESPACES` (pain.002.001.03, the
one most Italian banks still send, and pain.002.001.10, the version that goes with pain.001.001.09).
The file is parsed with the standard library's ElementTree (defusedxml when installed); a DOCTYPE or
entity declaration is refused before parsing, so no entity is ever expanded or fetched.

Per transaction (`TxInfAndSts`): `OrgnlEndToEndId` (the rimborso's numero) and `TxSts`:
- ACSC (settled) or ACCP (accepted) → paid, on the date of the transaction's `AccptncDtTm`, else the
  report's `GrpHdr/CreDtTm`;
- RJCT → rejected, the reason `StsRsnInf/Rsn/Cd` (or `Prtry`);
- any other status (ACTC, ACSP, PDNG…) is not final: reported, nothing recorded.

`registra_esiti` checks the whole report first and applies it in one transaction: an unknown EndToEndId,
a transaction twice with different outcomes, an outcome contradicting one already recorded (a paid
rimborso reported RJCT), a malformed file… every problem is reported and nothing is applied. Outcomes
already recorded identically are skipped: the same report twice changes nothing.
"""

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from apps.core.exceptions import DomainError

from . import pagamenti
from .models import Rimborso

try:  # pragma: no cover - either way no entity is expanded: DOCTYPEs are refused below
    from defusedxml import ElementTree as ET
except ImportError:  # pragma: no cover
    import xml.etree.ElementTree as ET

NAMESPACES = (
    "urn:iso:std:iso:20022:tech:xsd:pain.002.001.03",
    "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10",
)
PAGATO = {"ACSC", "ACCP"}
RESPINTO = {"RJCT"}
_DICHIARAZIONI = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.I)


@dataclass(frozen=True)
class Esito:
    end_to_end_id: str
    stato: str  # TxSts
    data: dt.date | None
    motivo: str


@dataclass
class Resoconto:
    pagati: int = 0
    respinti: int = 0
    gia_registrati: int = 0
    non_definitivi: list[str] = field(default_factory=list)

    @property
    def applicati(self) -> int:
        return self.pagati + self.respinti


class EsitiNonValidi(DomainError):
    """Every problem found in the report; nothing was applied."""

    def __init__(self, errori: list[str]):
        self.errori = errori
        super().__init__("\n".join(errori))


def _testo(nodo, percorso: str, ns: dict) -> str:
    trovato = nodo.find(percorso, ns)
    return (trovato.text or "").strip() if trovato is not None and trovato.text else ""


def _data(valore: str) -> dt.date | None:
    if not valore:
        return None
    momento = parse_datetime(valore)
    if momento is not None:
        return timezone.localdate(momento) if timezone.is_aware(momento) else momento.date()
    try:
        return dt.date.fromisoformat(valore[:10])
    except ValueError:
        return None


def leggi_esiti(contenuto: bytes) -> tuple[list[Esito], list[str]]:
    """The report's transactions and the problems found reading it (empty when all is well)."""
    try:
        testo = contenuto.decode("utf-8")  # SEPA's encoding; and the check below reads the text
    except UnicodeDecodeError:
        return [], [_("Il file non è in codifica UTF-8: non è un rapporto pain.002 accettabile.")]
    if _DICHIARAZIONI.search(testo):
        return [], [
            _("Il file contiene dichiarazioni DOCTYPE o ENTITY: non è un rapporto pain.002 accettabile.")
        ]
    try:
        radice = ET.fromstring(contenuto)  # noqa: S314 - no DTD (refused above): no entity to expand
    except Exception as e:  # ParseError, or defusedxml's refusals
        return [], [_("Il file non è XML ben formato: %(errore)s") % {"errore": e}]
    namespace = radice.tag[1:].split("}")[0] if radice.tag.startswith("{") else ""
    if namespace not in NAMESPACES or radice.tag != f"{{{namespace}}}Document":
        return [], [
            _("Il file non è un rapporto pain.002 accettato (attesi: %(attesi)s).")
            % {"attesi": ", ".join(NAMESPACES)}
        ]
    ns = {"p": namespace}
    rapporto = radice.find("p:CstmrPmtStsRpt", ns)
    if rapporto is None:
        return [], [_("Il file non contiene CstmrPmtStsRpt.")]
    data_rapporto = _data(_testo(rapporto, "p:GrpHdr/p:CreDtTm", ns))
    esiti, errori = [], []
    transazioni = rapporto.findall("p:OrgnlPmtInfAndSts/p:TxInfAndSts", ns)
    if not transazioni:
        errori.append(_("Il rapporto non contiene esiti per singola transazione (TxInfAndSts)."))
    for n, tx in enumerate(transazioni, start=1):
        e2e, stato = _testo(tx, "p:OrgnlEndToEndId", ns), _testo(tx, "p:TxSts", ns)
        if not e2e:
            errori.append(_("Transazione %(n)s: manca OrgnlEndToEndId.") % {"n": n})
            continue
        if not stato:
            errori.append(_("Transazione %(n)s (%(id)s): manca TxSts.") % {"n": n, "id": e2e})
            continue
        motivo = _testo(tx, "p:StsRsnInf/p:Rsn/p:Cd", ns) or _testo(tx, "p:StsRsnInf/p:Rsn/p:Prtry", ns)
        data = _data(_testo(tx, "p:AccptncDtTm", ns)) or data_rapporto
        if stato in PAGATO and data is None:
            errori.append(_("Transazione %(n)s (%(id)s): manca la data del pagamento.") % {"n": n, "id": e2e})
            continue
        if stato in RESPINTO and not motivo:
            errori.append(
                _("Transazione %(n)s (%(id)s): manca il codice del motivo del rifiuto.") % {"n": n, "id": e2e}
            )
            continue
        esiti.append(Esito(e2e, stato, data, motivo))
    return esiti, errori


def _controlla(esiti: list[Esito], rimborsi: dict[str, Rimborso]) -> list[str]:
    errori, visti = [], {}
    for esito in esiti:
        definitivo = esito.stato in PAGATO or esito.stato in RESPINTO
        precedente = visti.setdefault(esito.end_to_end_id, esito)
        if precedente is not esito and (precedente.stato in PAGATO) != (esito.stato in PAGATO):
            errori.append(_("%(id)s compare più volte con esiti diversi.") % {"id": esito.end_to_end_id})
        rimborso = rimborsi.get(esito.end_to_end_id)
        if rimborso is None:
            errori.append(
                _("%(id)s: nessun rimborso con questo identificativo.") % {"id": esito.end_to_end_id}
            )
            continue
        if not definitivo:
            continue
        if esito.stato in RESPINTO and rimborso.stato == Rimborso.Stato.PAGATO:
            errori.append(
                _(
                    "%(id)s: il rimborso risulta già pagato il %(il)s, il rapporto lo dà respinto "
                    "(%(motivo)s)."
                )
                % {"id": rimborso.numero, "il": rimborso.pagato_il.isoformat(), "motivo": esito.motivo}
            )
        elif esito.stato in PAGATO and rimborso.stato == Rimborso.Stato.RESPINTO:
            errori.append(
                _("%(id)s: il rimborso risulta già non riuscito (%(motivo)s), il rapporto lo dà pagato.")
                % {"id": rimborso.numero, "motivo": rimborso.motivo_rifiuto}
            )
        elif rimborso.lotto.stato == rimborso.lotto.Stato.CREATO:
            errori.append(_("%(id)s: il suo lotto non è stato esportato.") % {"id": rimborso.numero})
        elif esito.stato in PAGATO and rimborso.stato == Rimborso.Stato.IN_PAGAMENTO:
            esportato = timezone.localdate(rimborso.lotto.esportato_il)
            if not esportato <= esito.data <= timezone.localdate():
                errori.append(
                    _("%(id)s: data del pagamento %(il)s non compresa tra l'esportazione (%(dal)s) e oggi.")
                    % {"id": rimborso.numero, "il": esito.data.isoformat(), "dal": esportato.isoformat()}
                )
    return errori


def registra_esiti(contenuto: bytes, *, utente=None) -> Resoconto:
    """Apply the report all together or not at all (EsitiNonValidi lists every problem)."""
    esiti, errori = leggi_esiti(contenuto)
    resoconto = Resoconto()
    with transaction.atomic():
        rimborsi = {
            r.numero: r
            for r in Rimborso.objects.select_related("lotto").filter(
                numero__in={e.end_to_end_id for e in esiti}
            )
        }
        errori += _controlla(esiti, rimborsi)
        if errori:
            raise EsitiNonValidi(errori)
        try:
            for esito in esiti:
                rimborso = rimborsi[esito.end_to_end_id]
                if esito.stato in PAGATO:
                    cambiato = pagamenti.registra_pagamento(utente, rimborso, esito.data, fonte="pain.002")
                    resoconto.pagati += cambiato
                elif esito.stato in RESPINTO:
                    cambiato = pagamenti.registra_rifiuto(utente, rimborso, esito.motivo, fonte="pain.002")
                    resoconto.respinti += cambiato
                else:
                    resoconto.non_definitivi.append(f"{esito.end_to_end_id} {esito.stato}")
                    continue
                resoconto.gia_registrati += not cambiato
        except DomainError as e:
            raise EsitiNonValidi([f"{esito.end_to_end_id}: {e.message}"]) from e
    return resoconto
