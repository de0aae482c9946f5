"""Error reports never carry a codice fiscale, a codice univoco or an IBAN."""

import json

from apps.codici.models import ALFABETO, LUNGHEZZA
from apps.core.sentry import ALFABETO_CODICI, FILTRATO, LUNGHEZZA_CODICI, scrub, scrub_event

CF = "RSSMRA85M01H501Q"
CF_OMOCODICO = "RSSMRA85M01H50MN"
CODICE = "AB3CDE4FGH5J"
IBAN = "IT60X0542811101000000123456"


def _evento():
    """Shaped like what sentry-sdk's Django integration sends for an exception in a view."""
    return {
        "event_id": "0f3b2c",
        "level": "error",
        "message": f"Verifica fallita per {CF} con codice {CODICE}",
        "exception": {
            "values": [
                {
                    "type": "DomainError",
                    "value": f"IBAN {IBAN} già presente",
                    "stacktrace": {
                        "frames": [
                            {
                                "filename": "apps/sedute/services.py",
                                "function": "verifica_associazione",
                                "module": "apps.sedute.services",
                                "lineno": 42,
                                "vars": {
                                    "codice_fiscale": f"'{CF_OMOCODICO.lower()}'",
                                    "codice": repr(CODICE),
                                },
                            }
                        ]
                    },
                }
            ]
        },
        "request": {
            "url": "https://bonuspsicologo.example.it/professionista/prenota/",
            "query_string": f"cf={CF}",
            "headers": {"Referer": "https://x.example/?iban=IT60 X054 2811 1010 0000 0123 456"},
        },
        "breadcrumbs": {"values": [{"category": "query", "message": f"SELECT … WHERE cf = '{CF}'"}]},
        "extra": {"righe": [CF, {"codice": CODICE}], "conteggio": 3},
    }


def test_it_removes_codici_fiscali_codes_and_ibans_from_a_realistic_event():
    pulito = json.dumps(scrub_event(_evento(), hint={}))
    for segreto in (CF, CF_OMOCODICO.lower(), CODICE, IBAN, "IT60 X054"):
        assert segreto not in pulito
    assert pulito.count(FILTRATO) >= 8


def test_it_keeps_what_is_not_personal_data():
    evento = scrub_event(_evento(), hint={})
    frame = evento["exception"]["values"][0]["stacktrace"]["frames"][0]
    assert frame["function"] == "verifica_associazione"
    assert frame["lineno"] == 42
    assert evento["exception"]["values"][0]["type"] == "DomainError"
    assert evento["request"]["url"] == "https://bonuspsicologo.example.it/professionista/prenota/"
    assert evento["extra"]["conteggio"] == 3
    assert scrub("Graduatoria 2025 pubblicata, 1.500,00 €") == "Graduatoria 2025 pubblicata, 1.500,00 €"


def test_a_code_inside_a_longer_word_is_not_cut_but_a_code_between_punctuation_is():
    assert scrub(f"x{CODICE}y") == f"x{CODICE}y"
    assert scrub(f"({CODICE})") == f"({FILTRATO})"


def test_the_code_pattern_follows_the_codes_alphabet():
    assert ALFABETO_CODICI == ALFABETO
    assert LUNGHEZZA_CODICI == LUNGHEZZA
