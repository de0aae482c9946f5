"""Identifier and money validation shared by every app. Check digits come from python-stdnum."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import iban as std_iban
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.it import codicefiscale, iva

CENT = Decimal("0.01")


def normalize_codice_fiscale(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


def is_valid_codice_fiscale(value: str) -> bool:
    value = normalize_codice_fiscale(value)
    # stdnum also accepts 11-digit company numbers: a person's code has 16 characters.
    if len(value) != 16:
        return False
    try:
        codicefiscale.validate(value)
    except StdnumError:
        return False
    return True


def validate_codice_fiscale(value: str) -> None:
    if not is_valid_codice_fiscale(value):
        raise ValidationError(
            _("Codice fiscale non valido: servono 16 caratteri con il carattere di controllo corretto."),
            code="codice_fiscale",
        )


def validate_partita_iva(value: str) -> None:
    try:
        iva.validate(value)
    except StdnumError as exc:
        raise ValidationError(_("Partita IVA non valida."), code="partita_iva") from exc


def validate_iban(value: str) -> None:
    try:
        std_iban.validate(value)
    except StdnumError as exc:
        raise ValidationError(_("IBAN non valido."), code="iban") from exc


def parse_money(value) -> Decimal:
    """A non-negative amount with at most two decimals, as Decimal. Raises ValueError otherwise."""
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"importo non valido: {value!r}") from exc
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(CENT):
        raise ValueError(f"importo non valido: {value!r}")
    return amount.quantize(CENT)
