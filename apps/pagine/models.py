"""The AgID content pages operators edit in admin, and the anonymous "Valuta il servizio" answers."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class PaginaContenuto(models.Model):
    """One content page (accessibility statement, privacy notice, legal notes) in one language.

    `corpo` is plain text with a few marks (apps/pagine/testo.py): paragraphs separated by a blank line,
    "## " headings, "- " lists, [text](https://…) links, **bold**. Nothing in it is ever output as HTML:
    the page escapes it and draws only those marks.
    """

    class Slug(models.TextChoices):
        ACCESSIBILITA = "accessibilita", _("Dichiarazione di accessibilità")
        PRIVACY = "privacy", _("Informativa sul trattamento dei dati personali")
        NOTE_LEGALI = "note_legali", _("Note legali")

    slug = models.CharField(_("pagina"), max_length=30, choices=Slug.choices)
    lingua = models.CharField(_("lingua"), max_length=5, choices=settings.LANGUAGES)
    titolo = models.CharField(_("titolo"), max_length=200)
    corpo = models.TextField(
        _("testo"),
        max_length=40000,
        help_text=_(
            "Testo semplice: un paragrafo per blocco separato da una riga vuota; «## » all'inizio di un "
            "blocco per un titolo, «- » all'inizio di ogni riga per un elenco puntato, [testo](https://…) "
            "per un collegamento, **testo** per il grassetto. L'HTML non viene interpretato."
        ),
    )
    aggiornata_il = models.DateTimeField(_("ultimo aggiornamento"), auto_now=True)

    class Meta:
        verbose_name = _("pagina di contenuto")
        verbose_name_plural = _("pagine di contenuto")
        ordering = ["slug", "lingua"]
        constraints = [models.UniqueConstraint(fields=["slug", "lingua"], name="pagina_unica_per_lingua")]

    def __str__(self):
        return f"{self.get_slug_display()} ({self.lingua})"


class Valutazione(models.Model):
    """One answer to "Valuta il servizio". Anonymous by design: no user, no IP, no time of day."""

    class Percorso(models.TextChoices):
        DOMANDA = "domanda", _("Presentazione della domanda")
        PRENOTAZIONE = "prenotazione", _("Prenotazione della seduta")

    percorso = models.CharField(_("percorso"), max_length=20, choices=Percorso.choices)
    voto = models.PositiveSmallIntegerField(
        _("valutazione"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    commento = models.CharField(_("commento"), max_length=500, blank=True)
    data = models.DateField(_("data"), auto_now_add=True)

    class Meta:
        verbose_name = _("valutazione del servizio")
        verbose_name_plural = _("valutazioni del servizio")
        ordering = ["-data", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(voto__gte=1, voto__lte=5), name="valutazione_voto_1_5")
        ]

    def __str__(self):
        return f"{self.get_percorso_display()}: {self.voto}/5"
