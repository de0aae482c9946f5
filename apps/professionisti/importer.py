"""CNOP's weekly list of adhering psychotherapists: `import_cnop FILE.csv`.

An upsert by codice fiscale, all or nothing. The file is read and validated first, in Python, against
the provinces loaded once; if any line is bad nothing changes, an `ImportazioneCnop` with esito
*rifiutata* records every "riga N: motivo" (N = line number in the file, the header is line 1) and
`ImportazioneCnopError` is raised. Otherwise one transaction:

- creates the new professionals and updates the listed ones (`bulk_create`, and one executemany UPDATE
  of the rows that changed; the existing ones are read in one query, never one per line). `aggiornati`
  counts the listed professionals whose data or CNOP studio changed, or who came back into the list;
- marks every listed professional `in_lista=True, importazione=<this import>`, then every professional
  still `in_lista` but not touched by this import drops out of the list (`non_in_lista`): they can no
  longer book. Nothing is deleted: their studi and sedute stay, and those sedute can still be
  confirmed and invoiced;
- keeps the CNOP studio in sync. Studi are never edited in place (sedute point to them with PROTECT):
  when the listed address changes, the old CNOP studio stays as an ordinary studio (`da_cnop=False`)
  and the professional's studio at the new address — reused if they had already added it, created
  otherwise — becomes the CNOP one. Only a different province with the same address, CAP and comune is
  corrected in place.

Rules of a line, beyond the formats: `data_adesione` may not precede `data_iscrizione` (one adheres as
a member of the albo); only psychotherapists may adhere (stato=aderente requires psicoterapeuta=true);
an adhering professional needs the studio (the four studio_ columns), a revoked one may leave them all
empty; a codice fiscale appears once. A file with no lines is refused: applied, it would take every
professional off the list.
"""

import datetime as dt
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.core.csvfile import FileNonUtf8, leggi_csv, verifica_utf8
from apps.core.models import Provincia
from apps.core.services import audit
from apps.core.validators import CodiceFiscaleChecker

from .models import ImportazioneCnop, Professionista, Studio

INTESTAZIONE = [
    "cf", "cognome", "nome", "ordine", "numero_iscrizione", "data_iscrizione", "psicoterapeuta",
    "data_adesione", "stato", "email", "pec", "studio_indirizzo", "studio_comune", "studio_provincia",
    "studio_cap",
]  # fmt: skip
CAMPI_DATI = [
    "cognome", "nome", "ordine", "numero_iscrizione", "data_iscrizione", "psicoterapeuta", "data_adesione",
    "stato", "email", "pec",
]  # fmt: skip
BOOL = {"true": True, "false": False}
STATI = frozenset(Professionista.Stato.values)
CAP_RE = re.compile(r"[0-9]{5}")
BATCH = 2000
# Any 64-bit number, the same for every import: PostgreSQL queues a second concurrent import behind
# the first, so it reads the list the first one committed.
LOCK_ID = 0x434E4F50  # "CNOP"


def _lunghezza(model, campo: str) -> int:
    return model._meta.get_field(campo).max_length


class ImportazioneCnopError(Exception):
    """The file is refused; `errori` holds one "riga N: motivo" per bad line, in file order, and
    `importazione` the rifiutata record."""

    def __init__(
        self, errori: list[str], importazione: ImportazioneCnop | None = None, messaggio: str | None = None
    ):
        quante = ngettext(
            "%(n)s riga non valida: lista CNOP non importata, nessuna modifica.",
            "%(n)s righe non valide: lista CNOP non importata, nessuna modifica.",
            len(errori),
        ) % {"n": len(errori)}
        super().__init__(messaggio or quante)
        self.errori = errori
        self.importazione = importazione


@dataclass(frozen=True)
class StudioCnop:
    indirizzo: str
    comune: str
    provincia_id: str
    cap: str

    @property
    def chiave(self) -> tuple[str, str, str]:
        """The fields of the unique constraint studio_unico_per_professionista (with the professional)."""
        return (self.indirizzo, self.comune, self.cap)


@dataclass(frozen=True)
class RigaCnop:
    riga: int
    cf: str
    dati: dict
    studio: StudioCnop | None


def _spazi(value: str) -> str:
    return " ".join(value.split())


class _Validatore:
    def __init__(self):
        self.province = frozenset(Provincia.objects.values_list("sigla", flat=True))
        self.cf_valido = CodiceFiscaleChecker()
        self.email_valida = EmailValidator()
        self.visti: dict[str, int] = {}
        testi = ("cognome", "nome", "ordine", "numero_iscrizione")
        self.max = {campo: _lunghezza(Professionista, campo) for campo in testi}
        self.max_indirizzo = _lunghezza(Studio, "indirizzo")
        self.max_comune = _lunghezza(Studio, "comune")

    def _data(self, nome: str, value: str, motivi: list[str]) -> dt.date | None:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            motivi.append(
                _("%(campo)s %(valore)r non è una data ISO 8601 (AAAA-MM-GG)")
                % {"campo": nome, "valore": value}
            )
            return None

    def _email(self, nome: str, value: str, motivi: list[str]) -> None:
        if not value:
            return
        if len(value) > 254:
            motivi.append(_("%(campo)s più lunga di 254 caratteri") % {"campo": nome})
            return
        try:
            self.email_valida(value)
        except ValidationError:
            motivi.append(_("%(campo)s %(valore)r non valida") % {"campo": nome, "valore": value})

    def _studio(self, valori: list[str], aderente: bool, motivi: list[str]) -> StudioCnop | None:
        indirizzo, comune, provincia, cap = valori
        if not any(valori):
            if aderente:
                motivi.append(_("studio mancante: un professionista aderente deve indicare lo studio"))
            return None
        n = len(motivi)
        indirizzo, comune, provincia = _spazi(indirizzo), _spazi(comune), provincia.upper()
        if not indirizzo or len(indirizzo) > self.max_indirizzo:
            motivi.append(
                _("%(campo)s mancante o più lungo di %(max)s caratteri")
                % {"campo": "studio_indirizzo", "max": self.max_indirizzo}
            )
        if not comune or len(comune) > self.max_comune:
            motivi.append(
                _("%(campo)s mancante o più lungo di %(max)s caratteri")
                % {"campo": "studio_comune", "max": self.max_comune}
            )
        if provincia not in self.province:
            motivi.append(
                _("studio_provincia %(valore)r sconosciuta (sigla di due lettere, es. RM)")
                % {"valore": provincia}
            )
        if not CAP_RE.fullmatch(cap):
            motivi.append(_("studio_cap %(valore)r non valido (5 cifre)") % {"valore": cap})
        return StudioCnop(indirizzo, comune, provincia, cap) if len(motivi) == n else None

    def __call__(self, numero: int, row: list[str]) -> tuple[RigaCnop | None, list[str]]:
        if len(row) != len(INTESTAZIONE):
            return None, [
                _("attese %(attese)s colonne, trovate %(trovate)s")
                % {"attese": len(INTESTAZIONE), "trovate": len(row)}
            ]
        row = [v.strip() for v in row]
        cf, cognome, nome, ordine, numero_iscrizione, iscr, psi, ades, stato, email, pec = row[:11]
        motivi: list[str] = []

        cf = cf.upper().replace(" ", "")
        if not self.cf_valido(cf):
            motivi.append(
                _("%(campo)s non valido (16 caratteri con carattere di controllo corretto)") % {"campo": "cf"}
            )
        elif cf in self.visti:
            motivi.append(
                _("cf già presente alla riga %(riga)s (una riga per professionista)")
                % {"riga": self.visti[cf]}
            )
        else:
            self.visti[cf] = numero

        testi = {"cognome": _spazi(cognome), "nome": _spazi(nome), "ordine": _spazi(ordine),
                 "numero_iscrizione": numero_iscrizione}  # fmt: skip
        for campo, value in testi.items():
            if not value:
                motivi.append(_("%(campo)s mancante") % {"campo": campo})
            elif len(value) > self.max[campo]:
                motivi.append(
                    _("%(campo)s più lungo di %(max)s caratteri") % {"campo": campo, "max": self.max[campo]}
                )

        data_iscrizione = self._data("data_iscrizione", iscr, motivi)
        data_adesione = self._data("data_adesione", ades, motivi)
        if data_iscrizione and data_adesione and data_adesione < data_iscrizione:
            motivi.append(_("data_adesione precedente a data_iscrizione all'albo"))

        if psi not in BOOL:
            motivi.append(_("psicoterapeuta %(valore)r non valido (true|false)") % {"valore": psi})
        if stato not in STATI:
            motivi.append(_("stato %(valore)r non ammesso (aderente|revocato)") % {"valore": stato})
        aderente = stato == Professionista.Stato.ADERENTE
        if aderente and psi == "false":
            motivi.append(
                _("solo gli psicoterapeuti possono aderire (stato aderente con psicoterapeuta false)")
            )

        self._email("email", email, motivi)
        self._email("pec", pec, motivi)
        studio = self._studio(row[11:], aderente, motivi)

        if motivi:
            return None, motivi
        dati = {
            **testi, "data_iscrizione": data_iscrizione, "psicoterapeuta": BOOL[psi],
            "data_adesione": data_adesione, "stato": stato, "email": email, "pec": pec,
        }  # fmt: skip
        return RigaCnop(numero, cf, dati, studio), []


def leggi_lista(file_or_path) -> tuple[list[RigaCnop], list[tuple[int, str]], int]:
    """Every line validated: (good lines, (line number, reason) of the bad ones, data lines read)."""
    righe, errori, letti = leggi_csv(file_or_path, INTESTAZIONE, _Validatore())
    if not errori and not righe:
        errori.append((1, _("il file non contiene professionisti: applicata, toglierebbe tutti dalla lista")))
    return righe, errori, letti


def _per_riga(errori: list[tuple[int, str]]) -> list[str]:
    """One "riga N: motivo; motivo" per line, in file order."""
    motivi: dict[int, list[str]] = {}
    for n, motivo in sorted(errori, key=lambda e: e[0]):
        motivi.setdefault(n, []).append(motivo)
    voce = _("riga %(riga)s: %(motivo)s")
    return [voce % {"riga": n, "motivo": "; ".join(m)} for n, m in motivi.items()]


# --- writing -------------------------------------------------------------------------------------


def _blocca():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_ID])


def _aggiorna(model, campi: list[str], oggetti: list) -> None:
    """UPDATE … WHERE pk = %s for each object, sent with executemany (psycopg 3 pipelines it).

    Not `bulk_update`: its CASE WHEN per field and row costs Django seconds of expression building for
    a few thousand rows; this is one prepared statement."""
    if not oggetti:
        return
    qn = connection.ops.quote_name
    colonne = [model._meta.get_field(c) for c in campi]
    sql = (
        f"UPDATE {qn(model._meta.db_table)} SET {', '.join(f'{qn(f.column)} = %s' for f in colonne)} "
        f"WHERE {qn(model._meta.pk.column)} = %s"
    )
    valori = [
        [f.get_db_prep_save(getattr(o, f.attname), connection) for f in colonne] + [o.pk] for o in oggetti
    ]
    with connection.cursor() as cursor:
        for i in range(0, len(valori), BATCH):
            cursor.executemany(sql, valori[i : i + BATCH])


def _upsert(
    righe: list[RigaCnop], imp: ImportazioneCnop, adesso
) -> tuple[dict[str, Professionista], set, set]:
    """Create and update the listed professionals; returns them all by CF, the pks of the new ones and
    those of the updated ones."""
    esistenti = {p.codice_fiscale: p for p in Professionista.objects.all()}
    nuovi, cambiati, invariati = [], [], []
    for r in righe:
        p = esistenti.get(r.cf)
        if p is None:
            nuovi.append(Professionista(codice_fiscale=r.cf, in_lista=True, importazione=imp, **r.dati))
            continue
        if p.in_lista and all(getattr(p, campo) == value for campo, value in r.dati.items()):
            invariati.append(p.pk)
            continue
        for campo, value in r.dati.items():
            setattr(p, campo, value)
        p.in_lista, p.importazione, p.aggiornato_il = True, imp, adesso
        cambiati.append(p)
    Professionista.objects.bulk_create(nuovi, batch_size=BATCH)
    _aggiorna(Professionista, [*CAMPI_DATI, "in_lista", "importazione", "aggiornato_il"], cambiati)
    for i in range(0, len(invariati), BATCH):
        Professionista.objects.filter(pk__in=invariati[i : i + BATCH]).update(importazione=imp)
    tutti = esistenti | {p.codice_fiscale: p for p in nuovi}
    return tutti, {p.pk for p in nuovi}, {p.pk for p in cambiati}


def _sincronizza_studi(righe: list[RigaCnop], professionisti: dict[str, Professionista]) -> set:
    """Make each listed studio the professional's CNOP studio; returns the pks of the professionals
    whose CNOP studio changed (new professionals included)."""
    cnop = {s.professionista_id: s for s in Studio.objects.filter(da_cnop=True)}
    da_cambiare: dict[int, StudioCnop] = {}  # professional → the new CNOP address
    province_corrette = []
    for r in righe:
        if r.studio is None:
            continue
        pk = professionisti[r.cf].pk
        attuale = cnop.get(pk)
        if attuale is None or (attuale.indirizzo, attuale.comune, attuale.cap) != r.studio.chiave:
            da_cambiare[pk] = r.studio
        elif attuale.provincia_id != r.studio.provincia_id:
            attuale.provincia_id = r.studio.provincia_id
            province_corrette.append(attuale)
    _aggiorna(Studio, ["provincia"], province_corrette)
    if not da_cambiare:
        return {s.professionista_id for s in province_corrette}
    # The old CNOP studi first: the partial unique index allows one CNOP studio per professional.
    vecchi = [cnop[pk].pk for pk in da_cambiare if pk in cnop]
    for i in range(0, len(vecchi), BATCH):
        Studio.objects.filter(pk__in=vecchi[i : i + BATCH]).update(da_cnop=False)
    gia_aggiunti = {}
    ids = list(da_cambiare)
    for i in range(0, len(ids), BATCH):
        for s in Studio.objects.filter(professionista_id__in=ids[i : i + BATCH]):
            gia_aggiunti[(s.professionista_id, s.indirizzo, s.comune, s.cap)] = s
    riusati, creati = [], []
    for pk, nuovo in da_cambiare.items():
        studio = gia_aggiunti.get((pk, *nuovo.chiave))
        if studio is None:
            creati.append(Studio(professionista_id=pk, da_cnop=True, **asdict(nuovo)))
        else:
            studio.da_cnop, studio.provincia_id = True, nuovo.provincia_id
            riusati.append(studio)
    _aggiorna(Studio, ["da_cnop", "provincia"], riusati)
    Studio.objects.bulk_create(creati, batch_size=BATCH)
    return set(da_cambiare) | {s.professionista_id for s in province_corrette}


def _applica(righe: list[RigaCnop], nome_file: str, letti: int) -> ImportazioneCnop:
    _blocca()
    adesso = timezone.now()
    imp = ImportazioneCnop.objects.create(
        file=nome_file, esito=ImportazioneCnop.Esito.COMPLETATA, righe=letti,
        revocati=sum(r.dati["stato"] == Professionista.Stato.REVOCATO for r in righe),
    )  # fmt: skip
    professionisti, nuovi, aggiornati = _upsert(righe, imp, adesso)
    imp.non_in_lista = (
        Professionista.objects.filter(in_lista=True)
        .exclude(importazione=imp)
        .update(in_lista=False, aggiornato_il=adesso)
    )
    # An updated professional is one whose data or CNOP studio changed; the new ones are counted apart.
    aggiornati |= _sincronizza_studi(righe, professionisti)
    imp.nuovi, imp.aggiornati = len(nuovi), len(aggiornati - nuovi)
    imp.save(update_fields=["nuovi", "aggiornati", "non_in_lista"])
    return imp


def importa_cnop(file_or_path, nome_file: str, operatore=None) -> ImportazioneCnop:
    """Apply CNOP's list, or change nothing and raise ImportazioneCnopError with every bad line."""
    nome_file = Path(str(nome_file)).name[: _lunghezza(ImportazioneCnop, "file")]
    try:
        verifica_utf8(file_or_path)  # a latin-1 or UTF-16 list gets one clear message, not one per line
    except FileNonUtf8 as exc:
        imp = ImportazioneCnop.objects.create(
            file=nome_file, esito=ImportazioneCnop.Esito.RIFIUTATA, righe=0, errori=exc.message
        )
        audit(operatore, "cnop.importazione_rifiutata", imp, file=nome_file, errori=1)
        raise ImportazioneCnopError(
            [], imp, messaggio=_("%(motivo)s Lista CNOP non importata.") % {"motivo": exc.message}
        ) from None
    righe, errori, letti = leggi_lista(file_or_path)
    if errori:
        errori = _per_riga(errori)
        imp = ImportazioneCnop.objects.create(
            file=nome_file, esito=ImportazioneCnop.Esito.RIFIUTATA, righe=letti, errori="\n".join(errori)
        )
        audit(operatore, "cnop.importazione_rifiutata", imp, file=nome_file, errori=len(errori))
        raise ImportazioneCnopError(errori, imp)
    with transaction.atomic():
        imp = _applica(righe, nome_file, letti)
        audit(
            operatore, "cnop.importata", imp, file=nome_file, righe=imp.righe, nuovi=imp.nuovi,
            aggiornati=imp.aggiornati, revocati=imp.revocati, non_in_lista=imp.non_in_lista,
        )  # fmt: skip
    return imp


def riepilogo(imp: ImportazioneCnop) -> str:
    return _(
        "Lista CNOP importata: %(righe)s righe, %(nuovi)s nuovi professionisti, %(aggiornati)s aggiornati, "
        "%(revocati)s revocati nel file, %(usciti)s usciti dalla lista."
    ) % {
        "righe": imp.righe,
        "nuovi": imp.nuovi,
        "aggiornati": imp.aggiornati,
        "revocati": imp.revocati,
        "usciti": imp.non_in_lista,
    }
