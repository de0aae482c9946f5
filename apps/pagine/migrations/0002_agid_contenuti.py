from django.db import migrations


def carica(apps, schema_editor):
    from apps.pagine.contenuti import carica_contenuti_predefiniti

    carica_contenuti_predefiniti(apps.get_model("pagine", "PaginaContenuto"))


class Migration(migrations.Migration):
    """The default accessibility statement, privacy notice and legal notes in it/en/de (only the missing
    ones: an operator's edit is never overwritten)."""

    dependencies = [("pagine", "0001_agid_pagine")]

    operations = [migrations.RunPython(carica, migrations.RunPython.noop)]
