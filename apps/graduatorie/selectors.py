"""Reads of the graduatorie app used by the portals."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.core.money import euro
from apps.domande.models import Domanda

from .models import ESITI_FINANZIATI, Esito, Graduatoria, Posizione


@dataclass(frozen=True)
class EsitoPubblicato:
    """What the provvedimento of one domanda says, once the region's graduatoria is published."""

    esito: str
    esito_label: str
    pubblicata_il: object
    posizione: int | None
    importo_assegnato: Decimal
    isee_ultimo_finanziato: Decimal | None
    codice: object  # CodiceUnivoco or None
    motivo: str
    scorrimento_il: object = None  # the date a scorrimento funded or topped it up, if one did

    @property
    def finanziata(self) -> bool:
        return self.esito in ESITI_FINANZIATI


def motivo_esclusione(domanda: Domanda, esito: str) -> str:
    """The reason an unranked domanda was excluded, in the applicant's words."""
    bando = domanda.bando
    if esito == Esito.IMPROCEDIBILE:
        return _("L'ISEE presentava omissioni o difformità non regolarizzate entro il %(data)s.") % {
            "data": date_format(bando.termine_regolarizzazione, "SHORT_DATE_FORMAT")
        }
    if esito != Esito.INAMMISSIBILE:
        return ""
    if not domanda.dichiarazione_dpr445:
        return _("Manca la dichiarazione sostitutiva ai sensi del DPR 445/2000.")
    if not bando.in_finestra(domanda.presentata_il):
        return _("La domanda è stata presentata fuori dal periodo %(apertura)s – %(chiusura)s.") % {
            "apertura": date_format(bando.apertura, "SHORT_DATE_FORMAT"),
            "chiusura": date_format(bando.chiusura, "SHORT_DATE_FORMAT"),
        }
    if domanda.isee > bando.isee_massimo:
        return _("L'ISEE supera il limite di %(limite)s.") % {"limite": euro(bando.isee_massimo)}
    if bando.territori_esclusi.filter(pk=domanda.regione_id).exists():
        return _("Il territorio di residenza è escluso dal bando.")
    return _("La domanda non possiede i requisiti del bando.")


def esito_pubblicato(domanda: Domanda) -> EsitoPubblicato | None:
    """The published outcome of a domanda; None while its region's graduatoria is not published."""
    posizione = (
        Posizione.objects.select_related("graduatoria", "scorrimento")
        .filter(domanda=domanda, graduatoria__stato=Graduatoria.Stato.PUBBLICATA)
        .first()
    )
    if posizione is None:
        return None
    from apps.codici.models import CodiceUnivoco

    codice = None
    if posizione.esito in ESITI_FINANZIATI:
        codice = CodiceUnivoco.objects.filter(domanda=domanda).first()
    return EsitoPubblicato(
        esito=posizione.esito,
        esito_label=posizione.get_esito_display(),
        pubblicata_il=posizione.graduatoria.pubblicata_il,
        posizione=posizione.posizione,
        importo_assegnato=posizione.importo_assegnato,
        isee_ultimo_finanziato=posizione.graduatoria.isee_ultimo_finanziato,
        codice=codice,
        motivo=motivo_esclusione(domanda, posizione.esito),
        scorrimento_il=posizione.scorrimento.data if posizione.scorrimento_id else None,
    )
