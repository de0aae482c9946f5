"""Widgets of the citizen's pages."""

from django import forms

LIMITE_CACHE = 2000  # entries: a bound even if a form grew many attribute variants


class SelectInCache(forms.Select):
    """A <select> rendered once per process for each (name, attributes, options, selected value).

    The 107 provinces cost ~12 ms per page as one widget template per option; the markup is the
    plain Select's, reused. The options are read (one query) on every render and are part of the key,
    so a province added later shows up at once. A value that is not among the options (a tampered
    POST) is rendered without the cache, so the cache cannot grow with the input."""

    _cache: dict = {}

    def render(self, name, value, attrs=None, renderer=None):
        scelte = tuple((str(v), str(etichetta)) for v, etichetta in self.choices)
        selezionati = tuple(self.format_value(value))
        if not set(selezionati) <= {v for v, _ in scelte}:
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
