"""Notices to many applicants at once (code expired, lapsed, expiring soon): one INSERT … SELECT per channel,
like the outcomes of a publication (services.accoda_esiti), each row in the applicant's language.

The texts are gettext strings with `%(protocollo)s` (filled in by the database) and any other value fixed
for the whole set (a date, formatted here in each language). The outbox's unique `chiave`
(`{prefisso}:{codice_id}:{canale}`) makes every notice go out once, however many times a job runs.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone, translation

from apps.codici.models import CodiceUnivoco
from apps.core.models import Notifica
from apps.core.services import avvia_invio
from apps.domande.models import Domanda

LINGUE = [settings.LANGUAGE_CODE] + [c for c, _n in settings.LANGUAGES if c != settings.LANGUAGE_CODE]
_PROTOCOLLO = "\x01protocollo\x01"


def _per_lingua(testo, valori: dict, nome: str, params: dict) -> str:
    """CASE over the applicant's language of `testo % valori`, its values added to `params`."""
    rami = []
    for lingua in LINGUE:
        with translation.override(lingua):
            fissi = {k: (v(lingua) if callable(v) else v) for k, v in valori.items()}
            params[f"{nome}_{lingua}"] = str(testo) % {**fissi, "protocollo": _PROTOCOLLO}
        rami.append((lingua, f"replace(%({nome}_{lingua})s, '{_PROTOCOLLO}', d.protocollo)"))
    casi = " ".join(f"WHEN COALESCE(u.lingua, '') = '{lg}' THEN {sql}" for lg, sql in rami[1:])
    return f"CASE {casi} ELSE {rami[0][1]} END"


def accoda_avvisi(prefisso: str, dove: str, params: dict, oggetto, testo, valori: dict | None = None) -> int:
    """Queue an e-mail and an SMS (where given) to the applicant of every code matching `dove` (SQL on
    `c.` the code, `d.` its domanda), with the parameters `params`. Returns how many were queued now."""
    valori = valori or {}
    params = dict(params, adesso=connection.ops.adapt_datetimefield_value(timezone.now()))
    testo_sql = _per_lingua(testo, valori, "testo", params)
    oggetto_sql = _per_lingua(oggetto, valori, "oggetto", params)
    accodate = 0
    with connection.cursor() as cursor:
        for canale, colonna in (("email", "email"), ("sms", "cellulare")):
            cursor.execute(
                f"""INSERT INTO {Notifica._meta.db_table} (chiave, canale, destinatario, oggetto, testo,
                        stato, tentativi, ultimo_errore, creata_il)
                    SELECT '{prefisso}:' || c.id || ':{canale}', '{canale}', d.{colonna},
                        {oggetto_sql if canale == "email" else "''"}, {testo_sql},
                        '{Notifica.Stato.IN_CODA.value}', 0, '', %(adesso)s
                    FROM {CodiceUnivoco._meta.db_table} c
                    JOIN {Domanda._meta.db_table} d ON d.id = c.domanda_id
                    LEFT JOIN {get_user_model()._meta.db_table} u ON u.id = d.richiedente_id
                    WHERE ({dove}) AND d.{colonna} <> ''
                    ON CONFLICT (chiave) DO NOTHING""",
                params,
            )
            accodate += cursor.rowcount
    if accodate:
        avvia_invio()
    return accodate
