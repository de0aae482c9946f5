"""The operators' upload pages: `import_domande` for one bando, and `import_rappresentanze`.

The same service as the command (apps.domande.importer.importa_domande): atomic, every bad line
listed with its number. The upload is spooled to a temporary file and imported in the request:
1 000 000 rows take ~15 s (bench/README.md), within a web request's limits.
"""

import tempfile

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from apps.core.admin import MAX_ERRORI_MOSTRATI, pagina_importazione
from apps.core.csvfile import aiuto_intestazione, valida_upload_csv

from . import importer, importer_rappresentanze
from .importer import ImportazioneError, importa_domande
from .importer_rappresentanze import ImportazioneRappresentanzeError, importa_rappresentanze
from .models import Bando


class ImportaDomandeForm(forms.Form):
    file = forms.FileField(label=_("File CSV delle domande"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = aiuto_intestazione(
            importer.INTESTAZIONE, gettext("una riga per domanda")
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        valida_upload_csv(upload)
        return upload


def importa_view(modeladmin, request, pk):
    if not request.user.has_perm("domande.add_domanda"):
        raise PermissionDenied
    bando = get_object_or_404(Bando, pk=pk)
    form = ImportaDomandeForm(request.POST or None, request.FILES or None)
    errori: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with tempfile.NamedTemporaryFile(suffix=".csv") as tmp:
            for chunk in upload.chunks():
                tmp.write(chunk)
            tmp.flush()
            try:
                importate = importa_domande(bando, tmp.name, attore=request.user)
            except ImportazioneError as exc:
                errori = exc.errori
                modeladmin.message_user(request, str(exc), messages.ERROR)
            else:
                testo = ngettext(
                    "Importata %(n)s domanda nel bando %(anno)s.",
                    "Importate %(n)s domande nel bando %(anno)s.",
                    importate,
                ) % {"n": importate, "anno": bando.anno}
                modeladmin.message_user(request, testo, messages.SUCCESS)
                return redirect("admin:domande_bando_change", bando.pk)
    context = {
        **admin.site.each_context(request),
        "title": gettext("Importa domande – %(bando)s") % {"bando": bando},
        "bando": bando,
        "form": form,
        "errori": errori[:MAX_ERRORI_MOSTRATI],
        "altri_errori": max(0, len(errori) - MAX_ERRORI_MOSTRATI),
        "opts": Bando._meta,
    }
    return TemplateResponse(request, "admin/domande/bando/importa.html", context)


class ImportaRappresentanzeForm(forms.Form):
    file = forms.FileField(label=_("File CSV delle rappresentanze"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = aiuto_intestazione(
            importer_rappresentanze.INTESTAZIONE, gettext("una riga per rappresentanza")
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        valida_upload_csv(upload)
        return upload


def importa_rappresentanze_view(modeladmin, request):
    return pagina_importazione(
        modeladmin,
        request,
        permesso="domande.add_rappresentanzalegale",
        form_class=ImportaRappresentanzeForm,
        importa=importa_rappresentanze,
        errore=ImportazioneRappresentanzeError,
        esito=str,
        destinazione="admin:domande_rappresentanzalegale_changelist",
        titolo=_("Importa rappresentanze (CSV)"),
        template="admin/domande/rappresentanzalegale/importa.html",
    )
