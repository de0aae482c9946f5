"""Smoke of the API on the embedded database (`make run`'s SQLite), run by .ci/run after seed_demo: the
suite runs on PostgreSQL, and the API's hot reads are plain SQL (apps.core.righe) that must hold on both.

The demo's Marco Galli makes a token, lists his studi, verifies a demo citizen's code, books on it (again
with the same Idempotency-Key: the same seduta), is refused another professional's studio, revokes the
token and is refused with it. Exits non-zero on the first surprise. The database is a throwaway one.

    DATABASE_URL=sqlite:///… .venv/bin/python tools/smoke_api.py
"""

import datetime as dt
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bonuspsi.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.accounts.models import User  # noqa: E402
from apps.codici.models import CodiceUnivoco  # noqa: E402
from apps.demo.services import MARCO, PAOLA  # noqa: E402
from apps.professionisti.models import Professionista  # noqa: E402
from apps.professionisti.token_api import autentica, crea_token, revoca_token  # noqa: E402


def controlla(condizione: bool, cosa: str, risposta=None) -> None:
    if not condizione:
        dettaglio = f"{risposta.status_code} {risposta.content[:300]!r}" if risposta is not None else ""
        sys.exit(f"smoke API: {cosa} — {dettaglio}")


def main() -> None:
    marco = Professionista.objects.get(codice_fiscale=MARCO)
    utente = User.objects.get(codice_fiscale=MARCO)
    token, chiaro = crea_token(utente, marco, nome="smoke", ambiti=["lettura", "sedute"], giorni=30)
    letto = autentica(chiaro)
    controlla(letto is not None and letto.ambiti == ["lettura", "sedute"], "il token letto in SQL semplice")
    controlla(timezone.is_aware(letto.scade_il) and letto.professionista.utente == utente, "i suoi campi")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {chiaro}", HTTP_HOST="localhost")

    studi = client.get("/api/v1/studi/")
    controlla(studi.status_code == 200 and studi.json(), "GET /api/v1/studi/", studi)
    studio = studi.json()[0]["id"]
    codice = (
        CodiceUnivoco.objects.filter(stato="attivo", sedute__isnull=True).select_related("domanda").first()
    )
    controlla(codice is not None, "un codice demo libero")
    verifica = client.post(
        "/api/v1/verifiche/",
        {"codice_fiscale": codice.domanda.cf_beneficiario, "codice": codice.codice},
        content_type="application/json",
    )
    controlla(verifica.status_code == 200, "POST /api/v1/verifiche/", verifica)
    inizio = timezone.localtime() + dt.timedelta(days=2)
    corpo = {
        "token_verifica": verifica.json()["token_verifica"], "studio": studio,
        "inizio": inizio.replace(hour=10, minute=0, second=0, microsecond=0).isoformat(),
        "durata_minuti": 50, "importo": "40.00",
    }  # fmt: skip
    prima = client.post("/api/v1/sedute/", corpo, content_type="application/json", HTTP_IDEMPOTENCY_KEY="s1")
    controlla(prima.status_code == 201, "POST /api/v1/sedute/", prima)
    ancora = client.post("/api/v1/sedute/", corpo, content_type="application/json", HTTP_IDEMPOTENCY_KEY="s1")
    stessa = ancora.status_code == 200 and ancora.json()["id"] == prima.json()["id"]
    controlla(stessa, "stessa Idempotency-Key, stessa seduta", ancora)
    altrui = Professionista.objects.get(codice_fiscale=PAOLA).studi.first()
    rifiutata = client.post(
        "/api/v1/sedute/", {**corpo, "studio": altrui.pk}, content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="s2",
    )  # fmt: skip
    controlla(rifiutata.status_code == 422, "studio altrui", rifiutata)
    controlla(rifiutata.json()["errori"][0]["campo"] == "studio", "studio altrui: il campo", rifiutata)

    revoca_token(utente, token)
    revocato = client.get("/api/v1/studi/")
    controlla(revocato.status_code == 401, "token revocato", revocato)
    print(f"smoke API su {connection.vendor}: token, studi, verifica, prenotazione, studio altrui, revoca ok")


if __name__ == "__main__":
    main()
