from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import Regione
from apps.core.money import MONEY
from apps.domande.models import Bando, Domanda

# No 0/O and 1/I: a code is read aloud and typed by hand.
ALFABETO = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LUNGHEZZA = 12


class CodiceUnivoco(models.Model):
    class Stato(models.TextChoices):
        ATTIVO = "attivo", _("attivo")
        ESAURITO = "esaurito", _("esaurito")
        SCADUTO = "scaduto", _("scaduto")
        DECADUTO = "decaduto", _("decaduto")
        ANNULLATO = "annullato", _("annullato")

    codice = models.CharField(_("codice"), max_length=LUNGHEZZA, unique=True)
    domanda = models.OneToOneField(
        Domanda, verbose_name=_("domanda"), on_delete=models.PROTECT, related_name="codice"
    )
    assegnato = models.DecimalField(_("assegnato"), **MONEY)
    prenotato = models.DecimalField(_("prenotato"), default=Decimal("0.00"), **MONEY)
    utilizzato = models.DecimalField(_("utilizzato"), default=Decimal("0.00"), **MONEY)
    stato = models.CharField(
        _("stato"), max_length=10, choices=Stato.choices, default=Stato.ATTIVO, db_index=True
    )
    valido_dal = models.DateField(_("valido dal"))
    valido_fino_al = models.DateField(_("valido fino al"))
    prima_seduta_entro = models.DateField(_("prima seduta entro"), null=True, blank=True)
    creato_il = models.DateTimeField(_("creato il"), auto_now_add=True)

    class Meta:
        verbose_name = _("codice univoco")
        verbose_name_plural = _("codici univoci")
        constraints = [
            models.CheckConstraint(
                condition=Q(assegnato__gte=0) & Q(prenotato__gte=0) & Q(utilizzato__gte=0),
                name="codice_importi_non_negativi",
            ),
            models.CheckConstraint(
                condition=Q(assegnato__gte=F("prenotato") + F("utilizzato")),
                name="codice_non_oltre_assegnato",
            ),
        ]

    def __str__(self):
        # Never the code itself: str() ends up in logs and admin breadcrumbs.
        return _("Codice n. %(n)s") % {"n": self.pk}

    @property
    def residuo(self) -> Decimal:
        return self.assegnato - self.prenotato - self.utilizzato

    @property
    def codice_mascherato(self) -> str:
        return f"{self.codice[:2]}{'•' * 8}{self.codice[-2:]}"


class MovimentoCodice(models.Model):
    """Append-only ledger: for every code, the sum of each delta column equals that column."""

    class Tipo(models.TextChoices):
        ASSEGNAZIONE = "assegnazione", _("assegnazione")
        INTEGRAZIONE = "integrazione", _("integrazione")
        PRENOTAZIONE = "prenotazione", _("prenotazione")
        RILASCIO = "rilascio", _("rilascio")
        UTILIZZO = "utilizzo", _("utilizzo")
        RESTITUZIONE = "restituzione", _("restituzione al fondo regionale")

    codice = models.ForeignKey(
        CodiceUnivoco, verbose_name=_("codice"), on_delete=models.PROTECT, related_name="movimenti"
    )
    tipo = models.CharField(_("tipo"), max_length=20, choices=Tipo.choices)
    delta_assegnato = models.DecimalField(_("delta assegnato"), default=Decimal("0.00"), **MONEY)
    delta_prenotato = models.DecimalField(_("delta prenotato"), default=Decimal("0.00"), **MONEY)
    delta_utilizzato = models.DecimalField(_("delta utilizzato"), default=Decimal("0.00"), **MONEY)
    riferimento = models.CharField(_("riferimento"), max_length=60, blank=True)
    creato_il = models.DateTimeField(_("creato il"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("movimento del codice")
        verbose_name_plural = _("movimenti del codice")

    def __str__(self):
        return _("%(tipo)s n. %(n)s") % {"tipo": self.get_tipo_display(), "n": self.pk}

    def save(self, *args, **kwargs):
        if self.pk:
            raise ValueError("MovimentoCodice è append-only")
        super().save(*args, **kwargs)


class MovimentoFondo(models.Model):
    """Append-only ledger of a region's pool of one bando: every amount that leaves it (a code assigned or
    topped up) or returns to it (a code expired or lapsed, a release on a code that can no longer spend).

    Written in the same transaction as the code's MovimentoCodice. For every (bando, regione) the sum of
    `delta` equals the pool, `Graduatoria.budget − Graduatoria.assegnato` (apps.graduatorie.fondo checks
    it); the pool's column lives in graduatorie, which sits above this app
    (apps.codici.services.registra_fondo)."""

    class Causale(models.TextChoices):
        DOTAZIONE = "dotazione", _("dotazione regionale")
        ASSEGNAZIONE = "assegnazione", _("assegnazione in graduatoria")
        SCORRIMENTO = "scorrimento", _("assegnazione per scorrimento")
        INTEGRAZIONE = "integrazione", _("integrazione di un finanziamento parziale")
        SCADENZA = "scadenza", _("residuo di un codice scaduto")
        DECADENZA = "decadenza", _("importo di un codice decaduto")
        RILASCIO = "rilascio", _("rilascio su un codice non più utilizzabile")

    bando = models.ForeignKey(Bando, verbose_name=_("bando"), on_delete=models.PROTECT, related_name="+")
    regione = models.ForeignKey(
        Regione, verbose_name=_("regione"), on_delete=models.PROTECT, related_name="+"
    )
    delta = models.DecimalField(_("variazione del fondo"), **MONEY)
    causale = models.CharField(_("causale"), max_length=15, choices=Causale.choices)
    codice = models.ForeignKey(
        CodiceUnivoco,
        verbose_name=_("codice"),
        on_delete=models.PROTECT,
        related_name="movimenti_fondo",
        null=True,
        blank=True,
    )
    riferimento = models.CharField(_("riferimento"), max_length=60, blank=True)
    creato_il = models.DateTimeField(_("creato il"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("movimento del fondo regionale")
        verbose_name_plural = _("movimenti del fondo regionale")
        indexes = [models.Index(fields=["bando", "regione", "causale"], name="fondo_bando_regione")]

    def __str__(self):
        return _("%(causale)s n. %(n)s") % {"causale": self.get_causale_display(), "n": self.pk}

    def save(self, *args, **kwargs):
        if self.pk:
            raise ValueError("MovimentoFondo è append-only")
        super().save(*args, **kwargs)
