from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Regione(models.Model):
    """A region or autonomous province, keyed by the Ministry of Health code (010 … 200)."""

    codice = models.CharField(_("codice"), max_length=3, primary_key=True)
    nome = models.CharField(_("nome"), max_length=60)

    class Meta:
        ordering = ["codice"]
        verbose_name = _("regione")
        verbose_name_plural = _("regioni")

    def __str__(self):
        return self.nome


class Provincia(models.Model):
    sigla = models.CharField(_("sigla"), max_length=2, primary_key=True)
    nome = models.CharField(_("nome"), max_length=80)
    regione = models.ForeignKey(
        Regione, verbose_name=_("regione"), on_delete=models.PROTECT, related_name="province"
    )

    class Meta:
        ordering = ["nome"]
        verbose_name = _("provincia")
        verbose_name_plural = _("province")

    def __str__(self):
        return f"{self.nome} ({self.sigla})"


class AuditEvent(models.Model):
    """Append-only trail: who did what, when (UTC). Never holds a codice fiscale or a code in clear
    in `azione`; the object is referenced by type and primary key."""

    creato_il = models.DateTimeField(_("creato il"), auto_now_add=True, db_index=True)
    attore = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("attore"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    azione = models.CharField(_("azione"), max_length=80, db_index=True)
    oggetto_tipo = models.CharField(_("oggetto tipo"), max_length=60, blank=True)
    oggetto_id = models.CharField(_("oggetto id"), max_length=40, blank=True)
    dettagli = models.JSONField(_("dettagli"), default=dict, blank=True)
    # The client's address (proxy-aware, apps/core/net.py) when the event happened while serving a request.
    ip = models.GenericIPAddressField(_("indirizzo IP"), null=True, blank=True)

    class Meta:
        ordering = ["-creato_il", "-id"]
        verbose_name = _("evento di audit")
        verbose_name_plural = _("eventi di audit")
        indexes = [models.Index(fields=["oggetto_tipo", "oggetto_id"])]

    def __str__(self):
        return f"{self.creato_il:%Y-%m-%d %H:%M:%S} {self.azione}"

    def save(self, *args, **kwargs):
        if self.pk:
            raise ValueError("AuditEvent è append-only")
        super().save(*args, **kwargs)


class Notifica(models.Model):
    """Outbox row: written in the same transaction as the business change, sent by a Celery task.

    `chiave` is unique, so queueing the same message twice is a no-op, and the sender claims a row
    with a compare-and-swap on `stato` so that two workers never send it twice. A row left in_invio
    by a worker that died (`in_invio_dal` older than NOTIFICHE_RECUPERO_SECONDI) is reclaimed by the
    next sender run, per channel (apps.core.services.recupera_notifiche_bloccate): an e-mail goes back
    to the queue (at least once, with a stable Message-ID), an SMS becomes esito_incerto for an
    operator to check (at most once).
    """

    class Canale(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")

    class Stato(models.TextChoices):
        IN_CODA = "in_coda", _("in coda")
        IN_INVIO = "in_invio", _("in invio")
        INVIATA = "inviata", _("inviata")
        ERRORE = "errore", _("errore")
        # An SMS whose worker died mid-send: the gateway may have sent it. Never resent automatically.
        ESITO_INCERTO = "esito_incerto", _("esito incerto: verificare col gateway")

    chiave = models.CharField(_("chiave"), max_length=120)
    canale = models.CharField(_("canale"), max_length=5, choices=Canale.choices)
    destinatario = models.CharField(_("destinatario"), max_length=254)
    oggetto = models.CharField(_("oggetto"), max_length=200, blank=True)
    testo = models.TextField(
        _("testo"),
    )
    stato = models.CharField(_("stato"), max_length=14, choices=Stato.choices, default=Stato.IN_CODA)
    tentativi = models.PositiveSmallIntegerField(_("tentativi"), default=0)
    ultimo_errore = models.CharField(_("ultimo errore"), max_length=300, blank=True)
    creata_il = models.DateTimeField(_("creata il"), auto_now_add=True)
    inviata_il = models.DateTimeField(_("inviata il"), null=True, blank=True)
    # When a sender claimed the row (in_invio): how the reclaim tells a dead worker from a slow send.
    in_invio_dal = models.DateTimeField(_("in invio dal"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("notifica")
        verbose_name_plural = _("notifiche")
        # Declared here rather than as unique=True / db_index=True, which on PostgreSQL also build a
        # `varchar_pattern_ops` twin of each index for LIKE queries nobody makes: two fewer indexes to
        # maintain on every row a job queues (expiry queues ~2 per code; bench/README.md).
        constraints = [models.UniqueConstraint(fields=["chiave"], name="notifica_chiave_unica")]
        indexes = [models.Index(fields=["stato"], name="notifica_stato")]

    def __str__(self):
        return f"{self.get_canale_display()} {self.chiave} ({self.get_stato_display()})"


class EsecuzioneJob(models.Model):
    """One run of a job (a Celery task, a scheduled sweep): what was asked, by whom, how it ended.

    Written outside the job's own transaction, so a failed run stays on record with its error after
    the job's changes rolled back. `errore` holds the DomainError message, or the exception's class and
    first line with personal data masked (see apps.core.jobs); never a traceback."""

    class Esito(models.TextChoices):
        IN_CODA = "in_coda", _("in coda")
        IN_CORSO = "in_corso", _("in corso")
        RIUSCITA = "riuscita", _("riuscita")
        FALLITA = "fallita", _("fallita")

    job = models.CharField(_("job"), max_length=80, db_index=True)
    parametri = models.JSONField(_("parametri"), default=dict, blank=True)
    richiesto_da = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("richiesto da"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    richiesto_il = models.DateTimeField(_("richiesto il"), auto_now_add=True)
    avviato_il = models.DateTimeField(_("avviato il"), null=True, blank=True)
    terminato_il = models.DateTimeField(_("terminato il"), null=True, blank=True)
    esito = models.CharField(_("esito"), max_length=10, choices=Esito.choices, default=Esito.IN_CODA)
    oggetti_modificati = models.PositiveIntegerField(_("oggetti modificati"), default=0)
    errore = models.TextField(_("errore"), blank=True)
    risultato = models.JSONField(_("risultato"), default=dict, blank=True)

    class Meta:
        ordering = ["-richiesto_il", "-id"]
        verbose_name = _("esecuzione job")
        verbose_name_plural = _("esecuzioni job")
        indexes = [models.Index(fields=["job", "-richiesto_il"])]

    def __str__(self):
        return f"{self.job} #{self.pk} ({self.get_esito_display()})"
