from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.core.validators import normalize_codice_fiscale, validate_codice_fiscale


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, codice_fiscale, password=None, **extra):
        codice_fiscale = normalize_codice_fiscale(codice_fiscale)
        validate_codice_fiscale(codice_fiscale)
        user = self.model(codice_fiscale=codice_fiscale, **extra)
        if password:
            user.set_password(password)
        else:
            # Citizens and professionals authenticate through SPID/CIE, never with a password.
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, codice_fiscale, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(codice_fiscale, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(codice_fiscale=normalize_codice_fiscale(username))


class User(AbstractBaseUser, PermissionsMixin):
    """A person, keyed by a valid 16-character codice fiscale."""

    codice_fiscale = models.CharField(
        _("codice fiscale"), max_length=16, unique=True, validators=[validate_codice_fiscale]
    )
    nome = models.CharField(pgettext_lazy("di una persona", "nome"), max_length=100, blank=True)
    cognome = models.CharField(_("cognome"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    # The language the person chose (header switcher) or, until they choose, the one they logged in with:
    # their pages, notifications and PDFs use it. Blank only for users created outside a request.
    lingua = models.CharField(_("lingua"), max_length=5, choices=settings.LANGUAGES, blank=True)
    is_staff = models.BooleanField(_("operatore"), default=False)
    is_active = models.BooleanField(_("attivo"), default=True)
    creato_il = models.DateTimeField(_("creato il"), auto_now_add=True)

    objects = UserManager()

    USERNAME_FIELD = "codice_fiscale"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("utente")
        verbose_name_plural = _("utenti")

    def __str__(self):
        return self.get_full_name() or _("Utente %(n)s") % {"n": self.pk}

    def get_full_name(self):
        return f"{self.nome} {self.cognome}".strip()

    def get_short_name(self):
        return self.nome
