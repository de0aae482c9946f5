from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=False)
def dev_login_never_in_production(app_configs, **kwargs):
    if getattr(settings, "DEV_LOGIN_ENABLED", False) and not settings.DEBUG:
        return [
            Error(
                "Il simulatore di login (DEV_LOGIN_ENABLED) non può essere attivo con DEBUG=False.",
                hint="Togli DEV_LOGIN_ENABLED dall'ambiente di produzione: l'accesso passa da SPID/CIE.",
                id="accounts.E001",
            )
        ]
    return []
