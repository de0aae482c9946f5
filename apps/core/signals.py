"""The operators' logins in the audit trail: every staff login and logout, every failed attempt on the
operators' login page. The password is never stored (Django hands it over already masked, and we do not
read it); the client IP is the event's `ip` column (set by core.middleware). The username typed is kept
only as a reference to an existing staff account, otherwise the attempt says `account: sconosciuto`, so a
citizen's codice fiscale typed by mistake never lands here."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.urls import NoReverseMatch, reverse

from .services import audit


@receiver(user_logged_in, dispatch_uid="core.audit_login")
def audit_login(sender, request, user, **kwargs):
    if user is not None and user.is_staff:
        audit(user, "operatore.accesso")


@receiver(user_logged_out, dispatch_uid="core.audit_logout")
def audit_logout(sender, request, user, **kwargs):
    if user is not None and user.is_staff:
        audit(user, "operatore.uscita")


def _pagina_login_operatori(request) -> bool:
    try:
        return request is not None and request.path == reverse("admin:login")
    except NoReverseMatch:
        return False


@receiver(user_login_failed, dispatch_uid="core.audit_login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs):
    if not _pagina_login_operatori(request):
        return
    User = get_user_model()
    typed = str(credentials.get("username") or credentials.get(User.USERNAME_FIELD) or "")
    staff = None
    if typed:
        try:
            staff = User._default_manager.get_by_natural_key(typed)
        except (User.DoesNotExist, ValueError, TypeError):
            staff = None
        if staff is not None and not staff.is_staff:
            staff = None
    # attore stays empty (nobody was authenticated); the account tried is the object of the event.
    audit(
        None,
        "operatore.accesso_fallito",
        staff,
        account="staff" if staff is not None else "sconosciuto",
    )
