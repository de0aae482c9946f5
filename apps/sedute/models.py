"""A seduta booked by a professional on a beneficiary's code.

prenotata → confermata → fatturata → rimborsata; prenotata/confermata → annullata.
Its amount sits in the code's `prenotato` while prenotata and in `utilizzato` from confermata on.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.codici.models import CodiceUnivoco
from apps.core.money import MASSIMO_SEDUTA, MONEY
from apps.professionisti.models import Professionista, Studio


class Seduta(models.Model):
    class Stato(models.TextChoices):
        PRENOTATA = "prenotata", _("prenotata")
        CONFERMATA = "confermata", _("confermata")
        FATTURATA = "fatturata", _("fatturata")
        RIMBORSATA = "rimborsata", _("rimborsata")
        ANNULLATA = "annullata", _("annullata")

    class AnnullataDa(models.TextChoices):
        PROFESSIONISTA = "professionista", _("dal professionista")
        BENEFICIARIO = "beneficiario", _("dal beneficiario")
        UFFICIO = "ufficio", _("d'ufficio")

    professionista = models.ForeignKey(
        Professionista, verbose_name=_("professionista"), on_delete=models.PROTECT, related_name="sedute"
    )
    codice = models.ForeignKey(
        CodiceUnivoco, verbose_name=_("codice"), on_delete=models.PROTECT, related_name="sedute"
    )
    studio = models.ForeignKey(Studio, verbose_name=_("studio"), on_delete=models.PROTECT, related_name="+")
    inizio = models.DateTimeField(_("data e ora"))
    durata_minuti = models.PositiveSmallIntegerField(_("durata (minuti)"))
    importo = models.DecimalField(_("importo"), **MONEY)
    stato = models.CharField(_("stato"), max_length=10, choices=Stato.choices, default=Stato.PRENOTATA)
    prenotata_il = models.DateTimeField(_("prenotata il"), auto_now_add=True)
    modificata_il = models.DateTimeField(_("modificata il"), null=True, blank=True)
    confermata_il = models.DateTimeField(_("confermata il"), null=True, blank=True)
    annullata_il = models.DateTimeField(_("annullata il"), null=True, blank=True)
    rimborsata_il = models.DateField(_("rimborsata il"), null=True, blank=True)
    annullata_da = models.CharField(_("annullata da"), max_length=14, choices=AnnullataDa.choices, blank=True)
    # The booking form's one-time key: a double click or a resubmission books once.
    chiave_invio = models.UUIDField(null=True, blank=True, editable=False)
    # How many times the appointment changed (time, duration, cancellation): the calendar feeds'
    # SEQUENCE (RFC 5545), so a subscribed calendar replaces its copy instead of keeping the old one.
    # Raised by the services that change it, never by a view.
    revisione = models.PositiveIntegerField(_("revisione"), default=0, editable=False)

    class Meta:
        ordering = ["-inizio", "-pk"]
        verbose_name = _("seduta")
        verbose_name_plural = _("sedute")
        constraints = [
            models.CheckConstraint(
                condition=Q(importo__gt=0) & Q(importo__lte=MASSIMO_SEDUTA), name="seduta_importo_ammesso"
            ),
            models.CheckConstraint(condition=Q(durata_minuti__gt=0), name="seduta_durata_positiva"),
            models.UniqueConstraint(
                fields=["chiave_invio"],
                condition=Q(chiave_invio__isnull=False),
                name="seduta_chiave_invio_unica",
            ),
        ]
        indexes = [
            models.Index(fields=["professionista", "-inizio"], name="seduta_professionista_inizio"),
            models.Index(fields=["codice", "inizio"], name="seduta_codice_inizio"),
        ]

    def __str__(self):
        return _("Seduta n. %(n)s") % {"n": self.pk}

    @property
    def numero(self) -> str:
        return f"S{self.pk:08d}"

    @property
    def modificabile(self) -> bool:
        return self.stato in (self.Stato.PRENOTATA, self.Stato.CONFERMATA)

    annullabile = modificabile

    def confermabile(self, adesso=None) -> bool:
        return self.stato == self.Stato.PRENOTATA and self.inizio <= (adesso or timezone.now())

    def annullabile_dal_beneficiario(self, adesso=None) -> bool:
        return self.stato == self.Stato.PRENOTATA and self.inizio > (adesso or timezone.now())


class CalendarioFeed(models.Model):
    """A secret, revocable address of a person's sedute as an iCalendar feed (calendar apps cannot log in,
    so the token is the credential). Only its SHA-256 is stored: the address is shown once, when made;
    "Rigenera" revokes it and makes a new one. At most one live feed per person and kind."""

    class Tipo(models.TextChoices):
        PROFESSIONISTA = "professionista", _("sedute prenotate come professionista")
        CITTADINO = "cittadino", _("sedute prenotate sui propri codici")

    utente = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("utente"), on_delete=models.CASCADE, related_name="+"
    )
    tipo = models.CharField(_("tipo"), max_length=14, choices=Tipo.choices)
    token_hash = models.CharField(_("impronta del token"), max_length=64, unique=True, editable=False)
    creato_il = models.DateTimeField(_("creato il"), default=timezone.now)
    revocato_il = models.DateTimeField(_("revocato il"), null=True, blank=True)

    class Meta:
        ordering = ["-creato_il", "-pk"]
        verbose_name = _("calendario in abbonamento")
        verbose_name_plural = _("calendari in abbonamento")
        constraints = [
            models.UniqueConstraint(
                fields=["utente", "tipo"], condition=Q(revocato_il__isnull=True), name="un_calendario_attivo"
            ),
        ]

    def __str__(self):
        return _("Calendario n. %(n)s") % {"n": self.pk}
