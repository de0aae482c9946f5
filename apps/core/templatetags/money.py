"""`{{ importo|euro }}`: registered as a template builtin in settings, so no {% load %} is needed."""

from django import template

from apps.core.money import euro as _euro

register = template.Library()


@register.filter
def euro(importo):
    return _euro(importo)
