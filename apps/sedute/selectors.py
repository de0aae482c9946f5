import datetime as dt
import functools

from django.db import connection
from django.db.models import F
from django.utils import timezone

from apps.accounts.models import User
from apps.codici.models import CodiceUnivoco
from apps.codici.selectors import codici_del_cittadino
from apps.domande.models import ROME
from apps.professionisti.models import Professionista

from .models import Seduta

# The professional's booking and confirmation pages warn about the first-seduta deadline (circ. 124/2025
# §6) in the last two weeks before it: long enough to book and hold a seduta, short enough not to be noise.
GIORNI_AVVISO_PRIMA_SEDUTA = 14


def prima_seduta_in_tempo(codice: CodiceUnivoco) -> bool:
    """A seduta held on or before `prima_seduta_entro` was confirmed by the end of that day (Europe/Rome):
    the code does not lapse (circ. 124/2025 §6; the decadenza job, apps.graduatorie.ciclo)."""
    if codice.prima_seduta_entro is None:
        return True
    fine = dt.datetime.combine(codice.prima_seduta_entro + dt.timedelta(days=1), dt.time(), tzinfo=ROME)
    return codice.sedute.filter(
        stato__in=[Seduta.Stato.CONFERMATA, Seduta.Stato.FATTURATA, Seduta.Stato.RIMBORSATA],
        inizio__lt=fine,
        confermata_il__lt=fine,
    ).exists()


def termine_prima_seduta(codice: CodiceUnivoco | None, oggi: dt.date | None = None) -> dict | None:
    """The deadline to warn about, {"entro": day N, "giorni": days left (0 = today)}, when N is within the
    next GIORNI_AVVISO_PRIMA_SEDUTA days and no seduta held by N has been confirmed yet; else None."""
    if codice is None or codice.prima_seduta_entro is None:
        return None
    if codice.stato not in (CodiceUnivoco.Stato.ATTIVO, CodiceUnivoco.Stato.ESAURITO):
        return None
    giorni = (codice.prima_seduta_entro - (oggi or timezone.localdate())).days
    if not 0 <= giorni <= GIORNI_AVVISO_PRIMA_SEDUTA or prima_seduta_in_tempo(codice):
        return None
    return {"entro": codice.prima_seduta_entro, "giorni": giorni}


def nominativo_beneficiario(codice_fiscale: str) -> str:
    """The patient's name as their identity provider gave it, when they have ever logged in.

    Domande carry no names (the bulk channel's format has none); a beneficiary who never accessed
    the portal is shown by the codice fiscale the professional typed."""
    user = User.objects.filter(codice_fiscale=codice_fiscale).only("nome", "cognome").first()
    nome = f"{user.cognome} {user.nome}".strip().upper() if user else ""
    return nome or codice_fiscale


def nominativi(codici_fiscali) -> dict[str, str]:
    trovati = {
        cf: f"{cognome} {nome}".strip().upper()
        for cf, nome, cognome in User.objects.filter(codice_fiscale__in=set(codici_fiscali)).values_list(
            "codice_fiscale", "nome", "cognome"
        )
    }
    return {cf: trovati.get(cf) or cf for cf in codici_fiscali}


def sedute_del_professionista(professionista):
    return Seduta.objects.filter(professionista=professionista).select_related(
        "codice", "codice__domanda", "studio"
    )


def filtra_sedute(
    qs, *, stato: str = "", paziente: int | None = None, dal: dt.date | None = None, al: dt.date | None = None
):
    if stato:
        qs = qs.filter(stato=stato)
    if paziente:
        qs = qs.filter(codice_id=paziente)
    tz = timezone.get_current_timezone()
    if dal:
        qs = qs.filter(inizio__gte=dt.datetime.combine(dal, dt.time.min, tzinfo=tz))
    if al and al < dt.date.max:  # up to the last possible day: no upper bound (and no overflow)
        qs = qs.filter(inizio__lt=dt.datetime.combine(al + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    return qs


def pazienti_del_professionista(professionista) -> list[tuple[int, str]]:
    """(code id, patient's name) for the filter of "Le mie sedute", sorted by name."""
    coppie = list(
        Seduta.objects.filter(professionista=professionista)
        .values_list("codice_id", "codice__domanda__cf_beneficiario")
        .distinct()
    )
    nomi = nominativi([cf for _, cf in coppie])
    return sorted(((pk, nomi[cf]) for pk, cf in coppie), key=lambda coppia: coppia[1])


_COLONNE_RIGHE = ("pk", "inizio", "importo", "stato", "cognome", "nome", "comune")


@functools.cache
def _sql_righe() -> str:
    studio = Seduta._meta.get_field("studio").related_model._meta.db_table
    return (
        "SELECT s.id, s.inizio, s.importo, s.stato, p.cognome, p.nome, st.comune "
        f"FROM {Seduta._meta.db_table} s "
        f"JOIN {Professionista._meta.db_table} p ON p.id = s.professionista_id "
        f"JOIN {studio} st ON st.id = s.studio_id "
        "WHERE s.codice_id = %s ORDER BY s.inizio, s.id"
    )


def righe_del_codice(codice) -> list[dict]:
    """The sedute on a code as plain rows, for the citizen's balance page: the seven columns it shows.

    Plain SQL on purpose: this is the page citizens reload most, and building the ORM query took as long
    as running it (1.3 of 2.6 ms; bench/README.md). Same rows as
    `Seduta.objects.filter(codice=codice).order_by("inizio", "pk")`, which a test checks."""
    if connection.vendor != "postgresql":  # the embedded SQLite of `make run`: its drivers return raw values
        return list(
            Seduta.objects.filter(codice=codice)
            .order_by("inizio", "pk")
            .values(
                "pk",
                "inizio",
                "importo",
                "stato",
                cognome=F("professionista__cognome"),
                nome=F("professionista__nome"),
                comune=F("studio__comune"),
            )
        )
    with connection.cursor() as cursor:
        cursor.execute(_sql_righe(), [codice.pk])
        return [dict(zip(_COLONNE_RIGHE, riga, strict=True)) for riga in cursor.fetchall()]


def sedute_del_cittadino(user):
    """Sedute on the codes the user may see (as beneficiary or as the applicant for them)."""
    return Seduta.objects.filter(codice__in=codici_del_cittadino(user).values("pk")).select_related(
        "professionista", "studio", "codice"
    )


def codice_in_prenotazione(codice_id: int):
    """The code a professional has just verified (its id is kept in their session, never in a URL)."""
    from apps.codici.models import CodiceUnivoco

    return CodiceUnivoco.objects.select_related("domanda__bando").filter(pk=codice_id).first()
