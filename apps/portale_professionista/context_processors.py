from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils.functional import SimpleLazyObject

from apps.professionisti.selectors import professionista_di

SESSIONE_PROFILO = "profilo"
SESSIONE_PROFESSIONISTA = "is_professionista"
PSICOTERAPEUTA = "psicoterapeuta"


def is_professionista(request) -> bool:
    """Whether the logged-in user is on CNOP's list (in any state), remembered in the session.

    Records are never deleted, so a True never goes stale; someone first listed while logged in sees
    "Cambia profilo" from their next login. Saves a query on every page of every citizen."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    ricordato = request.session.get(SESSIONE_PROFESSIONISTA)
    if ricordato is None or ricordato[0] != user.pk:
        _ricorda(request, user)
        ricordato = request.session[SESSIONE_PROFESSIONISTA]
    return ricordato[1]


@receiver(user_logged_in, dispatch_uid="portale_professionista.ricorda_professionista")
def ricorda_alla_login(sender, request, user, **kwargs):
    """At login, which writes the session anyway: the first page then needs neither the lookup nor a
    second write of the session."""
    if request is not None and hasattr(request, "session"):
        _ricorda(request, user)


def _ricorda(request, user) -> None:
    request.session[SESSIONE_PROFESSIONISTA] = [user.pk, professionista_di(user) is not None]


def profilo(request):
    """`is_professionista` (may switch profile) and `profilo_psicoterapeuta` (has switched), for the header.
    Lazy: a page that does not show the header's profile menu looks nothing up."""
    return {
        "is_professionista": SimpleLazyObject(lambda: is_professionista(request)),
        "profilo_psicoterapeuta": request.session.get(SESSIONE_PROFILO) == PSICOTERAPEUTA
        if hasattr(request, "session")
        else False,
    }
