"""Fill English and German translations from a Python dict file: `python tools/traduci.py FILE.py`.

FILE.py defines T = {msgid: (english, german)}; for a plural msgid each of the two is a (singular, plural)
pair. A key (context, msgid) names an entry with that msgctxt (pgettext); a plain msgid only entries
without. Only entries present in the catalogues are written; an existing translation is replaced, and the
entry loses a "fuzzy" flag. Needs polib in the virtualenv (`.venv/bin/pip install polib`, a tool only)."""

import runpy
import sys

import polib


def main(sorgente: str) -> None:
    tabella = runpy.run_path(sorgente)["T"]
    for indice, lingua in enumerate(["en", "de"]):
        percorso = f"locale/{lingua}/LC_MESSAGES/django.po"
        po = polib.pofile(percorso, wrapwidth=79)
        for voce in po:
            chiave = (voce.msgctxt, voce.msgid) if voce.msgctxt else voce.msgid
            if chiave not in tabella:
                continue
            testo = tabella[chiave][indice]
            if voce.msgid_plural:
                voce.msgstr_plural = {0: testo[0], 1: testo[1]}
            else:
                voce.msgstr = testo
            if "fuzzy" in voce.flags:
                voce.flags.remove("fuzzy")
        po.save(percorso)


if __name__ == "__main__":
    main(sys.argv[1])
