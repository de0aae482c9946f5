"""Money: the column definition and the one formatter for every amount a person reads.

Pages, PDFs, e-mails and admin all show amounts through `euro()` (or the `|euro` template filter, a
builtin): `1.500,00 €` in Italian, the active language's separators elsewhere. CSV files do not: they keep
the machine format of DESIGN's interfaces (two decimals, a dot, no symbol).
"""

from decimal import Decimal

from django.utils import formats, translation

# DecimalField(**MONEY) for every amount; never floats.
MONEY = {"max_digits": 12, "decimal_places": 2}
# The legal ceiling of one seduta (every annualità); a bando may set a lower massimo_seduta, never higher.
MASSIMO_SEDUTA = Decimal("50.00")


def euro(importo) -> str:
    """`Decimal("1500")` → "1.500,00 €"; None → "" (nothing to show)."""
    if importo is None or importo == "":
        return ""
    numero = formats.number_format(Decimal(importo), decimal_pos=2, use_l10n=True, force_grouping=True)
    # Separators come from the active language's formats; the symbol's place too: English writes it first
    # (€1,500.00), Italian and German after the amount (1.500,00 €).
    if (translation.get_language() or "").startswith("en"):
        return f"€{numero}"
    return f"{numero} €"
