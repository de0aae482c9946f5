"""The professional's invoices for a beneficiary's confirmed sedute.

A fattura covers confirmed, not yet invoiced sedute of ONE code (one beneficiary in one bando): it is
then charged to one region and one bando, which the monthly batch needs (DESIGN "Rimborsi"). Registered
fatture are never deleted. States:

    da_pagare ──batch──> in_pagamento ──paid──> rimborsata
        │  ↑                  │
        │  └──── failed ──────┘   (the bank rejected the transfer: paid again in a later batch)
        ├──batch, no funds──> sospesa ──next batch with funds──> in_pagamento
        └──withdrawn (da_pagare or sospesa only)──> ritirata

The sedute follow: confermata → fatturata on registration, back to confermata on withdrawal,
fatturata → rimborsata when paid. `SedutaFatturata` links them; while the link is `attiva` a seduta is
on one fattura only (a partial unique constraint, whatever the code path).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.codici.models import CodiceUnivoco
from apps.core.models import Regione
from apps.core.money import MONEY
from apps.domande.models import Bando
from apps.professionisti.models import Professionista
from apps.sedute.models import Seduta


class Fattura(models.Model):
    class Stato(models.TextChoices):
        DA_PAGARE = "da_pagare", _("registrata, da pagare")
        SOSPESA = "sospesa", _("sospesa — mancata trasmissione fondi da parte della Regione")
        IN_PAGAMENTO = "in_pagamento", _("in pagamento")
        RIMBORSATA = "rimborsata", _("rimborsata")
        RITIRATA = "ritirata", _("ritirata")

    professionista = models.ForeignKey(
        Professionista, verbose_name=_("professionista"), on_delete=models.PROTECT, related_name="fatture"
    )
    codice = models.ForeignKey(
        CodiceUnivoco, verbose_name=_("codice"), on_delete=models.PROTECT, related_name="fatture"
    )
    # Copied from the code's domanda at registration: the batch charges the fattura to them.
    bando = models.ForeignKey(Bando, verbose_name=_("bando"), on_delete=models.PROTECT, related_name="+")
    regione = models.ForeignKey(
        Regione, verbose_name=_("regione"), on_delete=models.PROTECT, related_name="+"
    )
    emittente = models.CharField(_("emittente (ragione sociale o nominativo)"), max_length=200)
    numero = models.CharField(_("numero fattura"), max_length=30)
    data = models.DateField(_("data fattura"))
    anno = models.PositiveSmallIntegerField(_("anno"), editable=False)  # data.year: numbers restart yearly
    totale = models.DecimalField(_("totale fattura"), **MONEY)
    importo_bonus = models.DecimalField(_("quota a carico del bonus"), **MONEY)  # sum of its sedute
    stato = models.CharField(
        _("stato"), max_length=12, choices=Stato.choices, default=Stato.DA_PAGARE, db_index=True
    )
    registrata_il = models.DateTimeField(_("registrata il"), default=timezone.now)
    ritirata_il = models.DateTimeField(_("ritirata il"), null=True, blank=True)
    rimborsata_il = models.DateField(_("rimborsata il"), null=True, blank=True)
    # The registration form's one-time key: a double click or a resubmission registers once.
    chiave_invio = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-registrata_il", "-pk"]
        verbose_name = _("fattura")
        verbose_name_plural = _("fatture")
        constraints = [
            models.UniqueConstraint(
                fields=["professionista", "anno", "numero"],
                condition=~Q(stato="ritirata"),
                name="fattura_numero_unico_per_anno",
            ),
            models.UniqueConstraint(
                fields=["chiave_invio"],
                condition=Q(chiave_invio__isnull=False),
                name="fattura_chiave_invio_unica",
            ),
            models.CheckConstraint(
                condition=Q(importo_bonus__gt=0) & Q(totale__gte=F("importo_bonus")),
                name="fattura_totale_copre_bonus",
            ),
        ]
        indexes = [
            models.Index(fields=["professionista", "-registrata_il"], name="fattura_professionista"),
            models.Index(fields=["stato", "registrata_il"], name="fattura_da_rimborsare"),
            models.Index(fields=["codice", "-data"], name="fattura_codice"),
        ]

    def __str__(self):
        return _("Fattura n. %(numero)s del %(anno)s") % {"numero": self.numero, "anno": self.anno}

    def save(self, *args, **kwargs):
        self.anno = self.data.year
        super().save(*args, **kwargs)

    @property
    def quota_paziente(self):
        """What the patient paid: the total less the bonus share."""
        return self.totale - self.importo_bonus

    @property
    def ritirabile(self) -> bool:
        """Not in a payment batch (suspended ones are not: they wait for funds, nothing is committed)."""
        return self.stato in (self.Stato.DA_PAGARE, self.Stato.SOSPESA)


class SedutaFatturata(models.Model):
    """A seduta on a fattura, with the amount invoiced. Kept when the fattura is withdrawn (`attiva`
    false), so a withdrawn fattura still shows what it covered."""

    fattura = models.ForeignKey(
        Fattura, verbose_name=_("fattura"), on_delete=models.PROTECT, related_name="righe"
    )
    seduta = models.ForeignKey(Seduta, verbose_name=_("seduta"), on_delete=models.PROTECT, related_name="+")
    importo = models.DecimalField(_("importo"), **MONEY)
    attiva = models.BooleanField(_("attiva"), default=True)

    class Meta:
        ordering = ["fattura", "seduta"]
        verbose_name = _("seduta fatturata")
        verbose_name_plural = _("sedute fatturate")
        constraints = [
            models.UniqueConstraint(
                fields=["seduta"], condition=Q(attiva=True), name="seduta_su_una_sola_fattura"
            ),
        ]

    def __str__(self):
        return f"{self.fattura} – {self.seduta.numero}"


class ArchivioFatture(models.Model):
    """A citizen's download of many fatture (over `documenti.SOGLIA_IN_CODA`), built by a Celery task.

    The file lives in the private folder `documenti.cartella_archivi()` (never under static or media),
    named by a random token, downloadable only by `utente`; it and this record are deleted after
    `documenti.CONSERVAZIONE` (24 hours). `fattura_ids` are the ids chosen, checked again against the
    owner when the task builds the file."""

    class Formato(models.TextChoices):
        PDF = "pdf", _("un PDF con una pagina per fattura")
        ZIP = "zip", _("un archivio ZIP con un PDF per fattura")

    class Stato(models.TextChoices):
        IN_CODA = "in_coda", _("in coda")
        IN_CORSO = "in_corso", _("in preparazione")
        PRONTO = "pronto", _("pronto")
        FALLITO = "fallito", _("non riuscito")

    utente = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("utente"), on_delete=models.CASCADE, related_name="+"
    )
    formato = models.CharField(_("formato"), max_length=3, choices=Formato.choices)
    fattura_ids = models.JSONField(_("fatture"), default=list)
    totale = models.PositiveIntegerField(_("fatture da preparare"), default=0)
    fatte = models.PositiveIntegerField(_("fatture preparate"), default=0)
    stato = models.CharField(_("stato"), max_length=8, choices=Stato.choices, default=Stato.IN_CODA)
    file = models.CharField(_("file"), max_length=100, blank=True, editable=False)
    richiesto_il = models.DateTimeField(_("richiesto il"), default=timezone.now, db_index=True)
    pronto_il = models.DateTimeField(_("pronto il"), null=True, blank=True)

    class Meta:
        ordering = ["-richiesto_il", "-pk"]
        verbose_name = _("archivio di fatture")
        verbose_name_plural = _("archivi di fatture")

    def __str__(self):
        return _("Archivio di %(n)s fatture") % {"n": self.totale}
