"""Room on each page of the codes table for a row's next version (PostgreSQL fillfactor 50).

Every booking, confirmation and cancellation updates its code's amounts, and the lifecycle jobs update
hundreds of thousands of codes at once: with free space on the page PostgreSQL writes the new version
there without touching the indexes (a HOT update) when no indexed column changes. bench/lifecycle.py: the
expiry's reset of `assegnato` over 400 000 codes went from 15–30 s to ~4.5 s. The table takes twice the
space (about 160 MB at 400 000 codes). Existing pages follow it after their next rewrite (VACUUM FULL);
new rows at once. Other databases (SQLite for `make run`) have no such setting: nothing to do."""

from django.db import migrations


def imposta(apps, schema_editor, valore):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE codici_codiceunivoco SET (fillfactor = {valore})")


class Migration(migrations.Migration):
    dependencies = [("codici", "0003_movimentofondo")]

    operations = [
        migrations.RunPython(lambda a, s: imposta(a, s, 50), lambda a, s: imposta(a, s, 100), elidable=False)
    ]
