import datetime as dt

from django.utils import timezone

from apps.accounts.models import User
from apps.codici.selectors import codici_del_cittadino

from .models import Seduta


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
    if al:
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


def sedute_del_codice(codice):
    return (
        Seduta.objects.filter(codice=codice)
        .select_related("professionista", "studio")
        .order_by("inizio", "pk")
    )


def sedute_del_cittadino(user):
    """Sedute on the codes the user may see (as beneficiary or as the applicant for them)."""
    return Seduta.objects.filter(codice__in=codici_del_cittadino(user).values("pk")).select_related(
        "professionista", "studio", "codice"
    )


def codice_in_prenotazione(codice_id: int):
    """The code a professional has just verified (its id is kept in their session, never in a URL)."""
    from apps.codici.models import CodiceUnivoco

    return CodiceUnivoco.objects.select_related("domanda").filter(pk=codice_id).first()
