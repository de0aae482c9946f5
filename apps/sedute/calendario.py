"""Sedute as subscribable iCalendar feeds (RFC 5545) at a secret, revocable address (issue 11 §3).

A calendar app cannot log in, so the address's token is the credential: `secrets.token_urlsafe(32)`, of
which only the SHA-256 is stored. The person sees the address once, when it is made; "Rigenera" revokes it
and makes another, "Disattiva" revokes it. An unknown or revoked token is a 404 like any missing page.

What a feed holds: the person's sedute held from `GIORNI_PASSATI` days ago on, every state. Cancelled ones
stay in with STATUS:CANCELLED so subscribed calendars drop them; invoiced and paid ones stay in as
CONFIRMED (the appointment took place: it should not vanish from a calendar when it is invoiced). Each
event's UID is the seduta's number, its SEQUENCE the seduta's `revisione` (raised by the services on each
change of time, duration or state to annullata). Never a codice fiscale, never a codice univoco: the
professional's feed names the patient by initials only, the citizen's feed names the professional.
"""

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from apps.accounts.models import User
from apps.core.services import audit
from apps.professionisti.selectors import professionista_di

from .models import CalendarioFeed, Seduta
from .selectors import sedute_del_cittadino

GIORNI_PASSATI = 365
DOMINIO_UID = "bonuspsi"
# token_urlsafe(32) is 43 characters; anything much longer is not ours and is not even hashed.
LUNGHEZZA_MASSIMA_TOKEN = 64


def impronta(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def crea_feed(utente, tipo: str, *, adesso=None) -> str:
    """Revoke the person's live feed of this kind, if any, and make a new one; returns the raw token,
    which is stored nowhere. The user's row is locked so that two clicks make one live feed, not an
    IntegrityError on the partial unique constraint."""
    adesso = adesso or timezone.now()
    User.objects.select_for_update().filter(pk=utente.pk).first()
    _revoca(utente, tipo, adesso)
    token = secrets.token_urlsafe(32)
    feed = CalendarioFeed.objects.create(
        utente=utente, tipo=tipo, token_hash=impronta(token), creato_il=adesso
    )
    audit(utente, "calendario.creato", feed, tipo=tipo)
    return token


@transaction.atomic
def revoca_feed(utente, tipo: str, *, adesso=None) -> bool:
    """True if a live feed was revoked; a second click changes nothing."""
    User.objects.select_for_update().filter(pk=utente.pk).first()
    return _revoca(utente, tipo, adesso or timezone.now())


def _revoca(utente, tipo: str, adesso) -> bool:
    feed = feed_attivo(utente, tipo)
    if feed is None:
        return False
    feed.revocato_il = adesso
    feed.save(update_fields=["revocato_il"])
    audit(utente, "calendario.revocato", feed, tipo=tipo)
    return True


def feed_attivo(utente, tipo: str) -> CalendarioFeed | None:
    return CalendarioFeed.objects.filter(utente=utente, tipo=tipo, revocato_il__isnull=True).first()


def feed_dal_token(token: str) -> CalendarioFeed | None:
    if not token or len(token) > LUNGHEZZA_MASSIMA_TOKEN:
        return None
    return (
        CalendarioFeed.objects.select_related("utente")
        .filter(token_hash=impronta(token), revocato_il__isnull=True, utente__is_active=True)
        .first()
    )


def iniziali(nome: str, cognome: str) -> str:
    """ "Mario", "Rossi" → "M.R."; only the first letter of each (a second name or surname adds nothing)."""
    return "".join(f"{parte.strip()[0].upper()}." for parte in (nome, cognome) if parte.strip())


def _iniziali_per_cf(codici_fiscali) -> dict[str, str]:
    """Initials of the patients who ever logged in (their identity provider gave the name); the others
    have none, and their events carry the seduta's number alone, never the codice fiscale instead."""
    righe = User.objects.filter(codice_fiscale__in=set(codici_fiscali)).values_list(
        "codice_fiscale", "nome", "cognome"
    )
    return {cf: iniziali(nome, cognome) for cf, nome, cognome in righe}


def _sedute(feed: CalendarioFeed, adesso):
    """The feed's sedute with what the events show, or None when the feed no longer has an owner
    (someone no longer a professional keeps no professional's feed)."""
    dal = adesso - dt.timedelta(days=GIORNI_PASSATI)
    if feed.tipo == CalendarioFeed.Tipo.PROFESSIONISTA:
        professionista = professionista_di(feed.utente)
        if professionista is None:
            return None
        qs = Seduta.objects.filter(professionista=professionista)
    else:
        qs = sedute_del_cittadino(feed.utente)
    return qs.filter(inizio__gte=dal).select_related("studio__provincia", "professionista", "codice__domanda")


def _titolo(feed: CalendarioFeed, seduta: Seduta, nomi: dict[str, str]) -> str:
    if feed.tipo == CalendarioFeed.Tipo.PROFESSIONISTA:
        sigla = nomi.get(seduta.codice.domanda.cf_beneficiario, "")
        if sigla:
            return _("Seduta %(numero)s – %(iniziali)s") % {"numero": seduta.numero, "iniziali": sigla}
        return _("Seduta %(numero)s") % {"numero": seduta.numero}
    return _("Seduta %(numero)s – %(professionista)s") % {
        "numero": seduta.numero,
        "professionista": seduta.professionista.nominativo,
    }


def _ultima_modifica(seduta: Seduta) -> dt.datetime:
    momenti = (seduta.prenotata_il, seduta.modificata_il, seduta.confermata_il, seduta.annullata_il)
    return max(t for t in momenti if t)


def _evento(feed: CalendarioFeed, seduta: Seduta, nomi: dict[str, str]) -> Event:
    studio = seduta.studio
    evento = Event()
    evento.add("uid", f"seduta-{seduta.numero}@{DOMINIO_UID}")
    evento.add("sequence", seduta.revisione)
    evento.add("dtstamp", _ultima_modifica(seduta).astimezone(dt.UTC))
    evento.add("last-modified", _ultima_modifica(seduta).astimezone(dt.UTC))
    evento.add("dtstart", seduta.inizio.astimezone(dt.UTC))
    evento.add("dtend", (seduta.inizio + dt.timedelta(minutes=seduta.durata_minuti)).astimezone(dt.UTC))
    evento.add("summary", _titolo(feed, seduta, nomi))
    evento.add("location", f"{studio.indirizzo}, {studio.cap} {studio.comune} ({studio.provincia_id})")
    evento.add("description", _("Stato: %(stato)s") % {"stato": seduta.get_stato_display()})
    annullata = seduta.stato == Seduta.Stato.ANNULLATA
    evento.add("status", "CANCELLED" if annullata else "CONFIRMED")
    evento.add("transp", "TRANSPARENT" if annullata else "OPAQUE")
    return evento


def calendario_ics(feed: CalendarioFeed, *, adesso=None) -> bytes | None:
    """The feed as iCalendar bytes, or None when it has no owner any more (the view answers 404)."""
    adesso = adesso or timezone.now()
    sedute = _sedute(feed, adesso)
    if sedute is None:
        return None
    sedute = list(sedute.order_by("inizio", "pk"))
    nomi = {}
    if feed.tipo == CalendarioFeed.Tipo.PROFESSIONISTA:
        nomi = _iniziali_per_cf(s.codice.domanda.cf_beneficiario for s in sedute)
    cal = Calendar()
    cal.add("prodid", "-//INPS//Bonus psicologo//IT")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", _("Sedute – Bonus psicologo"))
    cal.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    for seduta in sedute:
        cal.add_component(_evento(feed, seduta, nomi))
    return cal.to_ical()
