"""Writes on professionals: IBAN channels and studi. The CNOP import is in importer.py."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.core.exceptions import DomainError
from apps.core.services import audit

from .models import CanaleAccredito, Professionista, Studio


def normalizza_iban(iban: str) -> str:
    return "".join(iban.split()).upper()


@transaction.atomic
def aggiungi_canale(
    utente,
    professionista: Professionista,
    *,
    iban: str,
    tipo: str,
    partita_iva: str = "",
    denominazione: str = "",
) -> CanaleAccredito:
    """Add an IBAN (already validated by the form). The first one becomes the current channel."""
    iban = normalizza_iban(iban)
    if tipo == CanaleAccredito.Tipo.PERSONALE:
        partita_iva, denominazione = "", ""
    # Lock the professional: two tabs adding a first IBAN at once must not both make it current.
    Professionista.objects.select_for_update().get(pk=professionista.pk)
    if CanaleAccredito.objects.filter(professionista=professionista, iban=iban).exists():
        raise DomainError(_("Questo IBAN è già tra i tuoi canali di accredito."), "iban")
    primo = not CanaleAccredito.objects.filter(professionista=professionista).exists()
    canale = CanaleAccredito.objects.create(
        professionista=professionista,
        tipo=tipo,
        iban=iban,
        partita_iva=partita_iva,
        denominazione=denominazione.strip(),
        attuale=primo,
    )
    audit(utente, "canale_accredito.aggiunto", canale, attuale=primo)
    return canale


@transaction.atomic
def imposta_canale_attuale(utente, professionista: Professionista, canale_id: int) -> CanaleAccredito:
    Professionista.objects.select_for_update().get(pk=professionista.pk)
    canale = CanaleAccredito.objects.get(professionista=professionista, pk=canale_id)
    if canale.attuale:
        return canale
    # Two statements in this order: the partial unique index allows one current channel at any instant.
    CanaleAccredito.objects.filter(professionista=professionista, attuale=True).update(attuale=False)
    CanaleAccredito.objects.filter(pk=canale.pk).update(attuale=True)
    canale.attuale = True
    audit(utente, "canale_accredito.attuale", canale)
    return canale


def aggiungi_studio(utente, professionista: Professionista, *, indirizzo, comune, provincia, cap) -> Studio:
    try:
        with transaction.atomic():
            studio = Studio.objects.create(
                professionista=professionista,
                indirizzo=indirizzo.strip(),
                comune=comune.strip(),
                provincia=provincia,
                cap=cap,
            )
    except IntegrityError as exc:
        raise DomainError(_("Questo studio è già nel tuo elenco."), "indirizzo") from exc
    audit(utente, "studio.aggiunto", studio)
    return studio
