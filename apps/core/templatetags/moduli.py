"""`{% load moduli %}{% campi form %}`: a form's fields as the portal draws them (apps.core.moduli)."""

from django import template

from apps.core.moduli import campi as _campi

register = template.Library()


@register.simple_tag
def campi(form):
    return _campi(form)
