"""Who may book sedute: the psychotherapists on CNOP's list, their studi and their IBANs."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.core.models import Provincia
from apps.core.validators import validate_codice_fiscale, validate_iban, validate_partita_iva


class ImportazioneCnop(models.Model):
    """One run of `import_cnop`: what it changed, or why it changed nothing."""

    class Esito(models.TextChoices):
        COMPLETATA = "completata", _("completata")
        RIFIUTATA = "rifiutata", _("rifiutata: file con errori, nulla importato")

    eseguita_il = models.DateTimeField(_("eseguita il"), auto_now_add=True)
    file = models.CharField(_("file"), max_length=255)
    esito = models.CharField(_("esito"), max_length=12, choices=Esito.choices)
    righe = models.PositiveIntegerField(_("righe"), default=0)
    nuovi = models.PositiveIntegerField(_("nuovi"), default=0)
    aggiornati = models.PositiveIntegerField(_("aggiornati"), default=0)
    revocati = models.PositiveIntegerField(_("revocati nel file"), default=0)
    non_in_lista = models.PositiveIntegerField(_("usciti dalla lista"), default=0)
    errori = models.TextField(_("errori"), blank=True)

    class Meta:
        ordering = ["-eseguita_il"]
        verbose_name = _("importazione lista CNOP")
        verbose_name_plural = _("importazioni lista CNOP")

    def __str__(self):
        return _("Importazione CNOP del %(data)s") % {
            "data": date_format(timezone.localtime(self.eseguita_il), "SHORT_DATETIME_FORMAT")
        }


class Professionista(models.Model):
    """A psychotherapist as CNOP last listed them.

    May book only while `stato` is aderente and they were in the latest list (`in_lista`). Losing either
    keeps the record and the sedute already booked: those can still be confirmed and invoiced.
    """

    class Stato(models.TextChoices):
        ADERENTE = "aderente", _("aderente")
        REVOCATO = "revocato", _("revocato")

    codice_fiscale = models.CharField(
        _("codice fiscale"), max_length=16, unique=True, validators=[validate_codice_fiscale]
    )
    cognome = models.CharField(_("cognome"), max_length=100)
    nome = models.CharField(pgettext_lazy("di una persona", "nome"), max_length=100)
    ordine = models.CharField(_("ordine regionale"), max_length=60)
    numero_iscrizione = models.CharField(_("numero di iscrizione"), max_length=20)
    data_iscrizione = models.DateField(_("iscritto all'albo dal"))
    psicoterapeuta = models.BooleanField(_("psicoterapeuta"), default=True)
    data_adesione = models.DateField(_("aderente dal"))
    stato = models.CharField(
        _("stato"), max_length=10, choices=Stato.choices, default=Stato.ADERENTE, db_index=True
    )
    in_lista = models.BooleanField(_("nell'ultima lista CNOP"), default=True)
    email = models.EmailField(_("e-mail"), blank=True)
    pec = models.EmailField(_("PEC"), blank=True)
    importazione = models.ForeignKey(
        ImportazioneCnop,
        verbose_name=_("importazione"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    aggiornato_il = models.DateTimeField(_("aggiornato il"), auto_now=True)
    # The professional's login, joined on the codice fiscale (no column: both tables already have it, unique).
    # Lets the API read token, professional and user in one query (select_related); None before the first
    # login. Read-only: a User is created by the identity adapter, never through this.
    utente = models.ForeignObject(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        from_fields=["codice_fiscale"],
        to_fields=["codice_fiscale"],
        null=True,
        related_name="+",
        verbose_name=_("utente"),
    )

    class Meta:
        ordering = ["cognome", "nome"]
        verbose_name = _("professionista")
        verbose_name_plural = _("professionisti")
        indexes = [models.Index(fields=["cognome", "nome"], name="professionista_nominativo")]

    def __str__(self):
        return self.nominativo

    @property
    def nominativo(self) -> str:
        return f"{self.cognome} {self.nome}".strip()

    @property
    def puo_prenotare(self) -> bool:
        return self.psicoterapeuta and self.stato == self.Stato.ADERENTE and self.in_lista


class Studio(models.Model):
    """Where sedute take place. The one in CNOP's list is kept in sync; the professional can add others."""

    professionista = models.ForeignKey(
        Professionista, verbose_name=_("professionista"), on_delete=models.PROTECT, related_name="studi"
    )
    indirizzo = models.CharField(_("indirizzo"), max_length=200)
    comune = models.CharField(_("comune"), max_length=100)
    provincia = models.ForeignKey(
        Provincia, verbose_name=_("provincia"), on_delete=models.PROTECT, related_name="+"
    )
    cap = models.CharField(_("CAP"), max_length=5)
    da_cnop = models.BooleanField(_("dalla lista CNOP"), default=False)
    creato_il = models.DateTimeField(_("creato il"), auto_now_add=True)

    class Meta:
        ordering = ["-da_cnop", "comune", "indirizzo"]
        verbose_name = _("studio")
        verbose_name_plural = _("studi")
        constraints = [
            models.UniqueConstraint(
                fields=["professionista", "indirizzo", "comune", "cap"],
                name="studio_unico_per_professionista",
            ),
            models.UniqueConstraint(
                fields=["professionista"], condition=Q(da_cnop=True), name="un_solo_studio_cnop"
            ),
        ]
        indexes = [models.Index(fields=["provincia", "professionista"], name="studio_per_provincia")]

    def __str__(self):
        return f"{self.indirizzo}, {self.cap} {self.comune} ({self.provincia_id})"


def maschera_iban(iban: str) -> str:
    """ "IT60•••••••••••••••••••3456": the country and check digits and the last four, the rest hidden."""
    return f"{iban[:4]}{'•' * (len(iban) - 8)}{iban[-4:]}"


class CanaleAccredito(models.Model):
    """An IBAN the professional can be paid on. Never deleted: a payment batch records the channel
    that was current when it was made. Exactly one is current (`attuale`), by constraint."""

    class Tipo(models.TextChoices):
        PERSONALE = "personale", _("intestato al professionista")
        ENTE = "ente", _("intestato a un Ente o Studio Professionale")

    professionista = models.ForeignKey(
        Professionista, verbose_name=_("professionista"), on_delete=models.PROTECT, related_name="canali"
    )
    tipo = models.CharField(_("tipo"), max_length=10, choices=Tipo.choices, default=Tipo.PERSONALE)
    iban = models.CharField(_("IBAN"), max_length=34, validators=[validate_iban])
    partita_iva = models.CharField(
        _("Partita IVA"), max_length=11, blank=True, validators=[validate_partita_iva]
    )
    denominazione = models.CharField(_("denominazione dell'Ente o Studio"), max_length=200, blank=True)
    attuale = models.BooleanField(_("canale attuale"), default=False)
    creato_il = models.DateTimeField(_("creato il"), auto_now_add=True)

    class Meta:
        ordering = ["-attuale", "-creato_il"]
        verbose_name = _("canale di accredito")
        verbose_name_plural = _("canali di accredito")
        constraints = [
            models.UniqueConstraint(
                fields=["professionista"], condition=Q(attuale=True), name="un_solo_canale_attuale"
            ),
            models.UniqueConstraint(fields=["professionista", "iban"], name="iban_unico_per_professionista"),
            models.CheckConstraint(
                condition=Q(tipo="personale", partita_iva="", denominazione="")
                | (Q(tipo="ente") & ~Q(partita_iva="") & ~Q(denominazione="")),
                name="canale_ente_con_partita_iva",
            ),
        ]

    def __str__(self):
        return _("Canale %(iban)s") % {"iban": self.iban_mascherato}

    @property
    def iban_mascherato(self) -> str:
        return maschera_iban(self.iban)


class TokenApi(models.Model):
    """A personal API token of a professional for their practice software (/api/v1/, issue 11).

    The secret is shown once at creation and stored only as its SHA-256 (`impronta`): a leak of the
    database does not give working tokens. `prefisso` (the first characters, shown in the list) finds the
    row without scanning. Scopes: lettura (GET), sedute (verify, book, modify, cancel, confirm), fatture
    (register, withdraw)."""

    class Ambito(models.TextChoices):
        LETTURA = "lettura", _("lettura")
        SEDUTE = "sedute", _("sedute")
        FATTURE = "fatture", _("fatture")

    professionista = models.ForeignKey(
        "Professionista", verbose_name=_("professionista"), on_delete=models.CASCADE, related_name="token_api"
    )
    nome = models.CharField(_("nome"), max_length=80)
    prefisso = models.CharField(_("prefisso"), max_length=12, unique=True)
    impronta = models.CharField(_("impronta"), max_length=64)
    ambiti = models.JSONField(_("ambiti"), default=list)
    creato_il = models.DateTimeField(_("creato il"), default=timezone.now)
    scade_il = models.DateTimeField(_("scade il"))
    ultimo_uso_il = models.DateTimeField(_("ultimo uso"), null=True, blank=True)
    revocato_il = models.DateTimeField(_("revocato il"), null=True, blank=True)

    class Meta:
        ordering = ["-creato_il"]
        verbose_name = _("token API")
        verbose_name_plural = _("token API")

    def __str__(self):
        return f"{self.nome} ({self.prefisso}…)"

    @property
    def inizio_visibile(self) -> str:
        """How the list shows a token: its first characters, enough to tell which one a client holds."""
        return f"bp_{self.prefisso}…"

    def attivo(self, adesso=None) -> bool:
        return self.revocato_il is None and (adesso or timezone.now()) < self.scade_il

    def get_ambiti_display(self) -> str:
        etichette = dict(self.Ambito.choices)
        return ", ".join(str(etichette.get(a, a)) for a in self.ambiti)
