"""The citizen's fatture: which ones they see, and their PDFs (one PDF with a page each, or a ZIP).

Who sees a fattura: the beneficiary of its code and whoever applied for them — the same owner filter as
the citizen's code page (`apps.codici.selectors.codici_del_cittadino`). Withdrawn fatture are not shown.

A selection of up to SOGLIA_IN_CODA fatture is built in the request; a larger one becomes an
ArchivioFatture built by a Celery task (`apps.fatture.tasks.prepara_archivio_fatture`), whose progress
("n di N") the citizen's status page shows. Archives are written, one fattura at a time, to a temporary
file in the private folder (`cartella_archivi()`, under var/, never served as static or media) and
renamed when complete; they are deleted after CONSERVAZIONE (24 hours) by `elimina_archivi_scaduti`,
run at each new request and by the task `pulisci_archivi_fatture`.
"""

import datetime as dt
import logging
import os
import re
import secrets
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.codici.selectors import codici_del_cittadino
from apps.core.exceptions import DomainError
from apps.core.lingua import nella_lingua
from apps.core.pdf import pdf

from .models import ArchivioFatture, Fattura, SedutaFatturata

log = logging.getLogger(__name__)

SOGLIA_IN_CODA = 50  # more than this: built by the Celery task, with its progress shown
MASSIMO_SELEZIONE = 2000  # a citizen has a few dozen at most; this only bounds a forged request
# One PDF is laid out whole by WeasyPrint: measured ~0.9 MiB and ~0.1 s a page (200 pages: 280 MiB peak,
# 22 s). A ZIP renders one fattura at a time, its memory does not grow with the selection.
MASSIMO_PDF = 200
CONSERVAZIONE = dt.timedelta(hours=24)
BLOCCO = 25  # fatture read and rendered at a time: memory stays bounded whatever the selection
TEMPLATE_PDF = "cittadino/pdf/fatture.html"

SELEZIONE_VUOTA = _("Seleziona almeno una fattura, oppure tutte quelle del periodo.")
SELEZIONE_TROPPO_GRANDE = _("Puoi scaricare al massimo %(massimo)s fatture alla volta: restringi il periodo.")
PDF_TROPPO_GRANDE = _(
    "Un solo PDF può contenere al massimo %(massimo)s fatture: scegli l'archivio ZIP o restringi il periodo."
)


def cartella_archivi() -> Path:
    """The private folder of the archives (settings.FATTURE_ARCHIVI_DIR, default var/archivi-fatture)."""
    cartella = Path(getattr(settings, "FATTURE_ARCHIVI_DIR", settings.BASE_DIR / "var" / "archivi-fatture"))
    cartella.mkdir(parents=True, exist_ok=True)
    return cartella


# --- Selectors ---------------------------------------------------------------------------------------


def fatture_del_cittadino(user) -> QuerySet:
    """Fatture on the codes the user may see (beneficiary or applicant for them), not withdrawn."""
    return (
        Fattura.objects.filter(codice__in=codici_del_cittadino(user).values("pk"))
        .exclude(stato=Fattura.Stato.RITIRATA)
        .select_related("professionista")
        .order_by("-data", "-pk")
    )


def filtra_per_periodo(qs: QuerySet, *, dal: dt.date | None = None, al: dt.date | None = None) -> QuerySet:
    """The fatture dated from `dal` to `al`, both included."""
    if dal:
        qs = qs.filter(data__gte=dal)
    if al:
        qs = qs.filter(data__lte=al)
    return qs


def selezione(
    user, *, ids: Iterable[int] = (), tutte: bool = False, dal=None, al=None, formato: str = "zip"
) -> list[int]:
    """The ids of the chosen fatture, in the list's order: every one of the period when `tutte`, else
    those of `ids` that are the user's (another person's id is ignored). DomainError(field="fatture")
    when nothing remains or the selection is too large (for one PDF: over MASSIMO_PDF)."""
    qs = filtra_per_periodo(fatture_del_cittadino(user), dal=dal, al=al)
    if not tutte:
        qs = qs.filter(pk__in=list(ids)[: MASSIMO_SELEZIONE + 1])
    scelte = list(qs.values_list("pk", flat=True)[: MASSIMO_SELEZIONE + 1])
    if not scelte:
        raise DomainError(SELEZIONE_VUOTA, field="fatture")
    if len(scelte) > MASSIMO_SELEZIONE:
        raise DomainError(SELEZIONE_TROPPO_GRANDE % {"massimo": MASSIMO_SELEZIONE}, field="fatture")
    if formato == ArchivioFatture.Formato.PDF and len(scelte) > MASSIMO_PDF:
        raise DomainError(PDF_TROPPO_GRANDE % {"massimo": MASSIMO_PDF}, field="fatture")
    return scelte


def _con_sedute(ids: list[int]) -> list[Fattura]:
    """These fatture with their invoiced sedute, in the order of `ids` (one block: two queries)."""
    righe = SedutaFatturata.objects.filter(attiva=True).select_related("seduta").order_by("seduta__inizio")
    fatture = Fattura.objects.filter(pk__in=ids).select_related("professionista")
    per_id = {f.pk: f for f in fatture.prefetch_related(Prefetch("righe", queryset=righe, to_attr="sedute"))}
    return [per_id[i] for i in ids if i in per_id]


def _a_blocchi(ids: list[int]):
    for inizio in range(0, len(ids), BLOCCO):
        yield from _con_sedute(ids[inizio : inizio + BLOCCO])


# --- Documents ---------------------------------------------------------------------------------------


def pdf_fatture(fatture: list[Fattura]) -> bytes:
    """One tagged PDF (PDF/UA-1) with a page per fattura, in the current language."""
    return pdf(TEMPLATE_PDF, {"fatture": fatture})


def nome_file(fattura: Fattura) -> str:
    """The PDF's name in a ZIP: the year, the invoice number made safe, the id (unique). No code, no CF."""
    numero = re.sub(r"[^A-Za-z0-9-]+", "-", fattura.numero).strip("-")[:30] or "fattura"
    return f"fattura-{fattura.anno}-{numero}-{fattura.pk}.pdf"


def scrivi_pdf(ids: list[int], destinazione, avanzamento: Callable[[int], None] = lambda n: None) -> None:
    """Write one PDF with a page per fattura to the open binary file `destinazione`."""
    fatture = _con_sedute(ids) if len(ids) <= BLOCCO else list(_a_blocchi(ids))
    destinazione.write(pdf_fatture(fatture))
    avanzamento(len(fatture))


def scrivi_zip(ids: list[int], destinazione, avanzamento: Callable[[int], None] = lambda n: None) -> None:
    """Write a ZIP of one PDF per fattura to the open binary file `destinazione`, one at a time (each PDF
    is written to the archive before the next is rendered); `avanzamento(n)` after each one."""
    with zipfile.ZipFile(destinazione, "w", compression=zipfile.ZIP_DEFLATED) as archivio:
        for n, fattura in enumerate(_a_blocchi(ids), start=1):
            archivio.writestr(nome_file(fattura), pdf_fatture([fattura]))
            avanzamento(n)


def scrivi(formato: str, ids: list[int], destinazione, avanzamento=lambda n: None) -> None:
    (scrivi_zip if formato == ArchivioFatture.Formato.ZIP else scrivi_pdf)(ids, destinazione, avanzamento)


def file_temporaneo():
    """A temporary file in the private folder (deleted when closed): a small selection's download."""
    return tempfile.TemporaryFile(dir=cartella_archivi())


# --- Archives built by the task ---------------------------------------------------------------------


def archivi_del_cittadino(user) -> QuerySet:
    return ArchivioFatture.objects.filter(utente=user, richiesto_il__gte=timezone.now() - CONSERVAZIONE)


def richiedi_archivio(user, ids: list[int], formato: str) -> ArchivioFatture:
    """Record the request and queue the task (eager: it has run when this returns). Returns the record."""
    from . import tasks  # the task module imports this one

    elimina_archivi_scaduti()
    archivio = ArchivioFatture.objects.create(
        utente=user, formato=formato, fattura_ids=list(ids), totale=len(ids)
    )
    task = tasks.prepara_archivio_fatture
    if task.app.conf.task_always_eager:
        task.apply_async(kwargs={"archivio_id": archivio.pk})
    else:
        transaction.on_commit(lambda: task.apply_async(kwargs={"archivio_id": archivio.pk}))
    archivio.refresh_from_db()
    return archivio


def prepara_archivio(archivio_id: int) -> None:
    """The task's body: build the file to a temporary name, count progress, rename it when complete.
    An archive already ready (a redelivered task) is left alone; a failure is recorded as fallito."""
    archivio = ArchivioFatture.objects.select_related("utente").filter(pk=archivio_id).first()
    if archivio is None or archivio.stato == ArchivioFatture.Stato.PRONTO:
        return
    # The ids are checked against the owner again: a record is only ever built from their own fatture.
    propri = set(
        fatture_del_cittadino(archivio.utente)
        .filter(pk__in=archivio.fattura_ids)
        .values_list("pk", flat=True)
    )
    ids = [i for i in archivio.fattura_ids if i in propri]
    ArchivioFatture.objects.filter(pk=archivio.pk).update(
        stato=ArchivioFatture.Stato.IN_CORSO, totale=len(ids), fatte=0
    )
    nome = f"{secrets.token_urlsafe(24)}.{archivio.formato}"
    finale = cartella_archivi() / nome
    provvisorio = finale.with_suffix(".parziale")

    def avanzamento(n: int) -> None:
        ArchivioFatture.objects.filter(pk=archivio.pk).update(fatte=n)

    try:
        with nella_lingua(archivio.utente), open(provvisorio, "wb") as destinazione:
            scrivi(archivio.formato, ids, destinazione, avanzamento)
        os.replace(provvisorio, finale)
    except Exception:
        provvisorio.unlink(missing_ok=True)
        ArchivioFatture.objects.filter(pk=archivio.pk).update(stato=ArchivioFatture.Stato.FALLITO)
        log.exception("Archivio di fatture %s non riuscito", archivio.pk)
        raise
    ArchivioFatture.objects.filter(pk=archivio.pk).update(
        stato=ArchivioFatture.Stato.PRONTO, file=nome, fatte=len(ids), pronto_il=timezone.now()
    )


def percorso(archivio: ArchivioFatture) -> Path | None:
    """The ready archive's file, or None (not ready, expired, or gone)."""
    if archivio.stato != ArchivioFatture.Stato.PRONTO or not archivio.file:
        return None
    file = cartella_archivi() / archivio.file
    return file if file.is_file() else None


def elimina_archivi_scaduti(adesso: dt.datetime | None = None) -> int:
    """Delete the archives (file and record) requested more than CONSERVAZIONE ago, and any other file
    of the folder as old; returns how many records were deleted."""
    limite = (adesso or timezone.now()) - CONSERVAZIONE
    scaduti = ArchivioFatture.objects.filter(richiesto_il__lt=limite)
    cartella = cartella_archivi()
    for nome in scaduti.exclude(file="").values_list("file", flat=True):
        (cartella / nome).unlink(missing_ok=True)
    # Whatever else is as old: a build interrupted mid-way, or a redelivered task's duplicate.
    for avanzo in cartella.iterdir():
        if avanzo.is_file() and dt.datetime.fromtimestamp(avanzo.stat().st_mtime, tz=dt.UTC) < limite:
            avanzo.unlink(missing_ok=True)
    return scaduti.delete()[0]
