from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import Regione
from apps.core.money import MONEY
from apps.domande.models import Bando, Domanda


class Esito(models.TextChoices):
    ACCOLTA = "accolta", _("accolta")
    PARZIALMENTE_ACCOLTA = "parzialmente_accolta", _("parzialmente accolta")
    NON_ACCOLTA_PROVVISORIA = "non_accolta_provvisoria", _("non accolta (in graduatoria)")
    IMPROCEDIBILE = "improcedibile", _("improcedibile")
    INAMMISSIBILE = "inammissibile", _("inammissibile")


ESITI_FINANZIATI = (Esito.ACCOLTA, Esito.PARZIALMENTE_ACCOLTA)


class Graduatoria(models.Model):
    """The ranking of one region for one bando, with the region's pool of funds."""

    class Stato(models.TextChoices):
        DA_CALCOLARE = "da_calcolare", _("da calcolare")
        CALCOLATA = "calcolata", _("calcolata")
        PUBBLICATA = "pubblicata", _("pubblicata")

    bando = models.ForeignKey(
        Bando, verbose_name=_("bando"), on_delete=models.PROTECT, related_name="graduatorie"
    )
    regione = models.ForeignKey(
        Regione, verbose_name=_("regione"), on_delete=models.PROTECT, related_name="+"
    )
    stato = models.CharField(_("stato"), max_length=15, choices=Stato.choices, default=Stato.DA_CALCOLARE)
    budget = models.DecimalField(_("budget"), default=Decimal("0.00"), **MONEY)
    assegnato = models.DecimalField(_("assegnato"), default=Decimal("0.00"), **MONEY)
    domande_in_graduatoria = models.PositiveIntegerField(_("domande in graduatoria"), default=0)
    finanziate = models.PositiveIntegerField(_("finanziate"), default=0)
    isee_ultimo_finanziato = models.DecimalField(_("isee ultimo finanziato"), null=True, blank=True, **MONEY)
    calcolata_il = models.DateTimeField(_("calcolata il"), null=True, blank=True)
    pubblicata_il = models.DateField(_("data di pubblicazione"), null=True, blank=True)

    class Meta:
        ordering = ["bando", "regione"]
        verbose_name = _("graduatoria regionale")
        verbose_name_plural = _("graduatorie regionali")
        constraints = [
            models.UniqueConstraint(fields=["bando", "regione"], name="una_graduatoria_per_regione"),
            models.CheckConstraint(
                condition=models.Q(assegnato__lte=models.F("budget")), name="graduatoria_entro_budget"
            ),
        ]

    def __str__(self):
        return f"{self.bando.anno} – {self.regione}"

    @property
    def disponibile(self) -> Decimal:
        """The region's pool: budget not assigned to any code."""
        return self.budget - self.assegnato


class Scorrimento(models.Model):
    """One run of `scorrimento` that funded someone: the funds of the regions' pools reassigned in
    graduatoria order on `data` (apps.graduatorie.scorrimento). `usa_decadenza` marks the run that spent
    the funds freed by decadenza: a bando with `scorrimenti_massimi` allows that many (circ. 124/2025 §6:
    one); `ultimo_movimento` is the last MovimentoFondo it could see, so that decadenza funds returned
    after the last allowed one stay in the pool."""

    bando = models.ForeignKey(
        Bando, verbose_name=_("bando"), on_delete=models.PROTECT, related_name="scorrimenti"
    )
    data = models.DateField(_("data dello scorrimento"))
    eseguito_il = models.DateTimeField(_("eseguito il"))
    usa_decadenza = models.BooleanField(_("riassegna i fondi delle decadenze"), default=False)
    ultimo_movimento = models.PositiveBigIntegerField(_("ultimo movimento del fondo considerato"))
    riepilogo = models.JSONField(_("riepilogo"), default=dict)

    class Meta:
        ordering = ["bando", "data", "pk"]
        verbose_name = _("scorrimento")
        verbose_name_plural = _("scorrimenti")

    def __str__(self):
        return f"{self.bando.anno} – {self.data.isoformat()}"


class Posizione(models.Model):
    """One domanda's place and outcome. Rows are written only by ranking.inserisci_posizioni, from
    the bando's own domande and graduatorie in the same transaction, so the links need no database
    FK, whose per-row triggers weighed on a 1 000 000-domande ranking (bench/README.md). The ORM's
    CASCADE/PROTECT still apply, and the unique indexes below serve every lookup."""

    graduatoria = models.ForeignKey(
        Graduatoria,
        verbose_name=_("graduatoria"),
        on_delete=models.CASCADE,
        related_name="posizioni",
        db_index=False,
        db_constraint=False,
    )
    # The domanda is the key: one index fewer to maintain on a million-row ranking.
    domanda = models.OneToOneField(
        Domanda,
        verbose_name=_("domanda"),
        on_delete=models.PROTECT,
        related_name="posizione",
        db_constraint=False,
        primary_key=True,
    )
    posizione = models.PositiveIntegerField(_("posizione"), null=True, blank=True)
    esito = models.CharField(_("esito"), max_length=25, choices=Esito.choices)
    importo_assegnato = models.DecimalField(_("importo assegnato"), default=Decimal("0.00"), **MONEY)
    # Set when the domanda was funded (or topped up) by a scorrimento: its provvedimento says when.
    scorrimento = models.ForeignKey(
        Scorrimento,
        verbose_name=_("scorrimento"),
        on_delete=models.PROTECT,
        related_name="posizioni",
        null=True,
        blank=True,
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        ordering = ["graduatoria", "posizione"]
        verbose_name = _("posizione in graduatoria")
        verbose_name_plural = _("posizioni in graduatoria")
        constraints = [
            models.UniqueConstraint(fields=["graduatoria", "posizione"], name="posizione_unica"),
        ]

    def __str__(self):
        return f"{self.posizione or '-'}: {self.get_esito_display()}"
