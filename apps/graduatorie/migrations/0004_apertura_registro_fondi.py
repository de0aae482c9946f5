"""Open the regional pools' ledger (MovimentoFondo) of the bandi published before it existed: one DOTAZIONE
row per region and one ASSEGNAZIONE per code, as a publication writes them now (apps.graduatorie.fondo)."""

from django.db import migrations
from django.utils import timezone


def apri(apps, schema_editor):
    Graduatoria = apps.get_model("graduatorie", "Graduatoria")
    CodiceUnivoco = apps.get_model("codici", "CodiceUnivoco")
    MovimentoFondo = apps.get_model("codici", "MovimentoFondo")
    adesso = timezone.now()
    for g in Graduatoria.objects.filter(stato="pubblicata").select_related("bando"):
        if MovimentoFondo.objects.filter(bando_id=g.bando_id, regione_id=g.regione_id).exists():
            continue
        riferimento = f"graduatoria:{g.bando.anno}"
        righe = [] if not g.budget else [
            MovimentoFondo(bando_id=g.bando_id, regione_id=g.regione_id, delta=g.budget, causale="dotazione",
                           riferimento=riferimento, creato_il=adesso)
        ]
        codici = CodiceUnivoco.objects.filter(domanda__bando_id=g.bando_id, domanda__regione_id=g.regione_id)
        righe += [
            MovimentoFondo(bando_id=g.bando_id, regione_id=g.regione_id, delta=-c.assegnato,
                           causale="assegnazione", codice_id=c.pk, riferimento=riferimento, creato_il=adesso)
            for c in codici.only("pk", "assegnato").iterator()
        ]
        MovimentoFondo.objects.bulk_create(righe, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("graduatorie", "0003_scorrimento_posizione_scorrimento"),
        ("codici", "0003_movimentofondo"),
    ]

    operations = [migrations.RunPython(apri, migrations.RunPython.noop)]
