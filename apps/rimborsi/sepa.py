"""The SEPA Credit Transfer file of a monthly batch: pain.001.001.09, written with sepaxml.

One transaction per rimborso still `in_pagamento`, all in one payment information block:

- debtor: INPS's account, settings SEPA_DEBTOR_NAME / SEPA_DEBTOR_IBAN / SEPA_DEBTOR_BIC (checked first:
  a wrong IBAN or BIC is a clear error and no file);
- amount: the rimborso's importo, which must equal the sum of its active voci (checked: a mismatch stops
  the export);
- creditor: `rimborso.beneficiario` and `rimborso.iban`, the names transliterated to SEPA's Latin
  character set (a-z A-Z 0-9 / - ? : ( ) . , ' + and space: "Società Nicolò & C." → "Societa Nicolo C.")
  and cut to 70 characters;
- EndToEndId: `rimborso.numero` (the bank's pain.002 names the transaction by it);
- remittance: "Bonus psicologo fatt. 12/2026, 13/2026 e altre 4": the fattura numbers in registration
  order, as many as fit in 140 characters, then how many are left out;
- requested execution date: the first TARGET2 business day (Monday to Friday, not 1 January, Good Friday,
  Easter Monday, 1 May, 25 and 26 December) that is in month M+1 and after the day of the first export.
  The batch is made on day 1 of M+1, so this is normally the next business day.

The batch goes creato → esportato (esportato_il: the first export). Exporting again an exported batch that
has no outcome yet gives the same file, byte for byte: MsgId, PmtInfId, creation time and execution
date come from the batch and its first export (the bank's duplicate check then sees the same message).
Once an outcome is registered (pagato, parzialmente pagato, or any rimborso with an esito) it is refused.

The file is validated against the pain.001.001.09 XSD (sepaxml's, with xmlschema) before it is written;
`scrivi_file_atomico` writes it to a temporary file next to the target and renames it: never half a file.
The rimborsi are read with one aggregate query (the fattura numbers by string_agg on PostgreSQL,
group_concat on SQLite) through `.iterator()`.
"""

import calendar
import datetime as dt
import os
import re
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Aggregate, CharField, Count, Q, Sum, Value
from django.utils import timezone
from django.utils.translation import gettext as _
from sepaxml import SepaTransfer
from sepaxml.validation import ValidationError as SepaValidationError
from text_unidecode import unidecode

from apps.core.exceptions import DomainError
from apps.core.services import audit
from apps.core.validators import validate_iban

from .models import LottoRimborsi, Rimborso

SCHEMA = "pain.001.001.09"
NOME_MASSIMO = 70
CAUSALE_MASSIMA = 140
CAUSALE_INIZIO = "Bonus psicologo fatt. "
SEPARATORE = "\x1f"  # between fattura numbers in the aggregate: never in a number
_FUORI_SET = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")
_BIC = re.compile(r"[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?")


def testo_sepa(testo: str, massimo: int) -> str:
    """`testo` in SEPA's Latin character set (accents transliterated, other signs dropped), spaces
    collapsed, at most `massimo` characters."""
    pulito = " ".join(_FUORI_SET.sub(" ", unidecode(testo or "")).split())
    return pulito[:massimo].rstrip()


def causale(numeri: list[str], totale: int | None = None) -> str:
    """The remittance text: the fattura numbers that fit in 140 characters, then "e altre N"."""
    numeri = [n for n in (testo_sepa(n, 35) for n in numeri) if n]
    totale = len(numeri) if totale is None else totale
    for quanti in range(len(numeri), -1, -1):
        testo = CAUSALE_INIZIO + ", ".join(numeri[:quanti])
        altre = totale - quanti
        if altre:
            testo += f" e altre {altre}" if quanti else f"{altre} fatture"
        if len(testo) <= CAUSALE_MASSIMA:
            return testo.rstrip()
    return CAUSALE_INIZIO.rstrip()  # pragma: no cover - "N fatture" always fits


def _pasqua(anno: int) -> dt.date:
    """Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = anno % 19, anno // 100, anno % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ll = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * ll) // 433
    mese = (h + ll - 7 * m + 90) // 25
    return dt.date(anno, mese, (h + ll - 7 * m + 33 * mese + 19) % 32)


def giorno_lavorativo(giorno: dt.date) -> bool:
    """A TARGET2 business day: the days SEPA credit transfers are settled."""
    if giorno.weekday() >= 5:
        return False
    pasqua = _pasqua(giorno.year)
    festivi = {
        dt.date(giorno.year, 1, 1),
        pasqua - dt.timedelta(days=2),
        pasqua + dt.timedelta(days=1),
        dt.date(giorno.year, 5, 1),
        dt.date(giorno.year, 12, 25),
        dt.date(giorno.year, 12, 26),
    }
    return giorno not in festivi


def data_esecuzione(mese: dt.date, oggi: dt.date) -> dt.date:
    """The first business day of month M+1 after `oggi`, the day of the first export
    (`esporta_lotto(oggi=…)` records the export on that day); when exported after M+1 is over, the next
    business day (a bank refuses a date in the past)."""
    ultimo = calendar.monthrange(mese.year, mese.month)[1]
    giorno = max(mese.replace(day=ultimo) + dt.timedelta(days=1), oggi + dt.timedelta(days=1))
    while not giorno_lavorativo(giorno):
        giorno += dt.timedelta(days=1)
    return giorno


def _ordinante() -> dict:
    nome = testo_sepa(settings.SEPA_DEBTOR_NAME, NOME_MASSIMO)
    iban = "".join((settings.SEPA_DEBTOR_IBAN or "").split()).upper()
    bic = "".join((settings.SEPA_DEBTOR_BIC or "").split()).upper()
    if not nome:
        raise DomainError(_("Conto di addebito non configurato: manca SEPA_DEBTOR_NAME."))
    try:
        validate_iban(iban)
    except ValidationError as e:
        raise DomainError(
            _("SEPA_DEBTOR_IBAN non valido (%(errore)s): nessun file è stato scritto.")
            % {"errore": e.messages[0]}
        ) from e
    if not _BIC.fullmatch(bic):
        raise DomainError(
            _("SEPA_DEBTOR_BIC non valido: un BIC ha 8 o 11 lettere e cifre. Nessun file è stato scritto.")
        )
    return {"name": nome, "IBAN": iban, "BIC": bic, "batch": True, "currency": "EUR"}


class _GroupConcat(Aggregate):
    function = "GROUP_CONCAT"
    output_field = CharField()

    def __init__(self, expression, delimiter, **extra):
        super().__init__(expression, Value(delimiter), **extra)


def _numeri_fatture():
    attive = Q(voci__attiva=True)
    if connection.vendor == "postgresql":
        from django.contrib.postgres.aggregates import StringAgg

        return StringAgg(
            "voci__fattura__numero",
            SEPARATORE,
            filter=attive,
            order_by=("voci__fattura__registrata_il", "voci__fattura_id"),
        )
    return _GroupConcat("voci__fattura__numero", SEPARATORE, filter=attive)


def righe_lotto(lotto: LottoRimborsi):
    """The batch's rimborsi in_pagamento, each with its fattura numbers, count and sum of its voci: one
    query, read in chunks."""
    attive = Q(voci__attiva=True)
    return (
        Rimborso.objects.filter(lotto=lotto, stato=Rimborso.Stato.IN_PAGAMENTO)
        .values("pk", "numero", "iban", "beneficiario", "importo")
        .annotate(
            numeri=_numeri_fatture(),
            fatture=Count("voci", filter=attive),
            somma=Sum("voci__importo", filter=attive),
        )
        .order_by("numero")
        .iterator(chunk_size=2000)
    )


class _Bonifici(SepaTransfer):
    """sepaxml's transfer with the identifiers and the creation time fixed by the batch, so that
    exporting the same batch again gives the same file."""

    def __init__(self, config, *, msg_id: str, creato_il: dt.datetime):
        super().__init__(config, schema=SCHEMA, clean=False)
        self.msg_id = msg_id
        intestazione = self._xml.find(self.root_el).find("GrpHdr")
        intestazione.find("MsgId").text = msg_id
        intestazione.find("CreDtTm").text = creato_il.strftime("%Y-%m-%dT%H:%M:%S")

    def _finalize_batch(self):
        super()._finalize_batch()
        for numero, blocco in enumerate(self._xml.find(self.root_el).iter("PmtInf"), start=1):
            blocco.find("PmtInfId").text = f"{self.msg_id}-{numero}"


@dataclass(frozen=True)
class Esportazione:
    lotto: LottoRimborsi
    contenuto: bytes
    transazioni: int
    totale: Decimal
    data_esecuzione: dt.date
    riesportazione: bool

    @property
    def nome_file(self) -> str:
        return f"bonus-psicologo-sepa-{self.lotto.mese:%Y-%m}.xml"


def _controlla_esportabile(lotto: LottoRimborsi) -> None:
    con_esito = lotto.rimborsi.exclude(stato=Rimborso.Stato.IN_PAGAMENTO).exists()
    if lotto.stato in (LottoRimborsi.Stato.PAGATO, LottoRimborsi.Stato.PARZIALMENTE_PAGATO) or con_esito:
        raise DomainError(
            _(
                "Il lotto %(mese)s ha già esiti di pagamento registrati: il file SEPA non si può più "
                "esportare."
            )
            % {"mese": f"{lotto.mese:%m/%Y}"}
        )


def contenuto_sepa(
    lotto: LottoRimborsi, *, creato_il: dt.datetime, esecuzione: dt.date
) -> tuple[bytes, int, Decimal]:
    """The pain.001.001.09 document of the batch, validated against the XSD; (bytes, count, total)."""
    bonifici = _Bonifici(
        _ordinante(), msg_id=f"BONUSPSI-{lotto.mese:%Y%m}", creato_il=timezone.localtime(creato_il)
    )
    transazioni, totale = 0, Decimal("0")
    for riga in righe_lotto(lotto):
        if riga["somma"] != riga["importo"]:
            raise DomainError(
                _("Il rimborso %(numero)s non corrisponde alle sue fatture: esportazione interrotta.")
                % {"numero": riga["numero"]}
            )
        numeri = (riga["numeri"] or "").split(SEPARATORE)
        bonifici.add_payment(
            {
                "name": testo_sepa(riga["beneficiario"], NOME_MASSIMO),
                "IBAN": "".join(riga["iban"].split()).upper(),
                "amount": int(riga["importo"] * 100),
                "execution_date": esecuzione,
                "description": causale(numeri, riga["fatture"]),
                "endtoend_id": riga["numero"],
            }
        )
        transazioni += 1
        totale += riga["importo"]
    if not transazioni:
        raise DomainError(
            _("Il lotto %(mese)s non ha rimborsi da pagare: nessun file.") % {"mese": f"{lotto.mese:%m/%Y}"}
        )
    try:
        contenuto = bonifici.export(validate=True)
    except SepaValidationError as e:
        motivo = getattr(e.__cause__, "reason", "") or ""
        raise DomainError(
            _("Il file SEPA non rispetta lo schema %(schema)s (%(motivo)s): nessun file è stato scritto.")
            % {"schema": SCHEMA, "motivo": motivo}
        ) from e
    return contenuto, transazioni, totale


def esporta_lotto(mese: dt.date, *, utente=None, oggi: dt.date | None = None, scrivi=None) -> Esportazione:
    """Build the batch's file and mark the batch esportato. `scrivi(contenuto)`, if given, is called
    inside the transaction: if it fails, the batch stays as it was."""
    with transaction.atomic():
        lotto = LottoRimborsi.objects.select_for_update().filter(mese=mese.replace(day=1)).first()
        if lotto is None:
            raise DomainError(
                _("Non esiste un lotto di rimborsi per il mese %(mese)s: esegui prima genera_rimborsi.")
                % {"mese": f"{mese:%m/%Y}"},
                "mese",
            )
        _controlla_esportabile(lotto)
        riesportazione = lotto.esportato_il is not None
        esportato_il = lotto.esportato_il or timezone.now()
        if not riesportazione and oggi is not None:  # --oggi: the export is recorded on that day
            esportato_il = timezone.make_aware(
                dt.datetime.combine(oggi, timezone.localtime(esportato_il).time())
            )
        esecuzione = data_esecuzione(lotto.mese, timezone.localdate(esportato_il))
        contenuto, transazioni, totale = contenuto_sepa(lotto, creato_il=esportato_il, esecuzione=esecuzione)
        if scrivi is not None:
            scrivi(contenuto)
        if not riesportazione:
            lotto.stato, lotto.esportato_il = LottoRimborsi.Stato.ESPORTATO, esportato_il
            lotto.save(update_fields=["stato", "esportato_il"])
        audit(
            utente,
            "lotto.esportato_sepa",
            lotto,
            transazioni=transazioni,
            totale=str(totale),
            data_esecuzione=esecuzione.isoformat(),
            riesportazione=riesportazione,
        )
    return Esportazione(lotto, contenuto, transazioni, totale, esecuzione, riesportazione)


def scrivi_file_atomico(destinazione: Path, contenuto: bytes) -> None:
    """Write to a temporary file in the same directory, then rename it: the target is whole or absent."""
    destinazione = Path(destinazione)
    fd, temporaneo = tempfile.mkstemp(
        dir=destinazione.parent or ".", prefix=f".{destinazione.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(contenuto)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporaneo, destinazione)
    except BaseException:
        Path(temporaneo).unlink(missing_ok=True)
        raise
