"""Who may open the professional's pages.

A logged-in user whose codice fiscale is on CNOP's list (in any state: a revoked professional still
confirms and invoices) and who has switched to the Psicoterapeuta profile. Anyone else gets a 404:
the pages do not exist for them. Each view receives `request.professionista`."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect

from apps.professionisti.selectors import canali_di, professionista_di

from .context_processors import PSICOTERAPEUTA, SESSIONE_PROFILO


def professionista_required(view=None, *, serve_iban=True):
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            professionista = professionista_di(request.user)
            if professionista is None:
                raise Http404
            if request.session.get(SESSIONE_PROFILO) != PSICOTERAPEUTA:
                return redirect("professionista:cambia_profilo")
            # First access: at least one IBAN before anything else.
            if serve_iban and not canali_di(professionista).exists():
                return redirect("professionista:primo_accesso")
            request.professionista = professionista
            return view(request, *args, **kwargs)

        return wrapper

    return decorator(view) if view is not None else decorator
