from django.utils.functional import SimpleLazyObject

from apps.professionisti.selectors import professionista_di

SESSIONE_PROFILO = "profilo"
PSICOTERAPEUTA = "psicoterapeuta"


def profilo(request):
    """`is_professionista` (may switch profile) and `profilo_psicoterapeuta` (has switched), for the header.
    Lazy: pages that do not show the header's profile menu make no query."""
    user = getattr(request, "user", None)
    return {
        "is_professionista": SimpleLazyObject(
            lambda: user is not None and professionista_di(user) is not None
        ),
        "profilo_psicoterapeuta": request.session.get(SESSIONE_PROFILO) == PSICOTERAPEUTA
        if hasattr(request, "session")
        else False,
    }
