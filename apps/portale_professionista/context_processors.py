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
        ricordato = [user.pk, professionista_di(user) is not None]
        request.session[SESSIONE_PROFESSIONISTA] = ricordato
    return ricordato[1]


def profilo(request):
    """`is_professionista` (may switch profile) and `profilo_psicoterapeuta` (has switched), for the header.
    Lazy: a page that does not show the header's profile menu looks nothing up."""
    return {
        "is_professionista": SimpleLazyObject(lambda: is_professionista(request)),
        "profilo_psicoterapeuta": request.session.get(SESSIONE_PROFILO) == PSICOTERAPEUTA
        if hasattr(request, "session")
        else False,
    }
