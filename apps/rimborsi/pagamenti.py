"""A rimborso's outcome, from the bank's report (esiti.py) or marked by hand in admin: the same services.

- `registra_pagamento`: in_pagamento → pagato with the date; the fatture of its active voci and their
  sedute → rimborsata with that date (apps.fatture.services.segna_rimborsate).
- `registra_rifiuto`: in_pagamento → respinto with the bank's reason; its voci become inactive (the
  money is back in the region's funds) and the fatture go back to da_pagare: the next batch after the
  professional changes IBAN pays them (apps.fatture.services.segna_da_pagare).

Both lock the batch row, then the rimborso (one lock order), and are idempotent: the same outcome
again changes nothing and returns False. The opposite outcome on a rimborso that already has one is a
DomainError (a paid rimborso reported rejected later is for an operator to look into, not to undo).

The batch's state after each outcome (`aggiorna_stato_lotto`):
- every rimborso pagato → pagato;
- at least one pagato, the others respinti or still without outcome → parzialmente pagato;
- none pagato (outcomes pending, or only rejections) → stays esportato: nothing has been paid yet, the
  rejections show on the rimborsi.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Count, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from apps.core.exceptions import DomainError
from apps.core.services import audit
from apps.fatture import services as fatture

from .models import LottoRimborsi, Rimborso, VoceRimborso

MOTIVO_MASSIMO = Rimborso._meta.get_field("motivo_rifiuto").max_length


def _blocca(rimborso: Rimborso) -> tuple[LottoRimborsi, Rimborso]:
    lotto = LottoRimborsi.objects.select_for_update().get(pk=rimborso.lotto_id)
    rimborso = Rimborso.objects.select_for_update().get(pk=rimborso.pk)
    if lotto.stato == LottoRimborsi.Stato.CREATO:
        raise DomainError(
            _("Il rimborso %(numero)s è in un lotto non ancora esportato: non può avere un esito.")
            % {"numero": rimborso.numero}
        )
    return lotto, rimborso


def aggiorna_stato_lotto(lotto: LottoRimborsi) -> str:
    """Recompute the batch's state from its rimborsi (see the module's docstring); the caller holds
    the batch's lock."""
    conta = lotto.rimborsi.aggregate(
        tutti=Count("pk"),
        pagati=Count("pk", filter=Q(stato=Rimborso.Stato.PAGATO)),
    )
    if lotto.stato == LottoRimborsi.Stato.CREATO:
        return lotto.stato
    if conta["tutti"] and conta["pagati"] == conta["tutti"]:
        stato = LottoRimborsi.Stato.PAGATO
    elif conta["pagati"]:
        stato = LottoRimborsi.Stato.PARZIALMENTE_PAGATO
    else:
        stato = LottoRimborsi.Stato.ESPORTATO
    if stato != lotto.stato:
        LottoRimborsi.objects.filter(pk=lotto.pk).update(stato=stato)
        lotto.stato = stato
    return stato


@transaction.atomic
def registra_pagamento(utente, rimborso: Rimborso, pagato_il: dt.date, *, fonte: str = "manuale") -> bool:
    """The bank paid the rimborso on `pagato_il`. True if it changed, False if already so recorded."""
    lotto, rimborso = _blocca(rimborso)
    if rimborso.stato == Rimborso.Stato.PAGATO:
        return False
    if rimborso.stato == Rimborso.Stato.RESPINTO:
        raise DomainError(
            _("Il rimborso %(numero)s risulta già non riuscito (%(motivo)s): non può risultare pagato.")
            % {"numero": rimborso.numero, "motivo": rimborso.motivo_rifiuto}
        )
    esportato = timezone.localdate(lotto.esportato_il) if lotto.esportato_il else None
    if pagato_il > timezone.localdate() or (esportato is not None and pagato_il < esportato):
        raise DomainError(
            _("La data del pagamento deve essere tra l'esportazione del lotto (%(dal)s) e oggi.")
            % {"dal": formats.date_format(esportato, "SHORT_DATE_FORMAT") if esportato else "–"},
            "pagato_il",
        )
    fatture.segna_rimborsate(
        VoceRimborso.objects.filter(rimborso=rimborso, attiva=True).values("fattura_id"), pagato_il
    )
    rimborso.stato, rimborso.pagato_il, rimborso.esito_il = Rimborso.Stato.PAGATO, pagato_il, timezone.now()
    rimborso.save(update_fields=["stato", "pagato_il", "esito_il"])
    aggiorna_stato_lotto(lotto)
    audit(utente, "rimborso.pagato", rimborso, pagato_il=pagato_il.isoformat(), fonte=fonte)
    return True


@transaction.atomic
def registra_rifiuto(utente, rimborso: Rimborso, motivo: str, *, fonte: str = "manuale") -> bool:
    """The bank rejected the transfer (`motivo`: its reason code, e.g. AC04). True if it changed."""
    motivo = " ".join((motivo or "").split())[:MOTIVO_MASSIMO]
    if not motivo:
        raise DomainError(_("Indica il motivo del mancato pagamento."), "motivo")
    lotto, rimborso = _blocca(rimborso)
    if rimborso.stato == Rimborso.Stato.RESPINTO:
        return False
    if rimborso.stato == Rimborso.Stato.PAGATO:
        raise DomainError(
            _("Il rimborso %(numero)s risulta già pagato il %(il)s: non può risultare non riuscito.")
            % {
                "numero": rimborso.numero,
                "il": formats.date_format(rimborso.pagato_il, "SHORT_DATE_FORMAT"),
            }
        )
    voci = VoceRimborso.objects.filter(rimborso=rimborso, attiva=True)
    fattura_ids = list(voci.values_list("fattura_id", flat=True))  # one professional's: a few
    voci.update(attiva=False)
    fatture.segna_da_pagare(fattura_ids)
    rimborso.stato, rimborso.motivo_rifiuto, rimborso.esito_il = (
        Rimborso.Stato.RESPINTO,
        motivo,
        timezone.now(),
    )
    rimborso.save(update_fields=["stato", "motivo_rifiuto", "esito_il"])
    aggiorna_stato_lotto(lotto)
    audit(utente, "rimborso.respinto", rimborso, motivo=motivo, fatture=len(fattura_ids), fonte=fonte)
    return True
