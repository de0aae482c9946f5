"""Operators' actions on payments: the SEPA file of a batch and the bank's outcomes (see admin.py).

`AZIONI_LOTTO` are admin actions that admin.py's LottoRimborsiAdmin lists after its own."""

AZIONI_LOTTO: list = []
