"""`{% load moduli %}{% campi form %}`: a form's fields as the portal draws them (apps.core.moduli)."""

from django import template

from apps.core.moduli import campi as _campi
from apps.core.moduli import riepilogo_errori as _riepilogo

register = template.Library()


@register.simple_tag
def campi(form):
    return _campi(form)


@register.simple_tag
def riepilogo_errori(form):
    """The error summary alone, for a form whose fields a template draws itself."""
    return _riepilogo(form) if form.is_bound else ""
