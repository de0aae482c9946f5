"""Widgets of the citizen's pages."""

from django import forms

from apps.core import riferimenti

LIMITE_CACHE = 2000  # entries: a bound even if a form grew many attribute variants


class SelectInCache(forms.Select):
    """A <select> rendered once per process for each (name, attributes, options, selected value).

    The 107 provinces cost ~12 ms per page as one widget template per option, and as many model
    instances; the markup is the plain Select's, reused. The options' rows are read on every render
    (one query of plain tuples, no instances) and are part of the key, so a province added or renamed
    shows up at once. For a ModelChoiceField the key holds the rows of the model's own columns: fine
    while the label (`__str__`) reads only those, as Provincia's does. A value that is not among the
    options (a tampered POST) is rendered without the cache, so the cache cannot grow with the input."""

    _cache: dict = {}

    def _scelte(self) -> tuple[tuple, set[str]]:
        """(what identifies the options, the option values as strings)."""
        queryset = getattr(self.choices, "queryset", None)
        if queryset is None:
            scelte = tuple((str(v), str(etichetta)) for v, etichetta in self.choices)
            return scelte, {v for v, _ in scelte}
        meta = queryset.model._meta
        campi = [meta.pk.attname] + [f.attname for f in meta.concrete_fields if not f.primary_key]
        righe = riferimenti.righe(queryset, campi)
        valori = {str(riga[0]) for riga in righe}
        if self.choices.field.empty_label is not None:
            valori.add("")
        vuota = self.choices.field.empty_label  # lazy: the key holds the text of the active language
        return (None if vuota is None else str(vuota), righe), valori

    def render(self, name, value, attrs=None, renderer=None):
        scelte, valori = self._scelte()
        selezionati = tuple(self.format_value(value))
        if not set(selezionati) <= valori:
            return super().render(name, value, attrs, renderer)
        try:
            chiave = (name, tuple(sorted(self.build_attrs(self.attrs, attrs).items())), scelte, selezionati)
            html = self._cache.get(chiave)
        except TypeError:  # an unhashable attribute value: no cache
            return super().render(name, value, attrs, renderer)
        if html is None:
            html = super().render(name, value, attrs, renderer)
            if len(self._cache) >= LIMITE_CACHE:
                self._cache.clear()
            self._cache[chiave] = html
        return html


class ProvinciaInCache(forms.ModelChoiceField):
    """A ModelChoiceField over a reference table whose chosen row comes from the process cache
    (apps.core.riferimenti): one query fewer per submission. A value not in the cache (a row added since)
    is looked up as Django would."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        queryset = self.queryset
        if not queryset.query.where:
            trovato = riferimenti.per_chiave(queryset).get(str(value))
            if trovato is not None:
                return trovato
        return super().to_python(value)
