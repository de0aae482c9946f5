"""Paying the fatture: the Regions' transfers, the monthly batch, one transfer per professional and IBAN.

A region's funds for a bando = its transfers − every active `VoceRimborso` (paid or committed in a batch
not yet paid). A `VoceRimborso` is a fattura in a rimborso; while `attiva` the fattura is in exactly one
(a partial unique constraint: no fattura is ever paid twice, whatever the code path). A transfer the bank
rejects makes its voci inactive: the fatture are "da pagare" again and their amounts are back in the
region's funds.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import Regione
from apps.core.money import MONEY
from apps.domande.models import Bando
from apps.fatture.models import Fattura
from apps.professionisti.models import CanaleAccredito, Professionista, maschera_iban


class TrasferimentoRisorse(models.Model):
    """Money a Region transferred to INPS for a bando's reimbursements."""

    bando = models.ForeignKey(Bando, verbose_name=_("bando"), on_delete=models.PROTECT, related_name="+")
    regione = models.ForeignKey(
        Regione, verbose_name=_("regione"), on_delete=models.PROTECT, related_name="+"
    )
    data = models.DateField(_("data del trasferimento"))
    importo = models.DecimalField(_("importo"), **MONEY)
    riferimento = models.CharField(_("riferimento"), max_length=60)
    registrato_il = models.DateTimeField(_("registrato il"), auto_now_add=True)

    class Meta:
        ordering = ["bando", "regione", "data"]
        verbose_name = _("trasferimento di risorse")
        verbose_name_plural = _("trasferimenti di risorse")
        constraints = [
            models.UniqueConstraint(
                fields=["bando", "regione", "riferimento"], name="trasferimento_unico_per_riferimento"
            ),
            models.CheckConstraint(condition=Q(importo__gt=0), name="trasferimento_importo_positivo"),
        ]

    def __str__(self):
        return f"{self.bando.anno} {self.regione} {self.riferimento}"


class LottoRimborsi(models.Model):
    """The batch of month M (`mese`: its first day): fatture registered up to the end of M, paid in M+1."""

    class Stato(models.TextChoices):
        CREATO = "creato", _("creato")
        ESPORTATO = "esportato", _("esportato (SEPA)")
        PAGATO = "pagato", _("pagato")
        PARZIALMENTE_PAGATO = "parz_pagato", _("parzialmente pagato")

    mese = models.DateField(_("mese"), unique=True)
    stato = models.CharField(_("stato"), max_length=12, choices=Stato.choices, default=Stato.CREATO)
    creato_il = models.DateTimeField(_("creato il"), auto_now_add=True)
    esportato_il = models.DateTimeField(_("esportato il"), null=True, blank=True)
    totale = models.DecimalField(_("totale"), default=0, **MONEY)
    numero_rimborsi = models.PositiveIntegerField(_("rimborsi"), default=0)
    numero_sospese = models.PositiveIntegerField(_("fatture sospese"), default=0)

    class Meta:
        ordering = ["-mese"]
        verbose_name = _("lotto di rimborsi")
        verbose_name_plural = _("lotti di rimborsi")

    def __str__(self):
        return _("Lotto %(mese)s") % {"mese": self.mese.strftime("%m/%Y")}


class Rimborso(models.Model):
    """One SEPA transfer: a professional's fatture of the batch, to the channel current when it was made."""

    class Stato(models.TextChoices):
        IN_PAGAMENTO = "in_pagamento", _("in pagamento")
        PAGATO = "pagato", _("pagato")
        RESPINTO = "respinto", _("non riuscito")

    lotto = models.ForeignKey(
        LottoRimborsi, verbose_name=_("lotto"), on_delete=models.PROTECT, related_name="rimborsi"
    )
    numero = models.CharField(_("numero"), max_length=35, unique=True)  # the SEPA EndToEndId
    professionista = models.ForeignKey(
        Professionista, verbose_name=_("professionista"), on_delete=models.PROTECT, related_name="rimborsi"
    )
    canale = models.ForeignKey(
        CanaleAccredito, verbose_name=_("canale di accredito"), on_delete=models.PROTECT, related_name="+"
    )
    # Copied from the channel when the batch is made: a later change of IBAN does not alter this one.
    iban = models.CharField(_("IBAN"), max_length=34)
    beneficiario = models.CharField(_("beneficiario"), max_length=140)
    importo = models.DecimalField(_("importo"), **MONEY)
    stato = models.CharField(
        _("stato"), max_length=12, choices=Stato.choices, default=Stato.IN_PAGAMENTO, db_index=True
    )
    pagato_il = models.DateField(_("pagato il"), null=True, blank=True)
    motivo_rifiuto = models.CharField(_("motivo del rifiuto"), max_length=35, blank=True)
    esito_il = models.DateTimeField(_("esito registrato il"), null=True, blank=True)

    class Meta:
        ordering = ["lotto", "numero"]
        verbose_name = _("rimborso")
        verbose_name_plural = _("rimborsi")
        constraints = [
            models.UniqueConstraint(
                fields=["lotto", "professionista", "canale"], name="rimborso_unico_per_canale_nel_lotto"
            ),
            models.CheckConstraint(condition=Q(importo__gt=0), name="rimborso_importo_positivo"),
        ]

    def __str__(self):
        return self.numero

    @property
    def iban_mascherato(self) -> str:
        return maschera_iban(self.iban)


class VoceRimborso(models.Model):
    """A fattura paid by a rimborso, charged to its region and bando."""

    rimborso = models.ForeignKey(
        Rimborso, verbose_name=_("rimborso"), on_delete=models.PROTECT, related_name="voci"
    )
    fattura = models.ForeignKey(
        Fattura, verbose_name=_("fattura"), on_delete=models.PROTECT, related_name="+"
    )
    bando = models.ForeignKey(Bando, verbose_name=_("bando"), on_delete=models.PROTECT, related_name="+")
    regione = models.ForeignKey(
        Regione, verbose_name=_("regione"), on_delete=models.PROTECT, related_name="+"
    )
    importo = models.DecimalField(_("importo"), **MONEY)
    attiva = models.BooleanField(_("attiva"), default=True)

    class Meta:
        ordering = ["rimborso", "fattura"]
        verbose_name = _("fattura rimborsata")
        verbose_name_plural = _("fatture rimborsate")
        constraints = [
            models.UniqueConstraint(
                fields=["fattura"], condition=Q(attiva=True), name="fattura_pagata_una_sola_volta"
            ),
        ]
        indexes = [
            models.Index(
                fields=["bando", "regione"], condition=Q(attiva=True), name="voce_impegnata_per_regione"
            )
        ]

    def __str__(self):
        return f"{self.rimborso} – {self.fattura}"


class FatturaSospesa(models.Model):
    """A fattura a batch could not pay because its region's funds did not cover it."""

    lotto = models.ForeignKey(
        LottoRimborsi, verbose_name=_("lotto"), on_delete=models.PROTECT, related_name="sospese"
    )
    fattura = models.ForeignKey(
        Fattura, verbose_name=_("fattura"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["lotto", "fattura"]
        verbose_name = _("fattura sospesa")
        verbose_name_plural = _("fatture sospese")
        constraints = [
            models.UniqueConstraint(fields=["lotto", "fattura"], name="sospensione_unica_nel_lotto"),
        ]

    def __str__(self):
        return f"{self.lotto} – {self.fattura}"
