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
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

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
    """The field's errors in one element with the id Django's widgets point at (aria-describedby)."""
    if not field.errors:
        return ""
    return format_html(
        '<div class="invalid-feedback d-block" id="{}_error">{}</div>',
        field.auto_id,
        format_html_join(mark_safe("<br>"), "{}", ((e,) for e in field.errors)),
    )


def _aiuto(field) -> SafeString:
    if not field.help_text:
        return ""
    return format_html('<small class="form-text" id="{}_helptext">{}</small>', field.auto_id, field.help_text)


def _descrizione_gruppo(field) -> SafeString:
    """A radio group's inputs carry no aria-describedby (Django leaves it to the fieldset)."""
    ids = [f"{field.auto_id}_helptext"] * bool(field.help_text)
    ids += [f"{field.auto_id}_error"] * bool(field.errors)
    return format_html(' aria-describedby="{}"', " ".join(ids)) if ids else ""


def _campo(field) -> SafeString:
    tipo = field.widget_type
    if tipo == "checkbox":
        return format_html(
            '<div class="form-check mb-3">{}<label for="{}">{}</label>{}</div>',
            field, field.id_for_label, field.label, _errori(field),
        )  # fmt: skip
    if tipo in ("radioselect", "checkboxselectmultiple"):  # a group: one fieldset, one legend
        radio = format_html_join(
            "",
            '<div class="form-check">{}<label for="{}">{}</label></div>',
            ((r.tag(), r.id_for_label, r.choice_label) for r in field),
        )
        return format_html(
            '<fieldset class="mb-4"{}><legend class="h6">{}</legend>{}{}{}</fieldset>',
            _descrizione_gruppo(field), field.label, radio, _aiuto(field), _errori(field),
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


def voci_errori(form) -> list[tuple[str, str]]:
    """Every error of a bound form as (anchor, text), in the fields' order: what the summary lists."""
    voci = []
    if any(f.errors for f in form.hidden_fields()):
        voci.append(("", gettext("Modulo non valido o scaduto: ricarica la pagina e riprova.")))
    voci += [("", str(e)) for e in form.non_field_errors()]
    for f in form.visible_fields():
        # A radio group has no element of its own id: link to its first option.
        ancora = f"{f.auto_id}_0" if f.widget_type == "radioselect" else (f.id_for_label or f.auto_id)
        # The label first, unless the message already names the field ("IBAN non valido…" on the IBAN).
        voci += [
            (ancora, e if str(f.label).lower() in str(e).lower() else f"{f.label}: {e}") for e in f.errors
        ]
    return voci


def riepilogo_errori(form) -> SafeString:
    """The error summary at the top of a form (WCAG 3.3.1): how many errors, each linking to its field.
    static/js/portale.js moves the focus to it when the page loads."""
    voci = voci_errori(form)
    if not voci:
        return ""
    righe = format_html_join(
        "",
        "<li>{}</li>",
        ((format_html('<a href="#{}">{}</a>', a, t) if a else t,) for a, t in voci),
    )
    titolo = ngettext(
        "Il modulo contiene %(n)d errore: correggilo e invia di nuovo.",
        "Il modulo contiene %(n)d errori: correggili e invia di nuovo.",
        len(voci),
    ) % {"n": len(voci)}
    return format_html(
        '<div class="alert alert-danger" id="riepilogo-errori" tabindex="-1"'
        ' aria-labelledby="riepilogo-errori-titolo">'
        '<h2 class="h5" id="riepilogo-errori-titolo">{}</h2><ul class="mb-0">{}</ul></div>',
        titolo, righe,
    )  # fmt: skip


def campi(form) -> SafeString:
    """The fields of `form` as the portal draws them: the error summary (every error at once, each linking to
    its field), each visible field with its label, help (`id="<field id>_helptext"`) and errors next to it
    (`id="<field id>_error"`, the ids Django's aria-describedby names), then the hidden fields."""
    parti = [riepilogo_errori(form)] if form.is_bound else []
    parti += [_campo(f) for f in form.visible_fields()]
    parti += form.hidden_fields()
    return format_html_join("\n", "{}", ((p,) for p in parti if p))
