"""The portal's form markup built in Python: the same HTML as Django's widget templates and as the
template `cittadino/_campi.html` had, without a template per widget, per radio and per hidden input.

Measured on the citizen's "Presenta domanda" (bench/README.md): the page spent ~3.5 ms rendering its seven
fields through templates (each <input> is three nested templates, each radio four), the riepilogo ~1 ms
on its eight hidden inputs. The widgets' context (`get_context`: attributes, required, aria-invalid,
aria-describedby, checked) is still Django's; only the last step, context → markup, is done here, for
the <input> widgets; any other widget (the <select>, a textarea) is rendered by its template as before.
tests/integration/test_moduli.py holds the output equal to the templates'."""

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext

# Django's templates that are all "django/forms/widgets/input.html" (radio and checkbox options: when the
# label is not wrapped, which is how campi() draws them).
_INPUT = {
    f"django/forms/widgets/{nome}.html"
    for nome in ["input", "text", "email", "hidden", "checkbox", "number", "password", "url", "date", "time"]
}
_OPZIONI = {"django/forms/widgets/radio_option.html", "django/forms/widgets/checkbox_option.html"}


def _attributi(attrs: dict) -> str:
    """django/forms/widgets/attrs.html: False omitted, True as a bare name."""
    parti = []
    for nome, valore in attrs.items():
        if valore is False:
            continue
        if valore is True:
            parti.append(f" {conditional_escape(nome)}")
        else:
            parti.append(f' {conditional_escape(nome)}="{conditional_escape(str(valore))}"')
    return "".join(parti)


def _input(widget: dict) -> str:
    """django/forms/widgets/input.html."""
    valore = widget["value"]
    return (
        f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
        + ("" if valore is None else f' value="{conditional_escape(str(valore))}"')
        + _attributi(widget["attrs"])
        + ">"
    )


class RendererLeggero(DjangoTemplates):
    """A form renderer that writes <input> widgets directly; everything else through the templates."""

    def render(self, template_name, context, request=None):
        widget = context.get("widget")
        if widget is not None:
            if template_name in _INPUT:
                return _input(widget)
            if template_name in _OPZIONI and not widget.get("wrap_label"):
                return _input(widget)
        return super().render(template_name, context, request)


def _errori(field) -> SafeString:
    return format_html_join(
        "",
        '<div class="invalid-feedback d-block" id="{}_errore">{}</div>',
        ((field.auto_id, e) for e in field.errors),
    )


def _aiuto(field) -> SafeString:
    return format_html('<small class="form-text">{}</small>', field.help_text) if field.help_text else ""


def _campo(field) -> SafeString:
    tipo = field.widget_type
    if tipo == "checkbox":
        return format_html(
            '<div class="form-check mb-3">{}<label for="{}">{}</label>{}</div>',
            field, field.id_for_label, field.label, _errori(field),
        )  # fmt: skip
    if tipo == "radioselect":
        radio = format_html_join(
            "",
            '<div class="form-check">{}<label for="{}">{}</label></div>',
            ((r.tag(), r.id_for_label, r.choice_label) for r in field),
        )
        return format_html(
            '<fieldset class="mb-4"><legend class="h6">{}</legend>{}{}</fieldset>',
            field.label, radio, _errori(field),
        )  # fmt: skip
    if tipo == "select":
        return format_html(
            '<div class="select-wrapper mb-4"><label for="{}">{}</label>{}{}{}</div>',
            field.id_for_label, field.label, field, _aiuto(field), _errori(field),
        )  # fmt: skip
    return format_html(
        '<div class="form-group mb-4"><label for="{}" class="active">{}</label>{}{}{}</div>',
        field.id_for_label, field.label, field, _aiuto(field), _errori(field),
    )  # fmt: skip


def campi(form) -> SafeString:
    """The fields of `form` as the portal draws them: a generic alert for a hidden field in error (a
    tampered or stale form), the form's own errors, each visible field with its label, help and errors
    next to it (`id="<field id>_errore"`), then the hidden fields."""
    nascosti = form.hidden_fields()
    parti = [
        format_html(
            '<div class="alert alert-danger" role="alert">{}</div>',
            gettext("Modulo non valido o scaduto: ricarica la pagina e riprova."),
        )
        for f in nascosti
        if f.errors
    ]
    if form.non_field_errors():
        parti.append(
            format_html(
                '<div class="alert alert-danger" role="alert">{}</div>',
                format_html_join("", "{} ", ((e,) for e in form.non_field_errors())),
            )
        )
    parti += [_campo(f) for f in form.visible_fields()]
    parti += nascosti
    return format_html_join("\n", "{}", ((p,) for p in parti))
