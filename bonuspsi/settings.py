"""Settings for the bonus psicologo portal.

Every knob is an environment variable with a safe default (healthchecks style). With no
environment at all you get the embedded development setup that `make run` uses: SQLite in
var/, Celery eager, the development login simulator. Production sets DEBUG=False and the
variables listed in README.md; `manage.py check --deploy` must then be clean.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email

from bonuspsi.env import env_bool, env_int_min, env_saml

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Every boolean is read by env_bool: exactly true/false, anything else refuses to start (bonuspsi/env.py).
DEBUG = env_bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-change-me" if DEBUG else environ.Env.NOTSET)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# The development login simulator (choose a demo identity or type a codice fiscale). Its URL exists only
# when this is on, and production refuses to load with it: gunicorn never runs the system checks.
DEV_LOGIN_ENABLED = env_bool("DEV_LOGIN_ENABLED", default=DEBUG)
if DEV_LOGIN_ENABLED and not DEBUG:
    raise ImproperlyConfigured(
        "DEV_LOGIN_ENABLED=True con DEBUG=False: il simulatore di login non può esistere in produzione."
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_celery_beat",
    "csp",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "apps.core",
    "apps.accounts",
    "apps.domande",
    "apps.codici",
    "apps.professionisti",
    "apps.sedute",
    "apps.graduatorie",
    "apps.fatture",
    "apps.rimborsi",
    "apps.monitoraggio",
    "apps.portale_cittadino",
    "apps.portale_professionista",
    "apps.pagine",
    "apps.api",
    "apps.demo",
]

MIDDLEWARE = [
    # First: /healthz answers before the host check and the SSL redirect (apps/core/middleware.py).
    "apps.core.middleware.HealthzMiddleware",
    # The client IP of this request, for audit() (apps/core/net.py).
    "apps.core.middleware.ClientIpMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The logged-in user's saved language wins over cookie and browser (apps/core/lingua.py).
    "apps.core.lingua.LinguaUtenteMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "apps.core.middleware.NoStoreForAuthenticatedMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "bonuspsi.urls"
WSGI_APPLICATION = "bonuspsi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "apps.portale_professionista.context_processors.profilo",
            ],
            "builtins": ["apps.core.templatetags.money"],
        },
    },
]

# SQLite in var/ unless DATABASE_URL is set (PostgreSQL in production, CI and tests).
(BASE_DIR / "var").mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'bonuspsi.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections in production (a new PostgreSQL connection per request costs more than the
# request); CONN_HEALTH_CHECKS drops a connection the server closed instead of failing the next request.
DATABASES["default"]["CONN_MAX_AGE"] = env_int_min("CONN_MAX_AGE", default=0 if DEBUG else 60, minimo=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env_bool("CONN_HEALTH_CHECKS", default=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# How long a transaction waits for a row lock before the person is told "il servizio è occupato, riprova"
# (apps/core/locking.py), instead of a request that hangs.
LOCK_TIMEOUT_MS = env.int("LOCK_TIMEOUT_MS", default=3000)
# Seconds a process keeps reference rows (provinces, regions) it read: apps/core/riferimenti.py.
RIFERIMENTI_TTL = env.int("RIFERIMENTI_TTL", default=300)

# Admin CSV uploads (domande, CNOP list): larger files are refused next to the field. 200 MB holds a
# million domande (~110 bytes a row); uploads past FILE_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) spool to disk.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=200 * 1024 * 1024)

AUTH_USER_MODEL = "accounts.User"
# django-axes first: it refuses a locked-out account or IP before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "cittadino:home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "it"
LANGUAGES = [("it", "Italiano"), ("en", "English"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Day-first dates and the 24-hour clock in English too (bonuspsi/formats/en/formats.py).
FORMAT_MODULE_PATH = ["bonuspsi.formats"]
TIME_ZONE = "Europe/Rome"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- SPID and CIE (SAML 2, apps/accounts/saml.py; README "SPID and CIE") -------------------------------
# Each is off unless its four variables are set: then /saml/<tipo>/… is routed and the login page's button
# leads there. IDENTITA_URL_SPID / IDENTITA_URL_CIE may still point elsewhere (another provider).
SAML_IDENTITA = {tipo: conf for tipo, conf in (("spid", env_saml("SPID")), ("cie", env_saml("CIE"))) if conf}
SAML_XMLSEC_BINARY = env.str("SAML_XMLSEC_BINARY", default="/usr/bin/xmlsec1")
if SAML_IDENTITA and not Path(SAML_XMLSEC_BINARY).is_file():
    # Without xmlsec1 no signature can be checked: refuse to start rather than refuse every login.
    raise ImproperlyConfigured(f"SAML_XMLSEC_BINARY={SAML_XMLSEC_BINARY!r}: xmlsec1 non trovato.")
# Who the service provider is, in the SPID/CIE metadata (AgID Avviso SPID n. 29 v3; CIE technical manual,
# "Metadata SP"): INPS by default. The contact e-mail must be the one given when adhering to SPID and CIE:
# no default, and SPID or CIE without it refuses to start.
SAML_ENTE = {
    "nome": env.str("SAML_ENTE_NOME", default="Istituto Nazionale della Previdenza Sociale"),
    "nome_breve": env.str("SAML_ENTE_NOME_BREVE", default="INPS"),
    "url": env.str("SAML_ENTE_URL", default="https://www.inps.it"),
    "codice_ipa": env.str("SAML_ENTE_CODICE_IPA", default="inps"),
    "comune": env.str("SAML_ENTE_COMUNE", default="H501"),  # codice Belfiore of the seat (Roma), for CIE
    "provincia": env.str("SAML_ENTE_PROVINCIA", default="RM"),
    "email": env.str("SAML_CONTATTO_EMAIL", default=""),
    "telefono": env.str("SAML_CONTATTO_TELEFONO", default=""),  # optional; +39… without spaces
}
if SAML_IDENTITA:
    try:
        validate_email(SAML_ENTE["email"])
    except ValidationError:
        raise ImproperlyConfigured(
            f"SAML_CONTATTO_EMAIL={SAML_ENTE['email']!r}: serve l'e-mail di contatto dei metadata SPID/CIE."
        ) from None
IDENTITA_URL_SPID = env.str(
    "IDENTITA_URL_SPID", default="/saml/spid/accedi/" if "spid" in SAML_IDENTITA else ""
)
IDENTITA_URL_CIE = env.str("IDENTITA_URL_CIE", default="/saml/cie/accedi/" if "cie" in SAML_IDENTITA else "")

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=30 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# The docker healthcheck calls http://127.0.0.1:8000/healthz (answered before this redirect anyway).
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$"]
# Behind the reverse proxy: trust its X-Forwarded-Proto, and take the client's IP from X-Forwarded-For,
# counting TRUSTED_PROXY_COUNT hops from the right (apps/core/net.py). Without it, REMOTE_ADDR.
BEHIND_PROXY = env_bool("BEHIND_PROXY", default=False)
TRUSTED_PROXY_COUNT = env_int_min("TRUSTED_PROXY_COUNT", default=1, minimo=1)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Strict CSP: everything from our own origin, no inline scripts or styles ('unsafe-inline' never).
# Two exceptions by hash, for <style> elements Bootstrap Italia's bundle inserts on every page: the bundled
# Video.js adds "vjs-styles-defaults" (created empty, then filled: both contents are hashed). A hash allows
# that exact text only. After upgrading static/vendor/bootstrap-italia, tests/e2e/test_csp.py says whether
# the hashes still match (Chromium's console error gives the new one).
STILI_BOOTSTRAP_ITALIA = [
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",  # the empty <style> Video.js inserts
    "'sha256-wPXhisdsFu1DtHYH1D9W5isSGqS5vIPn6QJWSNLqfCM='",  # Video.js's .video-js/.vjs-fluid defaults
]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", *STILI_BOOTSTRAP_ITALIA],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# --- API for practice software (apps/api, issue 11) -------------------------------------------------
# Only personal tokens (no session, hence no CSRF); JSON only; errors as problem+json (apps/api/errori.py).
# Rates per token; calls without a valid token per IP. Throttle counters live in the cache (Redis).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["apps.api.autenticazione.TokenApiAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["apps.api.autenticazione.AmbitoDelToken"],
    "DEFAULT_THROTTLE_CLASSES": ["apps.api.autenticazione.PerToken"],
    "DEFAULT_THROTTLE_RATES": {"token": env.str("API_RATE", default="120/min")},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "apps.api.schema.SchemaApi",
    "EXCEPTION_HANDLER": "apps.api.errori.gestore_eccezioni",
    "UNAUTHENTICATED_USER": None,
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Bonus psicologo – API per i gestionali",
    "DESCRIPTION": "Sedute, fatture e rimborsi del professionista, con un token personale "
    "(Authorization: Bearer bp_…) creato in «Accesso per il gestionale» del portale.",
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "APPEND_COMPONENTS": {
        "securitySchemes": {"tokenApi": {"type": "http", "scheme": "bearer", "bearerFormat": "bp_…"}}
    },
    "SECURITY": [{"tokenApi": []}],
    "AUTHENTICATION_WHITELIST": [],
}

# --- E-mail and SMS ------------------------------------------------------------------------
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Bonus psicologo INPS <noreply@bonuspsicologo.invalid>"
)
# Dotted path of a class with send(numero, testo); see apps/core/sms.py.
SMS_BACKEND = env.str("SMS_BACKEND", default="apps.core.sms.ConsoleSmsBackend")
# An SMTP send gives up after EMAIL_TIMEOUT seconds (the SMS gateway class must bound its own calls
# the same way). A notifica still in_invio after NOTIFICHE_RECUPERO_SECONDI was left by a dead worker:
# the next sender run reclaims it (apps/core/services.py recupera_notifiche_bloccate), so the value
# must stay well above any send.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
NOTIFICHE_RECUPERO_SECONDI = env.int("NOTIFICHE_RECUPERO_SECONDI", default=600)
if NOTIFICHE_RECUPERO_SECONDI < EMAIL_TIMEOUT + 60:
    raise environ.ImproperlyConfigured(
        "NOTIFICHE_RECUPERO_SECONDI must exceed EMAIL_TIMEOUT by at least 60 s"
    )

# --- Celery --------------------------------------------------------------------------------
# No broker configured → tasks run eagerly in-process (embedded default only; logged at start).
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_TIME_LIMIT = 60 * 30
CELERY_TASK_SOFT_TIME_LIMIT = 60 * 25
# A task is acknowledged when it has finished, not when it is received, and a worker killed mid-task
# (OOM, deploy) gives it back to the queue: the jobs are idempotent and their EsecuzioneJob record stops
# a run that had already ended from running again (apps/core/jobs.py).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# One task at a time per worker process: a long ranking never sits prefetched behind another.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Our LOGGING stays in charge of the worker's logs too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Redis redelivers an unacknowledged task after this: longer than the longest hard time limit (30 min),
# or a running ranking would be handed to a second worker.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Empty on purpose: the jobs are rows of the DatabaseScheduler, created once by load_reference_data
# (apps/core/pianificazione.py) and then edited by operators in admin. A schedule here would be written
# over those rows each time beat starts.
CELERY_BEAT_SCHEDULE: dict = {}

# The citizens' invoice archives (apps/fatture/documenti.py): private, kept 24 hours, one folder shared by
# the web app (downloads) and the workers (builds); never under STATIC_ROOT or any served path.
FATTURE_ARCHIVI_DIR = env.path("FATTURE_ARCHIVI_DIR", default=BASE_DIR / "var" / "archivi-fatture")

# --- SEPA (apps/rimborsi/sepa.py) ---------------------------------------------------------------
# INPS's account the monthly reimbursements are paid from: the debtor of the pain.001.001.09 file. The
# defaults are a demo account (a well-formed IBAN and BIC of no real use); production sets all three.
# A wrong IBAN or BIC stops the export with a clear error before any file is written.
SEPA_DEBTOR_NAME = env.str("SEPA_DEBTOR_NAME", default="INPS - Istituto Nazionale della Previdenza Sociale")
SEPA_DEBTOR_IBAN = env.str("SEPA_DEBTOR_IBAN", default="IT60X0542811101000000123456")
SEPA_DEBTOR_BIC = env.str("SEPA_DEBTOR_BIC", default="DEMOITRRXXX")

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}

# "Verifica associazione" (codice fiscale + codice univoco): failed attempts allowed per user and per IP
# within the window, before verification is suspended for the rest of it.
VERIFICA_MAX_ERRORI_UTENTE = env.int("VERIFICA_MAX_ERRORI_UTENTE", default=5)
VERIFICA_MAX_ERRORI_IP = env.int("VERIFICA_MAX_ERRORI_IP", default=20)
VERIFICA_FINESTRA_SECONDI = env.int("VERIFICA_FINESTRA_SECONDI", default=900)

# --- Operators' login lockout (django-axes) ------------------------------------------------------
# /operatori/login/: AXES_FAILURE_LIMIT failures lock the account (from any IP) and, separately, the IP
# (for any account) for AXES_COOLOFF_MINUTI minutes; a successful login clears the counters.
AXES_FAILURE_LIMIT = env_int_min("AXES_FAILURE_LIMIT", default=5, minimo=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int_min("AXES_COOLOFF_MINUTI", default=30, minimo=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "apps.core.net.client_ip"
# The admin form's field is "username"; the callable upper-cases it, so "rssmra…" and "RSSMRA…" (the same
# account for get_by_natural_key) share one counter.
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "apps.accounts.lockout.username_per_blocco"
AXES_LOCKOUT_CALLABLE = "apps.accounts.lockout.risposta_blocco"
# Axes' own log lines name the account (a codice fiscale): the audit trail records logins instead.
AXES_VERBOSE = False
AXES_DISABLE_ACCESS_LOG = True
AXES_SENSITIVE_PARAMETERS = ["username", "password"]

# --- Error reporting (optional) ----------------------------------------------------------------
# Sentry only when SENTRY_DSN is set; no personal data, codici fiscali, codes and IBANs scrubbed.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from apps.core.sentry import init_sentry

    init_sentry(SENTRY_DSN, environment=env.str("SENTRY_ENVIRONMENT", default="production"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Axes logs every login at INFO (with the username masked); the audit trail records logins already.
        "axes": {"level": "WARNING"},
    },
}
