"""The few marks a content page's text may use, drawn as HTML from escaped text (never raw HTML)."""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Only web, mail and in-site links: no javascript:, data: or anything else.
_LINK = re.compile(r"\[([^\]\n]+)\]\(((?:https://|http://|mailto:|/)[^\s)]*)\)")
_GRASSETTO = re.compile(r"\*\*([^*\n]+)\*\*")


def _in_linea(testo: str) -> str:
    html = escape(testo)
    html = _LINK.sub(r'<a href="\2">\1</a>', html)
    return _GRASSETTO.sub(r"<strong>\1</strong>", html)


def corpo_html(corpo: str) -> SafeString:
    """Blocks separated by blank lines: "## " → h2, "### " → h3, lines of "- " → a list, else a paragraph."""
    blocchi = []
    for blocco in re.split(r"\n\s*\n", (corpo or "").replace("\r\n", "\n").strip()):
        righe = [r.strip() for r in blocco.strip().split("\n") if r.strip()]
        if not righe:
            continue
        if righe[0].startswith("### "):
            blocchi.append(f"<h3>{_in_linea(' '.join(righe)[4:])}</h3>")
        elif righe[0].startswith("## "):
            blocchi.append(f"<h2>{_in_linea(' '.join(righe)[3:])}</h2>")
        elif all(r.startswith("- ") for r in righe):
            voci = "".join(f"<li>{_in_linea(r[2:])}</li>" for r in righe)
            blocchi.append(f"<ul>{voci}</ul>")
        else:
            blocchi.append(f"<p>{_in_linea(' '.join(righe))}</p>")
    return mark_safe("\n".join(blocchi))  # noqa: S308 - built only from escaped text
