import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from apps.core.models import Provincia, Regione
from apps.core.money import MASSIMO_SEDUTA, MONEY, euro
from apps.core.validators import validate_codice_fiscale

ROME = ZoneInfo("Europe/Rome")


class Bando(models.Model):
    """One annualità with all of its rules, stored as data so that operators can edit them.

    Window semantics: a domanda is in time when submitted from 00:00:00 of `apertura` to
    23:59:59(.999999) of `chiusura`, Europe/Rome, whatever the UTC offset of either day.
    """

    anno = models.PositiveSmallIntegerField(_("annualità"), unique=True)
    nome = models.CharField(_("nome"), max_length=120)
    annunciato_il = models.DateField(_("annunciato il"), null=True, blank=True)
    apertura = models.DateField(_("apertura domande"))
    chiusura = models.DateField(_("chiusura domande"))
    soglia_fascia_a = models.DecimalField(
        _("fascia A: ISEE inferiore a"), default=Decimal("15000.00"), **MONEY
    )
    soglia_fascia_b = models.DecimalField(_("fascia B: ISEE fino a"), default=Decimal("30000.00"), **MONEY)
    isee_massimo = models.DecimalField(_("ISEE massimo ammesso"), default=Decimal("50000.00"), **MONEY)
    importo_fascia_a = models.DecimalField(_("importo fascia A"), **MONEY)
    importo_fascia_b = models.DecimalField(_("importo fascia B"), **MONEY)
    importo_fascia_c = models.DecimalField(_("importo fascia C"), **MONEY)
    massimo_seduta = models.DecimalField(_("massimo per seduta"), default=Decimal("50.00"), **MONEY)
    giorni_regolarizzazione = models.PositiveSmallIntegerField(_("giorni per regolarizzare l'ISEE difforme"))
    giorni_validita = models.PositiveSmallIntegerField(_("validità del codice (giorni dalla pubblicazione)"))
    giorni_prima_seduta = models.PositiveSmallIntegerField(
        _("prima seduta entro (giorni dall'accoglimento)"), null=True, blank=True
    )
    scorrimenti_massimi = models.PositiveSmallIntegerField(
        _("scorrimenti dopo la decadenza"), null=True, blank=True, help_text=_("Vuoto: senza limite.")
    )
    termine_fatturazione = models.DateField(
        _("Termine per la fatturazione"),
        null=True,
        blank=True,
        help_text=_("Fissato dall'operatore; modificabile anche dopo la pubblicazione delle graduatorie."),
    )
    territori_esclusi = models.ManyToManyField(
        Regione, blank=True, related_name="+", verbose_name=_("territori esclusi")
    )
    demo = models.BooleanField(_("bando dimostrativo"), default=False)
    ultimo_protocollo = models.PositiveIntegerField(default=0, editable=False)
    # Set by the publication of the graduatorie: from then on no domanda can join the bando, on
    # any channel (it would never be ranked). Operators may publish before the window closes.
    graduatoria_pubblicata_il = models.DateField(_("graduatoria pubblicata il"), null=True, editable=False)

    class Meta:
        ordering = ["-anno"]
        verbose_name = _("bando")
        verbose_name_plural = _("bandi")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(chiusura__gte=models.F("apertura")), name="bando_finestra_ordinata"
            ),
            models.CheckConstraint(
                condition=models.Q(soglia_fascia_a__lte=models.F("soglia_fascia_b"))
                & models.Q(soglia_fascia_b__lte=models.F("isee_massimo")),
                name="bando_fasce_ordinate",
            ),
        ]

    def __str__(self):
        return self.nome

    def clean(self):
        errors = {}
        if self.apertura and self.chiusura:
            if (self.chiusura - self.apertura).days + 1 < 60:
                errors["chiusura"] = _(
                    "La finestra deve restare aperta almeno 60 giorni (D.M. 24/11/2023 art. 4.1)."
                )
            if self.annunciato_il and (self.apertura - self.annunciato_il).days < 30:
                errors["apertura"] = _(
                    "L'apertura deve cadere almeno 30 giorni dopo l'annuncio (D.M. 24/11/2023 art. 4.1)."
                )
        if self.massimo_seduta is not None and not 0 < self.massimo_seduta <= MASSIMO_SEDUTA:
            errors["massimo_seduta"] = _("Il massimo per seduta va da 0,01 a 50,00 €.")
        if self.soglia_fascia_a and self.soglia_fascia_b and self.soglia_fascia_a > self.soglia_fascia_b:
            errors["soglia_fascia_b"] = _("Le soglie delle fasce ISEE devono essere crescenti.")
        if errors:
            raise ValidationError(errors)

    # --- window -------------------------------------------------------------------------------
    @property
    def inizio_finestra(self) -> dt.datetime:
        return dt.datetime.combine(self.apertura, dt.time.min, tzinfo=ROME)

    @property
    def fine_finestra(self) -> dt.datetime:
        """Exclusive end: 00:00 of the day after `chiusura`, Europe/Rome."""
        return dt.datetime.combine(self.chiusura + dt.timedelta(days=1), dt.time.min, tzinfo=ROME)

    def in_finestra(self, quando: dt.datetime) -> bool:
        return self.inizio_finestra <= quando < self.fine_finestra

    @property
    def termine_regolarizzazione(self) -> dt.date:
        """Last day on which a difforme ISEE may be regularised (closing day + N days)."""
        return self.chiusura + dt.timedelta(days=self.giorni_regolarizzazione)

    # --- amounts ------------------------------------------------------------------------------
    def fascia(self, isee: Decimal) -> str | None:
        if isee < self.soglia_fascia_a:
            return "A"
        if isee <= self.soglia_fascia_b:
            return "B"
        if isee <= self.isee_massimo:
            return "C"
        return None

    def importo_per_isee(self, isee: Decimal) -> Decimal:
        return {
            "A": self.importo_fascia_a,
            "B": self.importo_fascia_b,
            "C": self.importo_fascia_c,
            None: Decimal("0.00"),
        }[self.fascia(isee)]


class BudgetRegionale(models.Model):
    bando = models.ForeignKey(Bando, verbose_name=_("bando"), on_delete=models.CASCADE, related_name="budget")
    regione = models.ForeignKey(
        Regione, verbose_name=_("regione"), on_delete=models.PROTECT, related_name="+"
    )
    importo = models.DecimalField(_("importo"), **MONEY)

    class Meta:
        ordering = ["regione"]
        verbose_name = _("budget regionale")
        verbose_name_plural = _("budget regionali")
        constraints = [
            models.UniqueConstraint(fields=["bando", "regione"], name="budget_unico_per_regione"),
            models.CheckConstraint(condition=models.Q(importo__gte=0), name="budget_non_negativo"),
        ]

    def __str__(self):
        return f"{self.bando.anno} {self.regione}: {euro(self.importo)}"


class IseeTipo(models.TextChoices):
    ORDINARIO = "ordinario", _("ordinario")
    CORRENTE = "corrente", _("corrente")


class AttestazioneIsee(models.Model):
    """The INPS DSU archive: the ISEE of the beneficiary's household, looked up at submission."""

    codice_fiscale = models.CharField(
        _("codice fiscale"), max_length=16, db_index=True, validators=[validate_codice_fiscale]
    )
    protocollo_dsu = models.CharField(_("protocollo dsu"), max_length=40, unique=True)
    valore = models.DecimalField(_("valore ISEE"), **MONEY)
    tipo = models.CharField(_("tipo"), max_length=10, choices=IseeTipo.choices, default=IseeTipo.ORDINARIO)
    difforme = models.BooleanField(_("con omissioni o difformità"), default=False)
    regolarizzata_il = models.DateField(_("regolarizzata il"), null=True, blank=True)
    rilasciata_il = models.DateField(_("rilasciata il"))
    valida_fino_al = models.DateField(_("valida fino al"))

    class Meta:
        ordering = ["-rilasciata_il"]
        verbose_name = _("attestazione ISEE")
        verbose_name_plural = _("attestazioni ISEE")

    def __str__(self):
        return f"DSU {self.protocollo_dsu}"


class Domanda(models.Model):
    class Relazione(models.TextChoices):
        SE_STESSO = "se_stesso", _("per me stesso/a")
        GENITORE = "genitore", _("genitore esercente la responsabilità genitoriale di un minore")
        TUTORE = "tutore", _("tutore")
        CURATORE = "curatore", _("curatore")
        AMMINISTRATORE_SOSTEGNO = "amministratore_sostegno", _("amministratore di sostegno")
        AFFIDATARIO = "affidatario", _("affidatario (L. 184/1983)")

    class Canale(models.TextChoices):
        WEB = "web", _("web")
        CONTACT_CENTER = "contact_center", _("contact center")

    # Indexes and constraints are few on purpose: a bando imports ~400 000 domande at once, and each
    # one costs there (bench/README.md). The links to the bando, the region and the province are
    # checked by every writer (the form, import_domande's validation) and protected by PROTECT in the
    # ORM, but carry no database FK: its per-row trigger tripled the import time. Reference rows are
    # never deleted (their admin refuses it). Lookups go by the codici fiscali (see Meta).
    bando = models.ForeignKey(
        Bando,
        verbose_name=_("bando"),
        on_delete=models.PROTECT,
        related_name="domande",
        db_index=False,
        db_constraint=False,
    )
    protocollo = models.CharField(_("protocollo"), max_length=40)
    # The authenticated user who submitted on the web; empty for the bulk channel. Ownership checks
    # use cf_richiedente / cf_beneficiario, which both channels fill.
    richiedente = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("richiedente"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="domande",
        db_index=False,
    )
    cf_richiedente = models.CharField(_("codice fiscale del richiedente"), max_length=16)
    cf_beneficiario = models.CharField(_("codice fiscale del beneficiario"), max_length=16)
    relazione = models.CharField(
        _("relazione"), max_length=30, choices=Relazione.choices, default=Relazione.SE_STESSO
    )
    regione = models.ForeignKey(
        Regione,
        verbose_name=_("regione"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    provincia = models.ForeignKey(
        Provincia,
        verbose_name=_("provincia"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    isee = models.DecimalField(_("ISEE"), **MONEY)
    isee_tipo = models.CharField(
        _("isee tipo"), max_length=10, choices=IseeTipo.choices, default=IseeTipo.ORDINARIO
    )
    isee_difforme = models.BooleanField(_("ISEE con difformità"), default=False)
    isee_regolarizzato_il = models.DateField(_("ISEE regolarizzato il"), null=True, blank=True)
    attestazione = models.ForeignKey(
        AttestazioneIsee,
        verbose_name=_("attestazione"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    presentata_il = models.DateTimeField(_("presentata il"))
    email = models.EmailField(_("e-mail"), blank=True)
    cellulare = models.CharField(_("cellulare"), max_length=20, blank=True)
    canale = models.CharField(_("canale"), max_length=20, choices=Canale.choices, default=Canale.WEB)
    dichiarazione_dpr445 = models.BooleanField(_("dichiarazione DPR 445/2000"), default=True)
    # Idempotency key of the web form: a second POST of the same form finds this domanda.
    chiave_invio = models.UUIDField(null=True, blank=True, editable=False)
    creata_il = models.DateTimeField(_("creata il"), auto_now_add=True)

    class Meta:
        ordering = ["-presentata_il"]
        verbose_name = _("domanda")
        verbose_name_plural = _("domande")
        constraints = [
            models.UniqueConstraint(fields=["protocollo"], name="protocollo_unico"),
            # Leads with the beneficiary: it also serves "the domande of this citizen".
            models.UniqueConstraint(fields=["cf_beneficiario", "bando"], name="una_domanda_per_beneficiario"),
            # Partial: only web submissions carry the form's idempotency key.
            models.UniqueConstraint(
                fields=["chiave_invio"],
                condition=models.Q(chiave_invio__isnull=False),
                name="chiave_invio_unica",
            ),
            models.CheckConstraint(condition=models.Q(isee__gte=0), name="isee_non_negativo"),
        ]
        indexes = [
            # Only domande filed for someone else: for the others cf_beneficiario's index serves.
            # Queries must repeat the condition to use it (selectors.domande_del_cittadino does).
            models.Index(
                fields=["cf_richiedente"],
                name="domanda_cf_richiedente",
                condition=~models.Q(cf_richiedente=models.F("cf_beneficiario")),
            ),
        ]

    def __str__(self):
        return _("Domanda %(protocollo)s") % {"protocollo": self.protocollo}

    @property
    def importo_spettante(self) -> Decimal:
        return self.bando.importo_per_isee(self.isee)


class RappresentanzaLegale(models.Model):
    """The archive of verified links between an applicant and the person they act for, read by the portal
    like the ISEE one: a parent's or foster parent's (affidatario) of a minor, a tutore's, curatore's or
    amministratore di sostegno's appointed by the giudice tutelare (decree number and date). Filled by
    `import_rappresentanze` only; a link is ended by importing it again with `valida_al`."""

    class Tipo(models.TextChoices):
        GENITORE = "genitore", _("genitore esercente la responsabilità genitoriale di un minore")
        AFFIDATARIO = "affidatario", _("affidatario (L. 184/1983)")
        TUTORE = "tutore", _("tutore")
        CURATORE = "curatore", _("curatore")
        AMMINISTRATORE_SOSTEGNO = "amministratore_sostegno", _("amministratore di sostegno")

    # Only for a beneficiary under 18 on the submission day.
    TIPI_PER_MINORI = frozenset({Tipo.GENITORE, Tipo.AFFIDATARIO})
    # Appointed by the giudice tutelare: the decree's number and date are required.
    TIPI_CON_PROVVEDIMENTO = frozenset({Tipo.TUTORE, Tipo.CURATORE, Tipo.AMMINISTRATORE_SOSTEGNO})

    cf_richiedente = models.CharField(
        _("codice fiscale del richiedente"), max_length=16, validators=[validate_codice_fiscale]
    )
    cf_beneficiario = models.CharField(
        _("codice fiscale del beneficiario"), max_length=16, validators=[validate_codice_fiscale]
    )
    tipo = models.CharField(_("tipo"), max_length=30, choices=Tipo.choices)
    provvedimento_numero = models.CharField(_("numero del provvedimento"), max_length=40, blank=True)
    provvedimento_data = models.DateField(_("data del provvedimento"), null=True, blank=True)
    valida_dal = models.DateField(_("valida dal"))
    valida_al = models.DateField(_("valida al"), null=True, blank=True, help_text=_("Vuoto: senza scadenza."))
    creata_il = models.DateTimeField(_("creata il"), auto_now_add=True)
    aggiornata_il = models.DateTimeField(_("aggiornata il"), auto_now=True)

    class Meta:
        ordering = ["cf_richiedente", "cf_beneficiario", "-valida_dal"]
        verbose_name = _("rappresentanza legale")
        verbose_name_plural = _("rappresentanze legali")
        constraints = [
            # The import's upsert key; leading with the two codes it also serves the portal's lookup.
            models.UniqueConstraint(
                fields=["cf_richiedente", "cf_beneficiario", "tipo", "valida_dal"],
                name="rappresentanza_unica",
            ),
            models.CheckConstraint(
                condition=models.Q(valida_al__isnull=True) | models.Q(valida_al__gte=models.F("valida_dal")),
                name="rappresentanza_periodo_ordinato",
            ),
            models.CheckConstraint(
                condition=~models.Q(cf_richiedente=models.F("cf_beneficiario")),
                name="rappresentanza_tra_due_persone",
            ),
            models.CheckConstraint(
                condition=~models.Q(tipo__in=["tutore", "curatore", "amministratore_sostegno"])
                | (~models.Q(provvedimento_numero="") & models.Q(provvedimento_data__isnull=False)),
                name="rappresentanza_provvedimento_del_giudice",
            ),
        ]

    def __str__(self):
        return _("%(tipo)s dal %(data)s") % {
            "tipo": self.get_tipo_display(),
            "data": date_format(self.valida_dal, "SHORT_DATE_FORMAT"),
        }
