"""`{% load frammenti %}{% fisso [valore …] %}…{% endfisso %}`: markup rendered once per process.

For the parts of a page that depend only on the active language and on the few values named in the tag
(e.g. `user.is_authenticated profilo_psicoterapeuta`, taken as booleans): the header's brand and menu,
the footer. The first rendering in a process is kept, keyed by the tag (each one in each template), the
language and the values; later ones return it as is (base.html cost ~1.4 ms a page, a tenth of a form
page). What goes inside must not depend on anything else: never a `{% csrf_token %}`, a user's name, the
request's path, messages. With DEBUG on nothing is kept, so edited templates show at once.
"""

import itertools

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

_FRAMMENTI: dict[tuple, str] = {}
# Each parsed tag gets its own number: Token.position exists only with the engine's debug on, and a
# reloaded template's new nodes must never find an old node's markup.
_NUMERI = itertools.count()
MASSIMO = 512  # keys are few (languages × a few booleans); a bound all the same


@receiver(setting_changed, dispatch_uid="core.frammenti.svuota")
def _svuota(**kwargs):
    """A test's override_settings (URLs, static files, languages) may change what the markup holds."""
    _FRAMMENTI.clear()


class FissoNode(template.Node):
    def __init__(self, nodelist, valori):
        self.nodelist = nodelist
        self.valori = valori
        self.numero = next(_NUMERI)

    def render(self, context):
        if settings.DEBUG:
            return self.nodelist.render(context)
        chiave = (self.numero, get_language(), *(bool(v.resolve(context)) for v in self.valori))
        frammento = _FRAMMENTI.get(chiave)
        if frammento is None:
            frammento = mark_safe(self.nodelist.render(context))  # noqa: S308 (rendered by the engine)
            if len(_FRAMMENTI) >= MASSIMO:
                _FRAMMENTI.clear()
            _FRAMMENTI[chiave] = frammento
        return frammento


@register.tag
def fisso(parser, token):
    valori = [parser.compile_filter(b) for b in token.split_contents()[1:]]
    nodelist = parser.parse(("endfisso",))
    parser.delete_first_token()
    return FissoNode(nodelist, valori)
