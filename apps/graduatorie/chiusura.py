"""The billing deadline (DESIGN "Scheduled jobs"): after a bando's `termine_fatturazione`, the sedute
that can no longer be invoiced are cancelled ex officio.

`chiudi_fatturazione(bando, oggi)` does nothing up to and including the deadline day; from the day after,
every seduta of the bando's codes still prenotata, or confermata (a confermata seduta has no active
fattura: invoicing makes it fatturata), is cancelled with annullata_da = ufficio through
`apps.sedute.services.annulla_seduta_d_ufficio`, which releases its amount in the code's ledger.

It works one professional at a time, each in one transaction that also queues their notification (an
e-mail in their language, to the address CNOP lists, else their PEC): a professional is either swept
and told, or untouched. A second run finds nothing left, so it cancels and sends nothing; a run that
died half-way is finished by the next one.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.core.lingua import nella_lingua
from apps.core.models import Notifica
from apps.core.services import audit, queue_notifiche
from apps.domande.models import Bando
from apps.professionisti.models import Professionista
from apps.sedute import services as sedute
from apps.sedute.models import Seduta

DA_ANNULLARE = (Seduta.Stato.PRENOTATA, Seduta.Stato.CONFERMATA)


def scaduto(bando: Bando, oggi: dt.date) -> bool:
    return bando.termine_fatturazione is not None and oggi > bando.termine_fatturazione


def _notifica(professionista: Professionista, bando: Bando, annullate: int, oggi: dt.date) -> Notifica | None:
    destinatario = professionista.email or professionista.pec
    if not destinatario:
        return None
    utente = get_user_model().objects.filter(codice_fiscale=professionista.codice_fiscale).first()
    with nella_lingua(utente):
        parametri = {
            "anno": bando.anno,
            "termine": formats.date_format(bando.termine_fatturazione, "SHORT_DATE_FORMAT"),
            "n": annullate,
        }
        oggetto = _("Bonus psicologo: chiuso il termine di fatturazione del bando %(anno)s") % parametri
        testo = (
            ngettext(
                "Il termine per fatturare le sedute del bando %(anno)s era il %(termine)s. %(n)s tua seduta "
                "prenotata o confermata e non fatturata è stata annullata d'ufficio: non può più essere "
                "fatturata né rimborsata.",
                "Il termine per fatturare le sedute del bando %(anno)s era il %(termine)s. %(n)s tue sedute "
                "prenotate o confermate e non fatturate sono state annullate d'ufficio: non possono più "
                "essere fatturate né rimborsate.",
                annullate,
            )
            % parametri
        )
    return Notifica(
        chiave=f"chiusura-fatturazione:{bando.pk}:{professionista.pk}:{oggi.isoformat()}",
        canale=Notifica.Canale.EMAIL,
        destinatario=destinatario,
        oggetto=oggetto,
        testo=testo,
    )


def chiudi_fatturazione(bando: Bando, oggi: dt.date, *, attore=None) -> dict:
    """Sweep the bando after its deadline; returns how many sedute were cancelled, for how many
    professionals, and how many notifications were queued."""
    risultato = {"bando": bando.anno, "annullate": 0, "professionisti": 0, "notifiche": 0}
    if not scaduto(bando, oggi):
        return risultato
    adesso = timezone.now()
    rimaste = Seduta.objects.filter(codice__domanda__bando=bando, stato__in=DA_ANNULLARE)
    for professionista_id in list(rimaste.order_by().values_list("professionista_id", flat=True).distinct()):
        with transaction.atomic():
            annullate = 0
            # In the order of the codes: the lock order of every action on sedute.
            for seduta in rimaste.filter(professionista_id=professionista_id).order_by("codice_id", "pk"):
                annullate += sedute.annulla_seduta_d_ufficio(seduta, adesso)
            if not annullate:
                continue
            professionista = Professionista.objects.get(pk=professionista_id)
            notifica = _notifica(professionista, bando, annullate, oggi)
            risultato["notifiche"] += queue_notifiche([notifica]) if notifica else 0
            risultato["annullate"] += annullate
            risultato["professionisti"] += 1
    if risultato["annullate"]:
        audit(attore, "bando.chiusura_fatturazione", bando, oggi=oggi.isoformat(), **risultato)
    return risultato
