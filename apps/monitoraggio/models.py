"""The monthly monitoring (circ. 124/2025 §8): one stored snapshot per bando and month, never changed."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.domande.models import Bando


class Instantanea(models.Model):
    """Aggregates of a bando at the end of a month (`mese`: its first day). `dati` holds counts and amounts
    (amounts as strings with two decimals, never floats): see services.calcola_dati for its shape."""

    bando = models.ForeignKey(Bando, verbose_name=_("bando"), on_delete=models.PROTECT, related_name="+")
    mese = models.DateField(_("mese"))
    creata_il = models.DateTimeField(_("creata il"), auto_now_add=True)
    dati = models.JSONField(_("dati"))

    class Meta:
        ordering = ["-mese", "bando"]
        verbose_name = _("istantanea di monitoraggio")
        verbose_name_plural = _("istantanee di monitoraggio")
        constraints = [models.UniqueConstraint(fields=["bando", "mese"], name="instantanea_unica_per_mese")]

    def __str__(self):
        return _("Monitoraggio %(mese)s – bando %(anno)s") % {
            "mese": f"{self.mese:%m/%Y}",
            "anno": self.bando.anno,
        }
