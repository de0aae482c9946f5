"""Every string a person reads is translatable, and English and German are complete (issue 8).

Three checks, each failing with the file and the text to fix:
- templates: text and the attributes people read (alt, title, aria-label, placeholder, a button's value)
  outside {% translate %}/{% blocktranslate %};
- Python: messages given as plain literals where a person reads them (DomainError, ValidationError,
  add_error, messages.*, form/model labels, help texts, choices, admin descriptions);
- catalogues: `makemessages` run on a copy finds no string that locale/en or locale/de leaves empty or fuzzy.
"""

import ast
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(p for p in (ROOT / "templates").rglob("*.html"))
# Python a person never reads: demo data, system checks, the CLI's own output, migrations, Sentry scrubbing.
PYTHON = sorted(
    p
    for p in (ROOT / "apps").rglob("*.py")
    if not {"migrations", "management", "demo"} & set(p.relative_to(ROOT / "apps").parts)
    and p.name not in {"checks.py", "sentry.py"}
)

# Acronyms, codes and symbols that read the same in every language.
_NEUTRO = re.compile(r"^[\W\d_]*(?:[A-Z]{2,6}|[A-Z]\d|\d+)?(?:[\W\d_]+(?:[A-Z]{2,6}|\d+))*[\W\d_]*$")
_ATTRIBUTI = re.compile(r"""\b(alt|title|aria-label|placeholder|value)\s*=\s*("[^"]*"|'[^']*')""")


def _testo_nudo(sorgente: str) -> list[str]:
    """What of a template reaches a reader without passing through a translation tag."""
    s = re.sub(r"\{#.*?#\}", " ", sorgente, flags=re.S)
    s = re.sub(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", " ", s, flags=re.S)
    s = re.sub(r"\{%\s*blocktrans(?:late)?\b.*?\{%\s*endblocktrans(?:late)?\s*%\}", "§", s, flags=re.S)
    s = re.sub(r"\{%.*?%\}", "§", s, flags=re.S)
    s = re.sub(r"\{\{.*?\}\}", "§", s, flags=re.S)
    s = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", s, flags=re.S | re.I)
    s = re.sub(r"<!--.*?-->", " ", s, flags=re.S)
    trovati = []
    for tag in re.findall(r"<[^>]*>", s):
        if re.match(r"<input\b", tag) and re.search(r"""type\s*=\s*["']?hidden""", tag):
            continue
        # A value is read only on an <input> button; a <button>'s value is what the form sends.
        leggibili = _ATTRIBUTI.findall(tag)
        if not re.match(r"<input\b", tag):
            leggibili = [(n, v) for n, v in leggibili if n != "value"]
        trovati += [v[1:-1] for _nome, v in leggibili]
    testo = re.sub(r"<[^>]*>", "\n", s)
    trovati += testo.split("\n")
    trovati = [re.sub(r"&[a-z]+;|&#\d+;", " ", t).replace("§", " ").strip() for t in trovati]
    return [t for t in trovati if t and re.search(r"[^\W\d_]{2,}", t) and not _NEUTRO.match(t)]


def test_the_template_scanner_sees_what_it_must():
    assert _testo_nudo("<p>Ciao</p>") == ["Ciao"]
    assert _testo_nudo('<img alt="Logo INPS" src="x">') == ["Logo INPS"]
    assert _testo_nudo("{% translate 'Ciao' %} <b>{{ nome }}</b> INPS – 2025") == []
    assert _testo_nudo("{% blocktranslate %}Ciao {{ n }}{% endblocktranslate %}") == []
    assert _testo_nudo('<input type="hidden" name="a" value="fisso">') == []
    assert _testo_nudo('<input type="submit" value="Invia">') == ["Invia"]
    assert _testo_nudo('<button name="azione" value="conferma">{% translate "Conferma" %}</button>') == []


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_template_string_is_translatable(path):
    assert _testo_nudo(path.read_text()) == [], "testo da racchiudere in {% translate %}"


# Calls whose argument (position → index, or keyword) a person reads.
_POSIZIONALI = {"DomainError": 0, "ValidationError": 0, "add_error": 1, "PermissionDenied": 0}
_MESSAGGI = {"success", "error", "info", "warning", "debug"}
_PAROLE = {"label", "help_text", "verbose_name", "verbose_name_plural", "description", "empty_label"}


def _letterale(nodo) -> bool:
    if isinstance(nodo, ast.JoinedStr):
        return True
    testo = nodo.value if isinstance(nodo, ast.Constant) else None
    return isinstance(testo, str) and bool(re.search(r"[^\W\d_]{2,}", testo))


def _nome(func) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _letterali_non_tradotti(albero) -> list[str]:
    trovati = []
    for nodo in ast.walk(albero):
        if isinstance(nodo, ast.Call):
            nome = _nome(nodo.func)
            argomenti = []
            if nome in _POSIZIONALI and len(nodo.args) > _POSIZIONALI[nome]:
                argomenti.append(nodo.args[_POSIZIONALI[nome]])
            di_messages = isinstance(nodo.func, ast.Attribute) and _nome(nodo.func.value) == "messages"
            if nome in _MESSAGGI and di_messages:
                argomenti += nodo.args[1:2]
            if nome.endswith("Field") and nodo.args:
                argomenti.append(nodo.args[0])  # a model field's verbose name
            argomenti += [k.value for k in nodo.keywords if k.arg in _PAROLE]
            trovati += [f"riga {a.lineno}: {ast.unparse(a)[:80]}" for a in argomenti if _letterale(a)]
        if isinstance(nodo, ast.ClassDef) and any(_nome(b).endswith("Choices") for b in nodo.bases):
            for voce in nodo.body:
                valore = getattr(voce, "value", None)
                if isinstance(valore, ast.Tuple) and len(valore.elts) > 1 and _letterale(valore.elts[-1]):
                    trovati.append(f"riga {voce.lineno}: {ast.unparse(valore.elts[-1])[:80]}")
        bersagli = nodo.targets if isinstance(nodo, ast.Assign) else []
        if any(_nome(t) == "short_description" for t in bersagli) and _letterale(nodo.value):
            trovati.append(f"riga {nodo.lineno}: {ast.unparse(nodo.value)[:80]}")
    return trovati


def test_the_python_scanner_sees_what_it_must():
    codice = """
raise DomainError("Codice non valido", field="codice")
raise DomainError(_("Codice non valido"))
messages.success(request, f"Fatto {x}")
nome = models.CharField("nome", max_length=3)
class Stato(models.TextChoices):
    A = "a", "Attivo"
    B = "b", _("Bloccato")
"""
    assert len(_letterali_non_tradotti(ast.parse(codice))) == 4


@pytest.mark.parametrize("path", PYTHON, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_message_a_person_reads_is_translatable(path):
    assert _letterali_non_tradotti(ast.parse(path.read_text())) == [], "racchiudere in gettext/gettext_lazy"


def _voci(comando: list[str]) -> list[str]:
    uscita = subprocess.run(comando, capture_output=True, text=True, check=True).stdout  # noqa: S603
    return [m for m in re.findall(r'^msgid "(.*)"$', uscita, flags=re.M) if m]


@pytest.mark.skipif(shutil.which("msgattrib") is None, reason="manca gettext (apt-get install gettext)")
def test_english_and_german_are_complete(tmp_path):
    """makemessages on a copy of the catalogues: every string found has a translation, none is fuzzy."""
    for nome in ["apps", "templates", "bonuspsi"]:
        (tmp_path / nome).symlink_to(ROOT / nome)
    shutil.copytree(ROOT / "locale", tmp_path / "locale")
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
            call_command("makemessages", locale=["en", "de"], symlinks=True, verbosity=0, no_obsolete=True)
    finally:
        os.chdir(cwd)
    for lingua in ["en", "de"]:
        po = tmp_path / "locale" / lingua / "LC_MESSAGES" / "django.po"
        vuote = _voci(["msgattrib", "--untranslated", str(po)])
        fuzzy = _voci(["msgattrib", "--only-fuzzy", str(po)])
        assert (vuote, fuzzy) == ([], []), f"{lingua}: da tradurre {vuote[:20]}, fuzzy {fuzzy[:20]}"
